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
	client := &http.Client{Transport: tr, Timeout: cfg.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	type local struct {
		hist     Histogram
		outcomes map[Outcome]uint64
		errs     uint64
		types    map[string]uint64
		samples  []string
	}
	locals := make([]local, cfg.Conns)
	var (
		issued   atomic.Int64
		ready    sync.WaitGroup
		done     sync.WaitGroup
		start    = make(chan struct{})
		t0       time.Time
		deadline time.Time
		stopOnce sync.Once
		stopped  string
	)
	stop := func(why string) { stopOnce.Do(func() { stopped = why }) }
	record := func(l *local, err error) {
		l.errs++
		var be *BadResponse
		key := "transport"
		if errors.As(err, &be) {
			key = be.Key()
		}
		if l.types == nil {
			l.types = map[string]uint64{}
		}
		l.types[key]++
		if len(l.samples) < maxSamples {
			l.samples = append(l.samples, err.Error())
		}
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	warmEnd := time.Now().Add(cfg.Duration / 2)
	ready.Add(cfg.Conns)
	done.Add(cfg.Conns)
	for i := range workers {
		go func(w Worker, l *local) {
			defer done.Done()
			l.outcomes = map[Outcome]uint64{}
			for j := 0; j < cfg.Warmup && runCtx.Err() == nil && time.Now().Before(warmEnd); j++ {
				if _, err := w.Do(runCtx, client); err != nil {
					record(l, fmt.Errorf("warm-up: %w", err))
				}
			}
			ready.Done()
			<-start
			for {
				if runCtx.Err() != nil {
					stop("context")
					return
				}
				if issued.Add(1) > int64(cfg.Requests) {
					stop("requests")
					return
				}
				t := time.Now()
				if !t.Before(deadline) {
					stop("duration")
					return
				}
				out, err := w.Do(runCtx, client)
				d := time.Since(t)
				if err != nil {
					if runCtx.Err() == nil {
						record(l, err)
					}
					continue
				}
				l.hist.Record(d)
				l.outcomes[out]++
			}
		}(workers[i], &locals[i])
	}
	ready.Wait()
	t0 = time.Now()
	deadline = t0.Add(cfg.Duration)
	close(start)
	done.Wait()
	elapsed := time.Since(t0)

	res := Result{Conns: cfg.Conns, Outcomes: map[Outcome]uint64{}, ErrorTypes: map[string]uint64{}, Elapsed: elapsed}
	var h Histogram
	for i := range locals {
		l := &locals[i]
		h.Merge(&l.hist)
		for k, v := range l.outcomes {
			res.Outcomes[k] += v
		}
		res.Errors += l.errs
		for k, v := range l.types {
			res.ErrorTypes[k] += v
		}
		for _, s := range l.samples {
			if len(res.Samples) < maxSamples {
				res.Samples = append(res.Samples, s)
			}
		}
	}
	res.Stopped = stopped
	res.Count = h.Count()
	if elapsed > 0 {
		res.Throughput = float64(res.Count) / elapsed.Seconds()
	}
	res.Mean, res.P50, res.P90, res.P99, res.Max = h.Mean(), h.Quantile(0.50), h.Quantile(0.90), h.Quantile(0.99), h.Max()
	if len(res.ErrorTypes) == 0 {
		res.ErrorTypes = nil
	}
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	return res, nil
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

// atomicCounter hands out 0, 1, 2, ... to concurrent callers.
type atomicCounter struct{ n atomic.Uint64 }

func (c *atomicCounter) next() uint64 { return c.n.Add(1) - 1 }
