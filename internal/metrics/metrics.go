package metrics

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Namespace prefixes every metric of the service.
const Namespace = "ssooidc"

// MaxRequestSeries bounds the distinct (op, code, error_type) series of
// the request counter. The routes give a few dozen; the bound only guards
// against a label that by mistake carries a client's value.
const MaxRequestSeries = 2000

// OtherOp is the op of the requests past MaxRequestSeries.
const OtherOp = "other"

// Buckets of the request latency: a device poll answers in well under a
// millisecond, a sign-in hashes a password for tens of milliseconds, a
// portal call may wait seconds for STS.
var requestBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// Buckets of a SQLite commit and of a WAL sync: from a page-cache commit
// (microseconds) to a slow disk's sync (tens of milliseconds).
var storeBuckets = []float64{.00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1}

// Metrics holds the service's collectors. Its methods are safe for
// concurrent use and cheap: a request costs two atomic updates once its
// series is known.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	series   sync.Map // reqKey -> *reqSeries
	nseries  atomic.Int64

	commitDur   prometheus.Histogram
	syncDur     prometheus.Histogram
	commitBatch prometheus.Histogram

	signIns *prometheus.CounterVec
	refused *prometheus.CounterVec
	revoked *prometheus.CounterVec
}

type reqKey struct {
	op, errorType string
	code          int
}

type reqSeries struct {
	count    prometheus.Counter
	duration prometheus.Observer
}

// New registers the service's collectors, the Go runtime's and the
// process's on reg, with build_info for version.
func New(reg *prometheus.Registry, version string) *Metrics {
	m := &Metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "http_requests_total",
			Help: "HTTP requests answered, by operation (AWS operation name or page route), status code and AWS error type (empty for none).",
		}, []string{"op", "code", "error_type"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "http_request_duration_seconds",
			Help: "Time from a request's arrival to the end of its response, by operation.", Buckets: requestBuckets,
		}, []string{"op"}),
		commitDur: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: Namespace, Subsystem: "sqlite", Name: "commit_duration_seconds",
			Help: "Time the SQLite writer spends in COMMIT for one group commit (without the WAL sync).", Buckets: storeBuckets,
		}),
		syncDur: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: Namespace, Subsystem: "sqlite", Name: "sync_duration_seconds",
			Help: "Time one sync of the SQLite WAL takes (it makes a group commit durable).", Buckets: storeBuckets,
		}),
		commitBatch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: Namespace, Subsystem: "sqlite", Name: "commit_batch_writes",
			Help: "Writes that share one SQLite group commit.", Buckets: prometheus.ExponentialBuckets(1, 2, 9),
		}),
		signIns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "signins_total",
			Help: "Sign-in attempts by method and result (success, failure, throttled, error).",
		}, []string{"method", "result"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "rate_limited_total",
			Help: "Requests refused by a rate limit, by limit.",
		}, []string{"limit"}),
		revoked: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "token_families_revoked_total",
			Help: "Token families (sessions) revoked, by reason: refresh_reuse (a rotated refresh token presented again), code_reuse (an authorization code redeemed twice).",
		}, []string{"reason"}),
	}
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: Namespace, Name: "build_info", Help: "Always 1; the version is a label.",
		ConstLabels: prometheus.Labels{"version": version},
	})
	build.Set(1)
	reg.MustRegister(m.requests, m.duration, m.commitDur, m.syncDur, m.commitBatch, m.signIns, m.refused, m.revoked, build,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the exposition of the registry. A collector that fails
// (the store is down) leaves out its metrics and logs why; the others are
// still served.
func (m *Metrics) Handler(log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:            errorLog{log},
		ErrorHandling:       promhttp.ContinueOnError,
		MaxRequestsInFlight: 4,
		Timeout:             10 * time.Second,
	})
}

type errorLog struct{ log *slog.Logger }

func (e errorLog) Println(v ...any) {
	e.log.Warn("collecting metrics", slog.String("error", fmt.Sprint(v...)))
}

// Request counts one answered request. op must be a constant of the code
// (see accesslog.Label); errorType is "" for success.
func (m *Metrics) Request(op string, code int, errorType string, d time.Duration) {
	k := reqKey{op: op, errorType: errorType, code: code}
	s, ok := m.series.Load(k)
	if !ok {
		s = m.newSeries(k)
	}
	rs := s.(*reqSeries)
	rs.count.Inc()
	rs.duration.Observe(d.Seconds())
}

func (m *Metrics) newSeries(k reqKey) any {
	if m.nseries.Add(1) > MaxRequestSeries {
		m.nseries.Add(-1)
		k.op = OtherOp
		if s, ok := m.series.Load(k); ok {
			return s
		}
	}
	s := &reqSeries{
		count:    m.requests.WithLabelValues(k.op, fmt.Sprint(k.code), k.errorType),
		duration: m.duration.WithLabelValues(k.op),
	}
	got, loaded := m.series.LoadOrStore(k, s)
	if loaded && k.op != OtherOp {
		m.nseries.Add(-1)
	}
	return got
}

// Sign-in results.
const (
	SignInSuccess   = "success"
	SignInFailure   = "failure"   // wrong name or password (or second factor)
	SignInThrottled = "throttled" // refused by a limit before any check
	SignInError     = "error"     // the server failed
)

// SignIn counts a sign-in attempt. method is a constant such as
// "password"; result one of the SignIn constants.
func (m *Metrics) SignIn(method, result string) { m.signIns.WithLabelValues(method, result).Inc() }

// Refused counts a request refused by the rate limit named limit (a
// constant such as "signin" or "user_code").
func (m *Metrics) Refused(limit string) { m.refused.WithLabelValues(limit).Inc() }

// Revoked counts a token family revoked for reason (a constant).
func (m *Metrics) Revoked(reason string) { m.revoked.WithLabelValues(reason).Inc() }

// SQLite returns the observer the SQLite store reports its group commits
// to (it implements sqlite.Observer).
func (m *Metrics) SQLite() SQLiteObserver { return SQLiteObserver{m} }

// SQLiteObserver records the SQLite store's commits and syncs.
type SQLiteObserver struct{ m *Metrics }

// Committed records one group commit of writes writes whose COMMIT took d.
func (o SQLiteObserver) Committed(writes int, d time.Duration) {
	o.m.commitBatch.Observe(float64(writes))
	o.m.commitDur.Observe(d.Seconds())
}

// Synced records one sync of the WAL that took d.
func (o SQLiteObserver) Synced(d time.Duration) { o.m.syncDur.Observe(d.Seconds()) }

// DeviceCounts returns how many device authorizations have not expired,
// by status. It is called at each scrape.
type DeviceCounts func(ctx context.Context) (map[string]int, error)

// WatchDevices reports the live device authorizations f counts as the
// gauge device_authorizations{status}. It fails if the registry has the
// gauge already (a Metrics serves one server).
func (m *Metrics) WatchDevices(f DeviceCounts) error {
	return m.reg.Register(&deviceCollector{count: f, desc: prometheus.NewDesc(
		prometheus.BuildFQName(Namespace, "", "device_authorizations"),
		"Device authorizations that have not expired, by status (pending, approved, denied, redeemed), counted in the store: the same on every node.",
		[]string{"status"}, nil)})
}

type deviceCollector struct {
	count DeviceCounts
	desc  *prometheus.Desc
}

func (c *deviceCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *deviceCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	counts, err := c.count(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, fmt.Errorf("counting device authorizations: %w", err))
		return
	}
	for status, n := range counts {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), status)
	}
}
