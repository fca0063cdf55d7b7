// Package tokens is the token endpoint (CreateToken): a pipeline that every
// grant goes through (required members, grant lookup, client
// authentication, grant permission) before the grant's own Exchange runs,
// so no grant can skip a shared step. It also mints tokens and implements
// the refresh_token grant with rotation, family revocation on reuse and a
// short grace window for concurrent clients.
package tokens
