// Package servertest runs the whole service for tests: a real SQLite file
// in a temporary directory, the assembled server on a real loopback
// listener, logs captured at debug level so tests can read them, and
// helpers to add users and approve device codes without a browser.
package servertest
