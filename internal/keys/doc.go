// Package keys holds the server's JWT signing keys: ECDSA P-256 (ES256),
// one per rotation period, kept in the store's SecretStore under a name
// derived from the period, so that every node of a cluster signs with and
// publishes the same keys without any node-local state or coordination.
// ES256 rather than RSA because a signature costs about 0.03 ms instead of
// about 0.9 ms (PERF.md), and an ID token is signed on every token
// response. The JWKS publishes the previous, current and next period's
// keys, so a verifier that caches it sees a key before it signs anything
// and keeps it for a whole period after its last use.
package keys
