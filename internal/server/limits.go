package server

import (
	"net/http"
	"net/url"
	"strings"
	"time"
)

// The HTTP server's timeouts. Every request body is at most 64 KiB, and
// the slowest handler (GetRoleCredentials, which calls STS) answers within
// seconds, so these cut off only clients that dawdle on purpose
// (slowloris: headers or a body sent a byte at a time, or a body shorter
// than its Content-Length), each of which would otherwise hold a
// connection and a goroutine.
const (
	// ReadHeaderTimeout bounds the request line and headers.
	ReadHeaderTimeout = 5 * time.Second
	// ReadTimeout bounds the whole request, headers and body; a body that
	// has not arrived by then is an abandoned request (logged at debug).
	ReadTimeout = 10 * time.Second
	// WriteTimeout bounds the handler and the response from the end of
	// the request headers.
	WriteTimeout = 30 * time.Second
	// IdleTimeout closes a kept-alive connection with no request.
	IdleTimeout = 60 * time.Second
)

// hstsValue asks browsers to use only https for a year (RFC 6797). No
// includeSubDomains: the server does not know what else runs under its
// domain.
const hstsValue = "max-age=31536000"

// hsts sets Strict-Transport-Security on every response (pages and API)
// of a server that is reached over https: one that serves TLS itself, or
// whose public URL is https (TLS ends at a proxy). Browsers ignore the
// header over plain http (RFC 6797 section 8.1), so a plain http server
// does not send it.
func hsts(h http.Handler, cfg Config) http.Handler {
	u, err := url.Parse(cfg.PublicURL)
	public := err == nil && strings.EqualFold(u.Scheme, "https")
	if !public && cfg.TLSCert == "" {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if public || r.TLS != nil {
			w.Header().Set("Strict-Transport-Security", hstsValue)
		}
		h.ServeHTTP(w, r)
	})
}
