// Package mfa is the second factor of a sign-in: authenticator apps (TOTP,
// RFC 6238), security keys and passkeys (WebAuthn, through
// github.com/go-webauthn/webauthn), and recovery codes; their enrolment,
// management and removal; the policy that says who must use one
// (mode: required | optional | off; upstream: trust | require); and the
// pending sign-in between the first factor and the second, kept as a store
// flow so that any node can take the next step.
//
// Secrets: a TOTP secret is sealed with AES-256-GCM under a key derived
// from the store's digest key (seal.go); recovery codes are stored as keyed
// digests; a WebAuthn credential is only a public key. Wrong codes count
// toward the person's sign-in limits (Limiter), and an accepted TOTP code
// is remembered as a flow until its time step is over, so it is accepted
// once.
package mfa
