package ssooidc

import (
	"context"
	"time"

	"golang.org/x/oauth2"

	"github.com/ssooidc/ssooidc/wire"
)

// CreateTokenWithIAMInput is the input of CreateTokenWithIAM (WIRE.md 2.4).
type CreateTokenWithIAMInput struct {
	// ClientID is an application ARN with OAuth grants configured. Required.
	ClientID string
	// GrantType is GrantTypeAuthorizationCode, GrantTypeRefreshToken,
	// GrantTypeJWTBearer or GrantTypeTokenExchange. Required.
	GrantType string
	// Code is the authorization code, for the authorization_code grant.
	Code string
	// RedirectURI is the registered redirect URI, for the
	// authorization_code grant.
	RedirectURI string
	// CodeVerifier is the PKCE verifier, for the authorization_code grant.
	CodeVerifier string
	// RefreshToken is for the refresh_token grant.
	RefreshToken string
	// Assertion is the JWT of a trusted token issuer, for the jwt-bearer
	// grant.
	Assertion string
	// SubjectToken is an access token issued to another client, for the
	// token-exchange grant.
	SubjectToken string
	// SubjectTokenType is TokenTypeAccessToken, for the token-exchange
	// grant.
	SubjectTokenType string
	// RequestedTokenType is TokenTypeAccessToken or TokenTypeRefreshToken,
	// for the token-exchange grant.
	RequestedTokenType string
	// Scope downscopes the tokens; empty means every scope of the
	// application.
	Scope []string
}

// AWSAdditionalDetails carries the identity context of a
// CreateTokenWithIAM response.
type AWSAdditionalDetails struct {
	// IdentityContext is the STS identity context claim, signed and
	// encrypted by STS.
	IdentityContext string
}

// CreateTokenWithIAMOutput is the output of CreateTokenWithIAM.
type CreateTokenWithIAMOutput struct {
	// AccessToken is the bearer token for the application.
	AccessToken string
	// TokenType is "Bearer".
	TokenType string
	// ExpiresIn is the lifetime of AccessToken in seconds.
	ExpiresIn int32
	// RefreshToken renews AccessToken, if the application allows it.
	RefreshToken string
	// IDToken is a JWT identifying the user.
	IDToken string
	// IssuedTokenType is TokenTypeAccessToken or TokenTypeRefreshToken.
	IssuedTokenType string
	// Scope lists the granted scopes.
	Scope []string
	// AWSAdditionalDetails is nil if the response had none.
	AWSAdditionalDetails *AWSAdditionalDetails
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
func (o *CreateTokenWithIAMOutput) Token() *oauth2.Token {
	return oauth2Token(o.AccessToken, o.TokenType, o.RefreshToken, o.IDToken, o.ExpiresIn, o.Expiry)
}

// CreateTokenWithIAM exchanges a grant for tokens on behalf of an IAM
// principal. It is the one signed operation: SigV4 with signing name
// "sso-oauth" and the client's region (POST /token?aws_iam=t), unless the
// credentials are anonymous.
func (c *Client) CreateTokenWithIAM(ctx context.Context, in *CreateTokenWithIAMInput, optFns ...func(*Options)) (*CreateTokenWithIAMOutput, error) {
	const op = "CreateTokenWithIAM"
	if in == nil {
		in = &CreateTokenWithIAMInput{}
	}
	v := newValidation("CreateTokenWithIAMInput")
	v.require("ClientID", in.ClientID)
	v.require("GrantType", in.GrantType)
	if err := v.err(); err != nil {
		return nil, c.tc.OperationError(op, err)
	}
	req := wire.CreateTokenWithIAMRequest{
		Assertion:          ptr(in.Assertion),
		ClientID:           ptr(in.ClientID),
		Code:               ptr(in.Code),
		CodeVerifier:       ptr(in.CodeVerifier),
		GrantType:          ptr(in.GrantType),
		RedirectURI:        ptr(in.RedirectURI),
		RefreshToken:       ptr(in.RefreshToken),
		RequestedTokenType: ptr(in.RequestedTokenType),
		Scope:              in.Scope,
		SubjectToken:       ptr(in.SubjectToken),
		SubjectTokenType:   ptr(in.SubjectTokenType),
	}
	var out wire.CreateTokenWithIAMResponse
	resp, err := c.call(ctx, op, wire.PathCreateTokenWithIAM, true, &req, &out, optFns)
	if err != nil {
		return nil, err
	}
	o := &CreateTokenWithIAMOutput{
		AccessToken:     out.AccessToken,
		TokenType:       out.TokenType,
		ExpiresIn:       out.ExpiresIn,
		RefreshToken:    deref(out.RefreshToken),
		IDToken:         deref(out.IDToken),
		IssuedTokenType: deref(out.IssuedTokenType),
		Scope:           out.Scope,
		Expiry:          expiry(resp.Time, out.ExpiresIn),
		RequestID:       resp.RequestID,
		ResultMetadata:  resp.Metadata(),
	}
	if d := out.AWSAdditionalDetails; d != nil {
		o.AWSAdditionalDetails = &AWSAdditionalDetails{IdentityContext: deref(d.IdentityContext)}
	}
	return o, nil
}
