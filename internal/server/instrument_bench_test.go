package server

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ssooidc/ssooidc/internal/accesslog"
	"github.com/ssooidc/ssooidc/internal/metrics"
)

// BenchmarkInstrument measures what the access record and the metrics
// add to one request, against the same handler bare.
func BenchmarkInstrument(b *testing.B) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		accesslog.Label(r.Context(), "CreateToken", "")
		_, _ = w.Write([]byte(`{}`))
	})
	m := metrics.New(prometheus.NewRegistry(), "bench")
	for name, h := range map[string]http.Handler{
		"bare":       instrument(mux, Config{}, nil),
		"metrics":    instrument(mux, Config{Metrics: m}, nil),
		"access-log": instrument(mux, Config{Metrics: m, AccessLog: true}, slog.New(slog.NewJSONHandler(io.Discard, nil))),
	} {
		b.Run(name, func(b *testing.B) {
			r := httptest.NewRequest("POST", "/token", nil)
			r.RemoteAddr = "192.0.2.1:1"
			w := httptest.NewRecorder()
			b.ReportAllocs()
			for b.Loop() {
				h.ServeHTTP(w, r)
			}
		})
	}
}
