// Package accesslog keeps one record per HTTP request: its method, path,
// status, duration, client address, request id, and the operation and
// error type the adapter that answered it names. The server wraps its mux
// with Handler, which writes the access log line and hands the record to
// the metrics; an adapter (httpapi, web, the JSON 1.1 APIs) labels the
// request with Label and takes its request id from RequestID. The package
// imports only the standard library, clientaddr and sso, so an adapter
// depends on nothing heavier to be counted.
package accesslog
