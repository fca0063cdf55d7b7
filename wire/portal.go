package wire

// Paths of the SSO portal operations.
const (
	PathGetRoleCredentials = "/federation/credentials"
	PathListAccounts       = "/assignment/accounts"
	PathListAccountRoles   = "/assignment/roles"
	PathLogout             = "/logout"
)

// Query parameter names of the portal operations.
const (
	QueryRoleName   = "role_name"
	QueryAccountID  = "account_id"
	QueryNextToken  = "next_token"
	QueryMaxResults = "max_result"
)

// RoleCredentials are the credentials GetRoleCredentials returns.
// Expiration is epoch milliseconds (WIRE.md 7).
type RoleCredentials struct {
	AccessKeyID     *string `json:"accessKeyId,omitempty"`
	SecretAccessKey *string `json:"secretAccessKey,omitempty"`
	SessionToken    *string `json:"sessionToken,omitempty"`
	Expiration      int64   `json:"expiration"`
}

// GetRoleCredentialsResponse is the body of GetRoleCredentials.
type GetRoleCredentialsResponse struct {
	RoleCredentials *RoleCredentials `json:"roleCredentials,omitempty"`
}

// AccountInfo is one entry of ListAccounts.
type AccountInfo struct {
	AccountID    *string `json:"accountId,omitempty"`
	AccountName  *string `json:"accountName,omitempty"`
	EmailAddress *string `json:"emailAddress,omitempty"`
}

// ListAccountsResponse is the body of ListAccounts.
type ListAccountsResponse struct {
	NextToken   *string       `json:"nextToken,omitempty"`
	AccountList []AccountInfo `json:"accountList,omitempty"`
}

// RoleInfo is one entry of ListAccountRoles.
type RoleInfo struct {
	RoleName  *string `json:"roleName,omitempty"`
	AccountID *string `json:"accountId,omitempty"`
}

// ListAccountRolesResponse is the body of ListAccountRoles.
type ListAccountRolesResponse struct {
	NextToken *string    `json:"nextToken,omitempty"`
	RoleList  []RoleInfo `json:"roleList,omitempty"`
}
