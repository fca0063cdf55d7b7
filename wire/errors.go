package wire

// Error shape names of the SSO OIDC API. The error code on the wire equals
// the shape name (WIRE.md 2.5).
const (
	ErrAccessDenied          = "AccessDeniedException"
	ErrAuthorizationPending  = "AuthorizationPendingException"
	ErrExpiredToken          = "ExpiredTokenException"
	ErrInternalServer        = "InternalServerException"
	ErrInvalidClient         = "InvalidClientException"
	ErrInvalidClientMetadata = "InvalidClientMetadataException"
	ErrInvalidGrant          = "InvalidGrantException"
	ErrInvalidRedirectURI    = "InvalidRedirectUriException"
	ErrInvalidRequest        = "InvalidRequestException"
	ErrInvalidRequestRegion  = "InvalidRequestRegionException"
	ErrInvalidScope          = "InvalidScopeException"
	ErrSlowDown              = "SlowDownException"
	ErrUnauthorizedClient    = "UnauthorizedClientException"
	ErrUnsupportedGrantType  = "UnsupportedGrantTypeException"
)

// Error shape names of the SSO portal API.
const (
	ErrUnauthorized     = "UnauthorizedException"
	ErrResourceNotFound = "ResourceNotFoundException"
	ErrTooManyRequests  = "TooManyRequestsException"
	// The portal's InvalidRequestException shares ErrInvalidRequest's name.
)

// ErrorShape describes one error shape: its HTTP status and, for the OIDC
// API, the OAuth "error" value the model documents for it.
type ErrorShape struct {
	Name   string
	Status int
	OAuth  string // empty for portal shapes
}

// OIDCErrors lists every SSO OIDC error shape with its status and OAuth
// error value (WIRE.md 2.5).
var OIDCErrors = map[string]ErrorShape{
	ErrAccessDenied:          {ErrAccessDenied, 400, "access_denied"},
	ErrAuthorizationPending:  {ErrAuthorizationPending, 400, "authorization_pending"},
	ErrExpiredToken:          {ErrExpiredToken, 400, "expired_token"},
	ErrInternalServer:        {ErrInternalServer, 500, "server_error"},
	ErrInvalidClient:         {ErrInvalidClient, 401, "invalid_client"},
	ErrInvalidClientMetadata: {ErrInvalidClientMetadata, 400, "invalid_client_metadata"},
	ErrInvalidGrant:          {ErrInvalidGrant, 400, "invalid_grant"},
	ErrInvalidRedirectURI:    {ErrInvalidRedirectURI, 400, "invalid_redirect_uri"},
	ErrInvalidRequest:        {ErrInvalidRequest, 400, "invalid_request"},
	ErrInvalidRequestRegion:  {ErrInvalidRequestRegion, 400, "invalid_request"},
	ErrInvalidScope:          {ErrInvalidScope, 400, "invalid_scope"},
	ErrSlowDown:              {ErrSlowDown, 400, "slow_down"},
	ErrUnauthorizedClient:    {ErrUnauthorizedClient, 400, "unauthorized_client"},
	ErrUnsupportedGrantType:  {ErrUnsupportedGrantType, 400, "unsupported_grant_type"},
}

// PortalErrors lists every SSO portal error shape with its status.
var PortalErrors = map[string]ErrorShape{
	ErrInvalidRequest:   {ErrInvalidRequest, 400, ""},
	ErrUnauthorized:     {ErrUnauthorized, 401, ""},
	ErrResourceNotFound: {ErrResourceNotFound, 404, ""},
	ErrTooManyRequests:  {ErrTooManyRequests, 429, ""},
}

// OIDCError is the JSON body of an SSO OIDC error. The server also sends
// the shape name in the X-Amzn-ErrorType header, which every client reads
// first (WIRE.md 3.4), and a readable Message for botocore.
type OIDCError struct {
	Type             string  `json:"__type,omitempty"`
	Error            string  `json:"error"`
	ErrorDescription string  `json:"error_description"`
	Message          string  `json:"message,omitempty"`
	Reason           *string `json:"reason,omitempty"`
	Endpoint         *string `json:"endpoint,omitempty"`
	Region           *string `json:"region,omitempty"`
}

// PortalError is the JSON body of an SSO portal error.
type PortalError struct {
	Type    string `json:"__type,omitempty"`
	Message string `json:"message"`
}

// Headers that carry request ids, error types and the portal bearer token.
const (
	HeaderRequestID   = "X-Amzn-Requestid"
	HeaderErrorType   = "X-Amzn-Errortype"
	HeaderBearerToken = "X-Amz-Sso_bearer_token"
)
