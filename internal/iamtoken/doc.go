// Package iamtoken is CreateTokenWithIAM (WIRE.md 2.4): configured
// applications, identified by an application ARN, obtain tokens for a
// person on behalf of an IAM principal that signed the request (the
// signature is checked before, by package sigv4). Its grants are
// authorization_code (a code from /authorize with PKCE, for one of the
// application's redirect URIs), refresh_token (the rotation of package
// tokens), jwt-bearer (a JWT from one of the application's trusted token
// issuers, verified with the issuer's JWKS) and token-exchange (an access
// token this server issued, to another client, for the application's own
// tokens). Every response carries an ID token signed with the server's
// keys (package keys) with the identity context claim.
//
// Tokens stay opaque and are stored as digests, in the same families as
// those of CreateToken: a family's client id is the application ARN, so a
// token of an application is never accepted for a registered client and
// the other way round.
package iamtoken
