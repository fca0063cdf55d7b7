package wire

// Paths of the SSO OIDC operations, relative to the service endpoint.
const (
	PathRegisterClient           = "/client/register"
	PathStartDeviceAuthorization = "/device_authorization"
	PathCreateToken              = "/token"
	// PathCreateTokenWithIAM keeps the literal query string, as botocore and
	// aws-sdk-go-v2 both send it.
	PathCreateTokenWithIAM = "/token?aws_iam=t"
	// PathAuthorize is served at the root of the OIDC host, whatever path
	// prefix the endpoint has (WIRE.md 4.2).
	PathAuthorize = "/authorize"
)

// Grant type strings accepted by CreateToken and CreateTokenWithIAM.
const (
	GrantDeviceCode = "urn:ietf:params:oauth:grant-type:device_code"
	// GrantDeviceCodeHyphen is the spelling of the Smithy example, accepted
	// as an alias (WIRE.md 2.3).
	GrantDeviceCodeHyphen  = "urn:ietf:params:oauth:grant-type:device-code"
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
	GrantJWTBearer         = "urn:ietf:params:oauth:grant-type:jwt-bearer"
	GrantTokenExchange     = "urn:ietf:params:oauth:grant-type:token-exchange"
)

// Token type URNs of the token-exchange grant.
const (
	TokenTypeAccessToken  = "urn:ietf:params:oauth:token-type:access_token"
	TokenTypeRefreshToken = "urn:ietf:params:oauth:token-type:refresh_token"
	TokenTypeIDToken      = "urn:ietf:params:oauth:token-type:id_token"
)

// ClientTypePublic is the only client type the service accepts.
const ClientTypePublic = "public"

// RegisterClientRequest is the body of POST /client/register.
type RegisterClientRequest struct {
	ClientName             *string  `json:"clientName,omitempty"`
	ClientType             *string  `json:"clientType,omitempty"`
	Scopes                 []string `json:"scopes,omitempty"`
	RedirectURIs           []string `json:"redirectUris,omitempty"`
	GrantTypes             []string `json:"grantTypes,omitempty"`
	IssuerURL              *string  `json:"issuerUrl,omitempty"`
	EntitledApplicationArn *string  `json:"entitledApplicationArn,omitempty"`
}

// RegisterClientResponse is the body of a successful RegisterClient.
// ClientIDIssuedAt and ClientSecretExpiresAt are epoch seconds.
type RegisterClientResponse struct {
	ClientID              string  `json:"clientId"`
	ClientSecret          string  `json:"clientSecret"`
	ClientIDIssuedAt      int64   `json:"clientIdIssuedAt"`
	ClientSecretExpiresAt int64   `json:"clientSecretExpiresAt"`
	AuthorizationEndpoint *string `json:"authorizationEndpoint,omitempty"`
	TokenEndpoint         *string `json:"tokenEndpoint,omitempty"`
}

// StartDeviceAuthorizationRequest is the body of POST /device_authorization.
type StartDeviceAuthorizationRequest struct {
	ClientID     *string `json:"clientId,omitempty"`
	ClientSecret *string `json:"clientSecret,omitempty"`
	StartURL     *string `json:"startUrl,omitempty"`
}

// StartDeviceAuthorizationResponse is the body of a successful
// StartDeviceAuthorization. ExpiresIn and Interval are seconds; Interval is
// never 0 (botocore would poll in a tight loop).
type StartDeviceAuthorizationResponse struct {
	DeviceCode              string `json:"deviceCode"`
	UserCode                string `json:"userCode"`
	VerificationURI         string `json:"verificationUri"`
	VerificationURIComplete string `json:"verificationUriComplete"`
	ExpiresIn               int32  `json:"expiresIn"`
	Interval                int32  `json:"interval"`
}

// CreateTokenRequest is the body of POST /token.
type CreateTokenRequest struct {
	ClientID     *string  `json:"clientId,omitempty"`
	ClientSecret *string  `json:"clientSecret,omitempty"`
	Code         *string  `json:"code,omitempty"`
	CodeVerifier *string  `json:"codeVerifier,omitempty"`
	DeviceCode   *string  `json:"deviceCode,omitempty"`
	GrantType    *string  `json:"grantType,omitempty"`
	RedirectURI  *string  `json:"redirectUri,omitempty"`
	RefreshToken *string  `json:"refreshToken,omitempty"`
	Scope        []string `json:"scope,omitempty"`
}

// CreateTokenResponse is the body of a successful CreateToken.
type CreateTokenResponse struct {
	AccessToken  string  `json:"accessToken"`
	TokenType    string  `json:"tokenType"`
	ExpiresIn    int32   `json:"expiresIn"`
	RefreshToken *string `json:"refreshToken,omitempty"`
	IDToken      *string `json:"idToken,omitempty"`
}

// CreateTokenWithIAMRequest is the body of POST /token?aws_iam=t.
type CreateTokenWithIAMRequest struct {
	Assertion          *string  `json:"assertion,omitempty"`
	ClientID           *string  `json:"clientId,omitempty"`
	Code               *string  `json:"code,omitempty"`
	CodeVerifier       *string  `json:"codeVerifier,omitempty"`
	GrantType          *string  `json:"grantType,omitempty"`
	RedirectURI        *string  `json:"redirectUri,omitempty"`
	RefreshToken       *string  `json:"refreshToken,omitempty"`
	RequestedTokenType *string  `json:"requestedTokenType,omitempty"`
	Scope              []string `json:"scope,omitempty"`
	SubjectToken       *string  `json:"subjectToken,omitempty"`
	SubjectTokenType   *string  `json:"subjectTokenType,omitempty"`
}

// AWSAdditionalDetails carries the identity context of CreateTokenWithIAM.
type AWSAdditionalDetails struct {
	IdentityContext *string `json:"identityContext,omitempty"`
}

// CreateTokenWithIAMResponse is the body of a successful CreateTokenWithIAM.
type CreateTokenWithIAMResponse struct {
	AccessToken          string                `json:"accessToken,omitempty"`
	TokenType            string                `json:"tokenType,omitempty"`
	ExpiresIn            int32                 `json:"expiresIn"`
	RefreshToken         *string               `json:"refreshToken,omitempty"`
	IDToken              *string               `json:"idToken,omitempty"`
	IssuedTokenType      *string               `json:"issuedTokenType,omitempty"`
	Scope                []string              `json:"scope,omitempty"`
	AWSAdditionalDetails *AWSAdditionalDetails `json:"awsAdditionalDetails,omitempty"`
}
