package bench

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// MemoryPoint is the server's memory and the store's size after creating
// Items records of one kind through the API on a fresh server.
type MemoryPoint struct {
	Kind    string  `json:"kind"` // "pending device authorizations", "live refresh families"
	Items   int     `json:"items"`
	Created uint64  `json:"created"`
	Errors  uint64  `json:"errors"`
	Seconds float64 `json:"seconds"`
	Conns   int     `json:"conns"`
	Server  string  `json:"server"` // where the server ran
	// RSS is the server process's VmRSS: before (idle, after a warm-up),
	// right at the end of the load, and after (idle again), and its peak
	// (VmHWM). Idle means after MemorySettle without requests.
	RSSBefore int64 `json:"rss_before"`
	RSSLoaded int64 `json:"rss_loaded"`
	RSSAfter  int64 `json:"rss_after"`
	RSSPeak   int64 `json:"rss_peak"`
	// Store is the store's size before and after.
	StoreBefore StoreSize `json:"store_before"`
	StoreAfter  StoreSize `json:"store_after"`
	// Per item: the growth divided by Created.
	RSSPerItem   float64  `json:"rss_per_item"`
	StorePerItem float64  `json:"store_per_item"`
	Samples      []string `json:"error_samples,omitempty"`
}

type memoryKind struct {
	key   string
	kind  string
	setup func(ctx context.Context, e *env) (driver, error)
}

// memoryKinds are the records the memory section creates.
var memoryKinds = []memoryKind{
	{"pending", "pending device authorizations", setupStart},
	{"families", "live refresh families", setupFamilies},
}

// familiesDriver creates one live token family per operation: start,
// approve, redeem.
type familiesDriver struct {
	e  *env
	cs callers
	cr creds
}

func setupFamilies(ctx context.Context, e *env) (driver, error) {
	cr, err := register(ctx, &caller{base: e.t.URL}, e.hc, "bench-families", scopes)
	return &familiesDriver{e: e, cr: cr}, err
}

func (d *familiesDriver) sizes() (int, int) { return d.cs.sizes() }
func (d *familiesDriver) note() string      { return "start, approve, CreateToken" }

func (d *familiesDriver) worker(int) (Worker, error) {
	c := d.cs.add(d.e.t.URL)
	return workerFunc(func(ctx context.Context, hc *http.Client) (Outcome, error) {
		if _, err := login(ctx, c, hc, d.e.t, d.cr); err != nil {
			return "", err
		}
		return OK, nil
	}), nil
}

// measureMemory creates items records of the kind on the fresh server t.
func measureMemory(ctx context.Context, o *Options, t *Target, kind int, items int) (MemoryPoint, error) {
	k := memoryKinds[kind]
	p := MemoryPoint{Kind: k.kind, Items: items, Conns: o.MemoryConns, Server: t.Mode}
	e := &env{t: t, hc: setupClient(), pool: o.Pool}
	d, err := k.setup(ctx, e)
	if err != nil {
		return p, err
	}
	// Warm the server up (connections, caches, the runtime) before the
	// first reading, with a few records that are not counted.
	warm, err := Load(ctx, LoadConfig{Conns: o.MemoryConns, Requests: 2 * o.MemoryConns, Duration: time.Minute}, d.worker)
	if err != nil {
		return p, err
	}
	if warm.Errors > 0 {
		return p, fmt.Errorf("warming up: %s", warm.Samples[0])
	}
	settle(ctx, o.MemorySettle)
	if p.RSSBefore, _, err = RSS(t.PID); err != nil {
		return p, err
	}
	if p.StoreBefore, _, err = t.Size(ctx); err != nil {
		return p, err
	}
	res, err := Load(ctx, LoadConfig{Conns: o.MemoryConns, Requests: items, Duration: o.MemoryTimeout}, d.worker)
	if err != nil {
		return p, err
	}
	p.Created, p.Errors, p.Seconds, p.Samples = res.Count, res.Errors, res.Elapsed.Seconds(), res.Samples
	if p.RSSLoaded, _, err = RSS(t.PID); err != nil {
		return p, err
	}
	settle(ctx, o.MemorySettle)
	if p.RSSAfter, p.RSSPeak, err = RSS(t.PID); err != nil {
		return p, err
	}
	if p.StoreAfter, _, err = t.Size(ctx); err != nil {
		return p, err
	}
	if p.Created > 0 {
		p.RSSPerItem = float64(p.RSSAfter-p.RSSBefore) / float64(p.Created)
		p.StorePerItem = float64(p.StoreAfter.Bytes-p.StoreBefore.Bytes) / float64(p.Created)
	}
	return p, nil
}

// setupClient is the client of setup requests (registrations, pools,
// families): its own transport, so setup never borrows a point's
// connections.
func setupClient() *http.Client {
	return &http.Client{Transport: NewTransport(64), Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func settle(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
