// Package sso is the domain vocabulary of the ssooidc service: the records it
// stores (clients, device authorizations, token families, users, sign-in
// sessions), the one error type every service returns, the small store
// interfaces that backends implement, and pure rules (user-code format and
// normalisation, PKCE, redirect-URI matching, secret digests).
//
// It imports only the standard library. Services and backends import it;
// it imports neither.
package sso
