package portal

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/ssooidc/ssooidc/wire"
)

// GetRoleCredentialsInput is the input of GetRoleCredentials. All members
// are required.
type GetRoleCredentialsInput struct {
	// AccessToken is the access token from ssooidc CreateToken.
	AccessToken string
	// AccountID is the 12-digit account of the role.
	AccountID string
	// RoleName is the permission-set role, such as "AdministratorAccess".
	RoleName string
}

// RoleCredentials are short-term AWS credentials of a role.
type RoleCredentials struct {
	// AccessKeyID is the access key id, "ASIA...".
	AccessKeyID string
	// SecretAccessKey is the secret key.
	SecretAccessKey string
	// SessionToken is the session token that goes with the keys.
	SessionToken string
	// Expiration is when the credentials expire (epoch milliseconds on the
	// wire); zero if the response had none.
	Expiration time.Time
}

// Credentials returns rc as aws.Credentials, ready for a
// CredentialsProvider.
func (rc *RoleCredentials) Credentials() aws.Credentials {
	return aws.Credentials{
		AccessKeyID:     rc.AccessKeyID,
		SecretAccessKey: rc.SecretAccessKey,
		SessionToken:    rc.SessionToken,
		Source:          "SSOPortal",
		CanExpire:       !rc.Expiration.IsZero(),
		Expires:         rc.Expiration,
	}
}

// GetRoleCredentialsOutput is the output of GetRoleCredentials.
type GetRoleCredentialsOutput struct {
	// RoleCredentials is nil if the response had none.
	RoleCredentials *RoleCredentials
	// RequestID is the x-amzn-RequestId response header
	// (ResultMetadata.RequestID).
	RequestID string
	// ResultMetadata describes the HTTP response.
	ResultMetadata ResponseMetadata
}

// GetRoleCredentials returns short-term credentials for a role assigned to
// the user (GET /federation/credentials).
func (c *Client) GetRoleCredentials(ctx context.Context, in *GetRoleCredentialsInput, optFns ...func(*Options)) (*GetRoleCredentialsOutput, error) {
	const op = "GetRoleCredentials"
	if in == nil {
		in = &GetRoleCredentialsInput{}
	}
	v := newValidation("GetRoleCredentialsInput")
	v.require("AccessToken", in.AccessToken)
	v.require("AccountID", in.AccountID)
	v.require("RoleName", in.RoleName)
	if err := v.err(); err != nil {
		return nil, c.tc.OperationError(op, err)
	}
	q := url.Values{wire.QueryRoleName: {in.RoleName}, wire.QueryAccountID: {in.AccountID}}
	var out wire.GetRoleCredentialsResponse
	resp, err := c.call(ctx, op, http.MethodGet, wire.PathGetRoleCredentials, in.AccessToken, q, &out, optFns)
	if err != nil {
		return nil, err
	}
	o := &GetRoleCredentialsOutput{RequestID: resp.RequestID, ResultMetadata: resp.Metadata()}
	if rc := out.RoleCredentials; rc != nil {
		o.RoleCredentials = &RoleCredentials{
			AccessKeyID:     deref(rc.AccessKeyID),
			SecretAccessKey: deref(rc.SecretAccessKey),
			SessionToken:    deref(rc.SessionToken),
		}
		if rc.Expiration != 0 {
			// Milliseconds, as botocore and aws-sdk-go-v2 read it (WIRE.md 7).
			o.RoleCredentials.Expiration = time.UnixMilli(rc.Expiration).UTC()
		}
	}
	return o, nil
}

// ListAccountsInput is the input of ListAccounts.
type ListAccountsInput struct {
	// AccessToken is required.
	AccessToken string
	// MaxResults is the page size, 1 to 100; 0 lets the server choose.
	MaxResults int32
	// NextToken continues a listing; empty starts one.
	NextToken string
}

// AccountInfo is one account assigned to the user.
type AccountInfo struct {
	// AccountID is the 12-digit account id.
	AccountID string
	// AccountName is the account's display name.
	AccountName string
	// EmailAddress is the account's root email address.
	EmailAddress string
}

// ListAccountsOutput is one page of ListAccounts.
type ListAccountsOutput struct {
	// AccountList is the page of accounts.
	AccountList []AccountInfo
	// NextToken is empty on the last page.
	NextToken string
	// RequestID is the x-amzn-RequestId response header
	// (ResultMetadata.RequestID).
	RequestID string
	// ResultMetadata describes the HTTP response.
	ResultMetadata ResponseMetadata
}

// ListAccounts lists one page of the accounts assigned to the user (GET
// /assignment/accounts). NewListAccountsPaginator walks all pages.
func (c *Client) ListAccounts(ctx context.Context, in *ListAccountsInput, optFns ...func(*Options)) (*ListAccountsOutput, error) {
	const op = "ListAccounts"
	if in == nil {
		in = &ListAccountsInput{}
	}
	v := newValidation("ListAccountsInput")
	v.require("AccessToken", in.AccessToken)
	if err := v.err(); err != nil {
		return nil, c.tc.OperationError(op, err)
	}
	q := pageQuery(in.MaxResults, in.NextToken)
	var out wire.ListAccountsResponse
	resp, err := c.call(ctx, op, http.MethodGet, wire.PathListAccounts, in.AccessToken, q, &out, optFns)
	if err != nil {
		return nil, err
	}
	o := &ListAccountsOutput{NextToken: deref(out.NextToken), RequestID: resp.RequestID, ResultMetadata: resp.Metadata()}
	for _, a := range out.AccountList {
		o.AccountList = append(o.AccountList, AccountInfo{
			AccountID:    deref(a.AccountID),
			AccountName:  deref(a.AccountName),
			EmailAddress: deref(a.EmailAddress),
		})
	}
	return o, nil
}

// ListAccountRolesInput is the input of ListAccountRoles.
type ListAccountRolesInput struct {
	// AccessToken is required.
	AccessToken string
	// AccountID is the account whose roles are listed. Required.
	AccountID string
	// MaxResults is the page size, 1 to 100; 0 lets the server choose.
	MaxResults int32
	// NextToken continues a listing; empty starts one.
	NextToken string
}

// RoleInfo is one role of an account assigned to the user.
type RoleInfo struct {
	// RoleName is the role (permission set) name.
	RoleName string
	// AccountID is the account of the role.
	AccountID string
}

// ListAccountRolesOutput is one page of ListAccountRoles.
type ListAccountRolesOutput struct {
	// RoleList is the page of roles.
	RoleList []RoleInfo
	// NextToken is empty on the last page.
	NextToken string
	// RequestID is the x-amzn-RequestId response header
	// (ResultMetadata.RequestID).
	RequestID string
	// ResultMetadata describes the HTTP response.
	ResultMetadata ResponseMetadata
}

// ListAccountRoles lists one page of the roles the user has in an account
// (GET /assignment/roles). NewListAccountRolesPaginator walks all pages.
func (c *Client) ListAccountRoles(ctx context.Context, in *ListAccountRolesInput, optFns ...func(*Options)) (*ListAccountRolesOutput, error) {
	const op = "ListAccountRoles"
	if in == nil {
		in = &ListAccountRolesInput{}
	}
	v := newValidation("ListAccountRolesInput")
	v.require("AccessToken", in.AccessToken)
	v.require("AccountID", in.AccountID)
	if err := v.err(); err != nil {
		return nil, c.tc.OperationError(op, err)
	}
	q := pageQuery(in.MaxResults, in.NextToken)
	q.Set(wire.QueryAccountID, in.AccountID)
	var out wire.ListAccountRolesResponse
	resp, err := c.call(ctx, op, http.MethodGet, wire.PathListAccountRoles, in.AccessToken, q, &out, optFns)
	if err != nil {
		return nil, err
	}
	o := &ListAccountRolesOutput{NextToken: deref(out.NextToken), RequestID: resp.RequestID, ResultMetadata: resp.Metadata()}
	for _, r := range out.RoleList {
		o.RoleList = append(o.RoleList, RoleInfo{RoleName: deref(r.RoleName), AccountID: deref(r.AccountID)})
	}
	return o, nil
}

func pageQuery(maxResults int32, nextToken string) url.Values {
	q := url.Values{}
	if maxResults != 0 {
		q.Set(wire.QueryMaxResults, strconv.FormatInt(int64(maxResults), 10))
	}
	if nextToken != "" {
		q.Set(wire.QueryNextToken, nextToken)
	}
	return q
}

// LogoutInput is the input of Logout.
type LogoutInput struct {
	// AccessToken is the token to end the session of. Required.
	AccessToken string
}

// LogoutOutput is the output of Logout.
type LogoutOutput struct {
	// RequestID is the x-amzn-RequestId response header
	// (ResultMetadata.RequestID).
	RequestID string
	// ResultMetadata describes the HTTP response.
	ResultMetadata ResponseMetadata
}

// Logout ends the portal session of the access token and invalidates it
// (POST /logout, no body), as "aws sso logout" does.
func (c *Client) Logout(ctx context.Context, in *LogoutInput, optFns ...func(*Options)) (*LogoutOutput, error) {
	const op = "Logout"
	if in == nil {
		in = &LogoutInput{}
	}
	v := newValidation("LogoutInput")
	v.require("AccessToken", in.AccessToken)
	if err := v.err(); err != nil {
		return nil, c.tc.OperationError(op, err)
	}
	resp, err := c.call(ctx, op, http.MethodPost, wire.PathLogout, in.AccessToken, nil, nil, optFns)
	if err != nil {
		return nil, err
	}
	return &LogoutOutput{RequestID: resp.RequestID, ResultMetadata: resp.Metadata()}, nil
}
