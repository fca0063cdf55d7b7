package ssooidc

import (
	"context"

	"github.com/ssooidc/ssooidc/wire"
)

// RegisterClientInput is the input of RegisterClient (WIRE.md 2.1).
type RegisterClientInput struct {
	// ClientName is a friendly name of the client. Required.
	ClientName string
	// ClientType must be "public", the only type the service accepts; empty
	// means "public".
	ClientType string
	// Scopes restrict the access tokens the client gets, for example
	// "sso:account:access". Without scopes IAM Identity Center issues
	// tokens that cannot be refreshed.
	Scopes []string
	// RedirectURIs are where the authorization-code flow may redirect, such
	// as "http://127.0.0.1/oauth/callback" (any port matches a loopback URI).
	RedirectURIs []string
	// GrantTypes are the grants the client will use: authorization_code,
	// refresh_token, urn:ietf:params:oauth:grant-type:device_code.
	GrantTypes []string
	// IssuerURL is the IAM Identity Center issuer URL; the AWS CLI sends the
	// start URL.
	IssuerURL string
	// EntitledApplicationArn restricts the client's scopes, grants and
	// redirect URIs to those of an application.
	EntitledApplicationArn string
}

// RegisterClientOutput is the output of RegisterClient.
type RegisterClientOutput struct {
	// ClientID identifies the registered client.
	ClientID string
	// ClientSecret authenticates it; keep it secret.
	ClientSecret string
	// ClientIDIssuedAt is when the client was registered, in epoch
	// seconds.
	ClientIDIssuedAt int64
	// ClientSecretExpiresAt is when the secret expires, in epoch seconds;
	// then the client must register again.
	ClientSecretExpiresAt int64
	// AuthorizationEndpoint is optional; clients ignore it.
	AuthorizationEndpoint string
	// TokenEndpoint is optional; clients ignore it.
	TokenEndpoint string
	// RequestID is the x-amzn-RequestId response header
	// (ResultMetadata.RequestID).
	RequestID string
	// ResultMetadata describes the HTTP response.
	ResultMetadata ResponseMetadata
}

// RegisterClient registers a public client with IAM Identity Center. It is
// never signed (POST /client/register).
func (c *Client) RegisterClient(ctx context.Context, in *RegisterClientInput, optFns ...func(*Options)) (*RegisterClientOutput, error) {
	const op = "RegisterClient"
	if in == nil {
		in = &RegisterClientInput{}
	}
	v := newValidation("RegisterClientInput")
	v.require("ClientName", in.ClientName)
	if err := v.err(); err != nil {
		return nil, c.tc.OperationError(op, err)
	}
	clientType := in.ClientType
	if clientType == "" {
		clientType = ClientTypePublic
	}
	req := wire.RegisterClientRequest{
		ClientName:             ptr(in.ClientName),
		ClientType:             ptr(clientType),
		Scopes:                 in.Scopes,
		RedirectURIs:           in.RedirectURIs,
		GrantTypes:             in.GrantTypes,
		IssuerURL:              ptr(in.IssuerURL),
		EntitledApplicationArn: ptr(in.EntitledApplicationArn),
	}
	var out wire.RegisterClientResponse
	resp, err := c.call(ctx, op, wire.PathRegisterClient, false, &req, &out, optFns)
	if err != nil {
		return nil, err
	}
	return &RegisterClientOutput{
		ClientID:              out.ClientID,
		ClientSecret:          out.ClientSecret,
		ClientIDIssuedAt:      out.ClientIDIssuedAt,
		ClientSecretExpiresAt: out.ClientSecretExpiresAt,
		AuthorizationEndpoint: deref(out.AuthorizationEndpoint),
		TokenEndpoint:         deref(out.TokenEndpoint),
		RequestID:             resp.RequestID,
		ResultMetadata:        resp.Metadata(),
	}, nil
}
