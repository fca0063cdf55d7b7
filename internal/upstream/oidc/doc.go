// Package oidc is the OpenID Connect upstream: the authorization code flow
// with PKCE (S256), state and nonce, against any provider that publishes
// discovery (OpenID Connect Discovery 1.0): Dex, Keycloak, Okta, Entra ID,
// Google. The ID token is verified with github.com/coreos/go-oidc against
// the issuer's JWKS, with only asymmetric algorithms the provider lists
// (never "none", never HMAC), and claims are mapped to the directory by
// configurable, possibly nested claim names. It implements
// upstream.CallbackConnector.
package oidc
