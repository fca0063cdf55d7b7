package metrics_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ssooidc/ssooidc/internal/metrics"
	"github.com/ssooidc/ssooidc/internal/metrics/metricstest"
)

// TestRequestSeriesAreBounded: past MaxRequestSeries distinct series, new
// ones count under op "other", so a label that carried a client's value by
// mistake cannot grow the exposition without end.
func TestRequestSeriesAreBounded(t *testing.T) {
	m := metrics.New(prometheus.NewRegistry(), "test")
	srv := httptest.NewServer(m.Handler(nil))
	defer srv.Close()
	for i := range metrics.MaxRequestSeries + 10 {
		m.Request(fmt.Sprintf("op-%d", i), 200, "", time.Millisecond)
	}
	m.Request("op-0", 200, "", time.Millisecond) // an existing series still counts as itself
	fams := metricstest.Scrape(t, srv.URL)
	ops := fams.LabelValues("ssooidc_http_requests_total", "op")
	if len(ops) != metrics.MaxRequestSeries+1 {
		t.Errorf("%d op values, want %d", len(ops), metrics.MaxRequestSeries+1)
	}
	if got := fams.Value("ssooidc_http_requests_total", "op", metrics.OtherOp); got != 10 {
		t.Errorf("op other counted %v, want 10", got)
	}
	if got := fams.Value("ssooidc_http_requests_total", "op", "op-0"); got != 2 {
		t.Errorf("op-0 counted %v, want 2", got)
	}
	if got := fams.Value("ssooidc_http_request_duration_seconds", "op", "op-0"); got != 2 {
		t.Errorf("op-0 observed %v times, want 2", got)
	}
}

// TestCollectorFailureKeepsTheRest: a scrape-time count that fails leaves
// out its gauge, and the rest is still served.
func TestCollectorFailureKeepsTheRest(t *testing.T) {
	m := metrics.New(prometheus.NewRegistry(), "test")
	if err := m.WatchDevices(func(ctx context.Context) (map[string]int, error) { return nil, errors.New("store down") }); err != nil {
		t.Fatal(err)
	}
	if err := m.WatchDevices(func(ctx context.Context) (map[string]int, error) { return nil, nil }); err == nil {
		t.Error("a second device gauge was registered")
	}
	m.SignIn("password", metrics.SignInSuccess)
	srv := httptest.NewServer(m.Handler(nil))
	defer srv.Close()
	fams := metricstest.Scrape(t, srv.URL)
	if fams.Has("ssooidc_device_authorizations") || fams.Value("ssooidc_signins_total", "result", "success") != 1 {
		t.Errorf("scrape with a failing collector: %s", fams)
	}
}
