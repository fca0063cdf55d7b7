// Package clients registers OIDC clients (RegisterClient) and authenticates
// them on later calls. Clients are public; their secrets are 256-bit random
// values stored only as keyed digests and compared in constant time.
package clients
