// Package upstream signs people in through their organization's identity
// provider: the connector interfaces every kind of upstream implements
// (CallbackConnector for OpenID Connect, SAMLConnector for SAML 2.0; one
// package per kind, as Dex's connector package has it), the journey of a
// sign-in between the redirect out and the return (Service), and what the
// directory learns from it (provision.go): the user, created on the first
// sign-in or linked by external ID, then by user name when configured, and
// the user's groups, which follow the upstream's claims at every sign-in.
//
// Every piece of state between the redirect out and the return lives in
// the store as a flow (sso.FlowStore) under the digest of a secret the
// journey holds, so the return may land on another node: the state (OIDC
// state, SAML RelayState) is the secret; the nonce and the PKCE verifier
// are derived from it with the server key, so none of them is stored; the
// SAML request ID is stored beside it. SAML assertion IDs are remembered
// as flows until the assertion expires, and a second use is refused.
//
// A refused sign-in is an *sso.Error whose Message tells the person what
// to do and whose Err is a *Failure naming the reason for the log and the
// audit trail. Nothing in the directory changes before every check passed.
package upstream
