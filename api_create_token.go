package ssooidc

import (
	"context"
	"time"

	"golang.org/x/oauth2"

	"github.com/ssooidc/ssooidc/wire"
)

// CreateTokenInput is the input of CreateToken (WIRE.md 2.3).
type CreateTokenInput struct {
	// ClientID comes from RegisterClient. Required.
	ClientID string
	// ClientSecret comes from RegisterClient. Required.
	ClientSecret string
	// GrantType is GrantTypeDeviceCode, GrantTypeAuthorizationCode or
	// GrantTypeRefreshToken.
	GrantType string
	// DeviceCode is for the device_code grant.
	DeviceCode string
	// Code is the authorization code, for the authorization_code grant.
	Code string
	// RedirectURI is for the authorization_code grant; it must equal the
	// redirect_uri sent to /authorize, port included.
	RedirectURI string
	// CodeVerifier is the PKCE verifier, for the authorization_code grant.
	CodeVerifier string
	// RefreshToken is for the refresh_token grant.
	RefreshToken string
	// Scope (singular on the wire) has no effect on IAM Identity Center.
	Scope []string
}

// CreateTokenOutput is the output of CreateToken.
type CreateTokenOutput struct {
	// AccessToken is the bearer token for the portal API.
	AccessToken string
	// TokenType is "Bearer".
	TokenType string
	// ExpiresIn is the lifetime of AccessToken in seconds.
	ExpiresIn int32
	// RefreshToken is present when the client registered scopes.
	RefreshToken string
	// IDToken is documented as not implemented for CreateToken.
	IDToken string
	// Expiry is not a wire member: the client's time of the response plus
	// ExpiresIn, or zero if ExpiresIn is 0.
	Expiry time.Time
	// RequestID is the x-amzn-RequestId response header
	// (ResultMetadata.RequestID).
	RequestID string
	// ResultMetadata describes the HTTP response.
	ResultMetadata ResponseMetadata
}

// Token returns the output as an oauth2.Token, with the ID token (if any)
// as the "id_token" extra.
func (o *CreateTokenOutput) Token() *oauth2.Token {
	return oauth2Token(o.AccessToken, o.TokenType, o.RefreshToken, o.IDToken, o.ExpiresIn, o.Expiry)
}

func oauth2Token(access, typ, refresh, id string, expiresIn int32, exp time.Time) *oauth2.Token {
	t := &oauth2.Token{
		AccessToken:  access,
		TokenType:    typ,
		RefreshToken: refresh,
		Expiry:       exp,
		ExpiresIn:    int64(expiresIn),
	}
	if id != "" {
		t = t.WithExtra(map[string]any{"id_token": id})
	}
	return t
}

// CreateToken exchanges a grant for tokens. It is never signed (POST
// /token). For the device flow, PollDeviceToken calls it in a loop.
func (c *Client) CreateToken(ctx context.Context, in *CreateTokenInput, optFns ...func(*Options)) (*CreateTokenOutput, error) {
	const op = "CreateToken"
	if in == nil {
		in = &CreateTokenInput{}
	}
	v := newValidation("CreateTokenInput")
	v.require("ClientID", in.ClientID)
	v.require("ClientSecret", in.ClientSecret)
	v.require("GrantType", in.GrantType)
	if err := v.err(); err != nil {
		return nil, c.tc.OperationError(op, err)
	}
	req := wire.CreateTokenRequest{
		ClientID:     ptr(in.ClientID),
		ClientSecret: ptr(in.ClientSecret),
		Code:         ptr(in.Code),
		CodeVerifier: ptr(in.CodeVerifier),
		DeviceCode:   ptr(in.DeviceCode),
		GrantType:    ptr(in.GrantType),
		RedirectURI:  ptr(in.RedirectURI),
		RefreshToken: ptr(in.RefreshToken),
		Scope:        in.Scope,
	}
	var out wire.CreateTokenResponse
	resp, err := c.call(ctx, op, wire.PathCreateToken, false, &req, &out, optFns)
	if err != nil {
		return nil, err
	}
	return &CreateTokenOutput{
		AccessToken:    out.AccessToken,
		TokenType:      out.TokenType,
		ExpiresIn:      out.ExpiresIn,
		RefreshToken:   deref(out.RefreshToken),
		IDToken:        deref(out.IDToken),
		Expiry:         expiry(resp.Time, out.ExpiresIn),
		RequestID:      resp.RequestID,
		ResultMetadata: resp.Metadata(),
	}, nil
}
