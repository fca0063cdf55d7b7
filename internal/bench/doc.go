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
// The server under test is started in this process, as a child process
// ("ssooidc serve" on a temporary data directory, which is what memory
// figures need), or reached at a URL. The package never changes a store's
// settings: durability stays what the store ships with.
package bench
