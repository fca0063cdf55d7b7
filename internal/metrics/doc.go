// Package metrics defines the service's Prometheus metrics, on a registry
// the caller hands in (never the global one), and serves them.
//
// The packages it measures do not import it: the HTTP adapters label their
// requests through internal/accesslog, the SQLite store takes a small
// observer (sqlite.Observer), the PostgreSQL pool and the live device
// authorizations are read at scrape time through functions, and
// internal/server counts sign-ins, limit refusals and revocations at the
// interfaces it hands the services. Every label value is a constant of
// the code (an operation name, a status, a method, a limit's name), so the
// number of series is bounded whatever clients send; as a guard, a
// request series beyond MaxRequestSeries is counted under op "other".
package metrics
