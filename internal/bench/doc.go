// Package bench is the benchmark harness behind "ssooidc bench": a
// closed-loop load generator on loopback, the operations it drives, the
// floor it compares them with, and the memory, storage and scale
// measurements of issue 9.
//
// The generator runs N workers, each with one request in flight on a
// keep-alive connection of its own (one http.Transport whose idle pool
// holds N connections), and stops a point at whichever comes first of a
// request count and a duration. Latencies go into a fixed-size log-linear
// histogram (about 0.8% resolution), so memory stays bounded however long a
// point runs. A response other than the operation's expected ones is an
// error: it is counted and sampled, it is never part of the throughput or
// the latency figures, and a point with errors is flagged in every report.
//
// The floor is a bare net/http handler on its own loopback listener that
// reads the request and returns a fixed JSON body of the same size as the
// operation's real response; it is driven by the same generator at the same
// concurrency, in the same run, and every figure is also printed as a ratio
// to it, which is what carries from machine to machine.
//
// CreateTokenWithIAM (the "iam" operation) needs a caller the server
// trusts. The servers the harness starts declare one application
// (authorization_code and refresh_token grants) and one IAM principal with
// long-term keys, whose secret is random per process, in their iam
// configuration (server.IAMConfig in process, the iam section of the
// child's config file); the server verifies SigV4 against those keys
// itself, so nothing outside loopback (no STS) is involved, and a server
// given with --url is skipped. The operation is the refresh_token grant
// with rotation, the call an application makes for each signed-in user
// whenever the access token runs out: each worker keeps a family of its
// own, started outside the measured part with an authorization code (PKCE
// S256, one POST /authorize as the bench user) redeemed through
// CreateTokenWithIAM, and always presents its newest refresh token. Scopes
// openid and sts:identity_context make every answer carry an ID token with
// the identity context, as trusted identity propagation uses them. The
// harness signs each request with aws-sdk-go-v2's SigV4 signer inside the
// measured call, as an application's SDK does; the floor's requests are
// not signed, so the signing (about 12 µs on the 2-vCPU machine of
// BENCHMARKS.md) is generator cost only the operation pays.
//
// The server under test is started in this process, as a child process
// ("ssooidc serve" on a temporary data directory, which is what memory
// figures need), or reached at a URL. The package never changes a store's
// settings: durability stays what the store ships with.
package bench
