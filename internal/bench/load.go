package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Outcome labels a response the operation expected. Anything else is an
// error, reported through the error a Worker returns.
type Outcome string

// The outcomes operations expect.
const (
	OK       Outcome = "ok"
	Pending  Outcome = "authorization_pending"
	SlowDown Outcome = "slow_down"
)

// Worker performs one operation per call on its own connection. A Worker
// belongs to one goroutine; it may keep state (a refresh-token chain)
// between calls.
type Worker interface {
	// Do performs one operation and returns its outcome, or an error if
	// the response was not one the operation expects (or the request
	// failed). The time Do takes is the operation's latency.
	Do(ctx context.Context, c *http.Client) (Outcome, error)
}

// LoadConfig bounds one point of a run: a point ends when Requests
// operations have been measured or Duration has passed, whichever is first.
type LoadConfig struct {
	Conns    int
	Requests int
	Duration time.Duration
	// Warmup is how many operations each worker performs before the point
	// starts, within half of Duration; they are not measured (errors among
	// them are still counted).
	Warmup int
	// Timeout bounds one operation; 0 means 30 s.
	Timeout time.Duration
}

// Result is what one point measured.
type Result struct {
	Conns      int                `json:"conns"`
	Count      uint64             `json:"count"` // operations with an expected outcome
	Outcomes   map[Outcome]uint64 `json:"outcomes"`
	Errors     uint64             `json:"errors"`
	ErrorTypes map[string]uint64  `json:"error_types,omitempty"`
	Samples    []string           `json:"error_samples,omitempty"`
	Elapsed    time.Duration      `json:"elapsed_ns"`
	Throughput float64            `json:"per_second"` // expected outcomes per second
	Mean       time.Duration      `json:"mean_ns"`
	P50        time.Duration      `json:"p50_ns"`
	P90        time.Duration      `json:"p90_ns"`
	P99        time.Duration      `json:"p99_ns"`
	Max        time.Duration      `json:"max_ns"`
	// Stopped says which bound ended the point: "requests", "duration"
	// or "context".
	Stopped string `json:"stopped"`
}

// Flagged reports whether the point had errors: its figures then do not
// describe the operation alone, and every report says so.
func (r Result) Flagged() bool { return r.Errors > 0 }

// maxSamples is how many error descriptions a point keeps.
const maxSamples = 5

// NewTransport returns the transport of one point: keep-alive connections
// to loopback, an idle pool that holds one connection per worker, no
// compression, no proxy.
func NewTransport(conns int) *http.Transport {
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          conns,
		MaxIdleConnsPerHost:   conns,
		MaxConnsPerHost:       conns,
		IdleConnTimeout:       90 * time.Second,
		DisableCompression:    true,
		ResponseHeaderTimeout: 30 * time.Second,
	}
}

// Load runs one point: cfg.Conns workers made by newWorker, each looping
// Do until the point's bounds are reached.
func Load(ctx context.Context, cfg LoadConfig, newWorker func(i int) (Worker, error)) (Result, error) {
	if cfg.Conns < 1 {
		return Result{}, errors.New("bench: conns must be at least 1")
	}
	if cfg.Requests < 1 || cfg.Duration <= 0 {
		return Result{}, errors.New("bench: a point needs a request bound and a duration bound")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	workers := make([]Worker, cfg.Conns)
	for i := range workers {
		w, err := newWorker(i)
		if err != nil {
			return Result{}, fmt.Errorf("preparing worker %d: %w", i, err)
		}
		workers[i] = w
	}
	tr := NewTransport(cfg.Conns)
	defer tr.CloseIdleConnections()
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	p := &point{cfg: cfg, start: make(chan struct{}), warmEnd: time.Now().Add(cfg.Duration / 2),
		client: &http.Client{Transport: tr, Timeout: cfg.Timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	locals := make([]tally, cfg.Conns)
	p.ready.Add(cfg.Conns)
	p.done.Add(cfg.Conns)
	for i := range workers {
		go p.run(runCtx, workers[i], &locals[i])
	}
	p.ready.Wait()
	t0 := time.Now()
	p.deadline = t0.Add(cfg.Duration)
	close(p.start)
	p.done.Wait()
	res := merge(locals, cfg.Conns, time.Since(t0))
	res.Stopped = p.stopped
	return res, ctx.Err()
}

// point is the shared state of one running point.
type point struct {
	cfg      LoadConfig
	client   *http.Client
	issued   atomic.Int64
	ready    sync.WaitGroup // workers done warming up
	done     sync.WaitGroup // workers finished
	start    chan struct{}  // closed when the measured part starts
	warmEnd  time.Time
	deadline time.Time // written before start is closed
	stopOnce sync.Once
	stopped  string
}

func (p *point) stop(why string) { p.stopOnce.Do(func() { p.stopped = why }) }

// tally is what one worker counted.
type tally struct {
	hist     Histogram
	outcomes map[Outcome]uint64
	errs     uint64
	types    map[string]uint64
	samples  []string
}

func (t *tally) fail(err error) {
	t.errs++
	var be *BadResponse
	key := "transport"
	if errors.As(err, &be) {
		key = be.Key()
	}
	if t.types == nil {
		t.types = map[string]uint64{}
	}
	t.types[key]++
	if len(t.samples) < maxSamples {
		t.samples = append(t.samples, err.Error())
	}
}

// run is one worker: warm up, wait for the start, then one operation
// after the other until a bound is reached.
func (p *point) run(ctx context.Context, w Worker, t *tally) {
	defer p.done.Done()
	t.outcomes = map[Outcome]uint64{}
	for j := 0; j < p.cfg.Warmup && ctx.Err() == nil && time.Now().Before(p.warmEnd); j++ {
		if _, err := w.Do(ctx, p.client); err != nil {
			t.fail(fmt.Errorf("warm-up: %w", err))
		}
	}
	p.ready.Done()
	<-p.start
	for {
		if ctx.Err() != nil {
			p.stop("context")
			return
		}
		if p.issued.Add(1) > int64(p.cfg.Requests) {
			p.stop("requests")
			return
		}
		start := time.Now()
		if !start.Before(p.deadline) {
			p.stop("duration")
			return
		}
		out, err := w.Do(ctx, p.client)
		d := time.Since(start)
		if err != nil {
			if ctx.Err() == nil {
				t.fail(err)
			}
			continue
		}
		t.hist.Record(d)
		t.outcomes[out]++
	}
}

// merge adds up the workers' tallies.
func merge(tallies []tally, conns int, elapsed time.Duration) Result {
	res := Result{Conns: conns, Outcomes: map[Outcome]uint64{}, ErrorTypes: map[string]uint64{}, Elapsed: elapsed}
	var h Histogram
	for i := range tallies {
		t := &tallies[i]
		h.Merge(&t.hist)
		for k, v := range t.outcomes {
			res.Outcomes[k] += v
		}
		res.Errors += t.errs
		for k, v := range t.types {
			res.ErrorTypes[k] += v
		}
		for _, s := range t.samples {
			if len(res.Samples) < maxSamples {
				res.Samples = append(res.Samples, s)
			}
		}
	}
	res.Count = h.Count()
	if elapsed > 0 {
		res.Throughput = float64(res.Count) / elapsed.Seconds()
	}
	res.Mean, res.P50, res.P90, res.P99, res.Max = h.Mean(), h.Quantile(0.50), h.Quantile(0.90), h.Quantile(0.99), h.Max()
	if len(res.ErrorTypes) == 0 {
		res.ErrorTypes = nil
	}
	return res
}

// OutcomeSplit describes the outcomes of a result, most frequent first:
// "authorization_pending 99.1%, slow_down 0.9%".
func (r Result) OutcomeSplit() string {
	type kv struct {
		k Outcome
		v uint64
	}
	var all []kv
	for k, v := range r.Outcomes {
		all = append(all, kv{k, v})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].v > all[j].v || all[i].v == all[j].v && all[i].k < all[j].k })
	s := ""
	for i, e := range all {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%s %.1f%%", e.k, 100*float64(e.v)/float64(max(r.Count, 1)))
	}
	return s
}
