package bench

import (
	"context"
	"testing"
	"time"
)

// TestDirectoryOps drives each directory operation briefly on an
// in-process server with small populations (the real ones are 100,000
// people and a group of 10,000): every call gets its expected answer,
// and the SCIM pool is refilled between points.
func TestDirectoryOps(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	ctx := context.Background()
	tgt, err := StartInProcess(ctx, SQLite(), t.TempDir(), true, Extra{})
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.Close()
	for _, c := range []struct {
		kind           string
		users, members int
	}{{"create", 0, 0}, {"describe", 50, 0}, {"list", 50, 0}, {"patch", 300, 100}} {
		d, err := setupIDStore(ctx, &env{t: tgt, hc: setupClient()}, c.kind, c.users, c.members)
		if err != nil {
			t.Fatalf("%s: %v\n%s", c.kind, err, tgt.Logs())
		}
		for _, conns := range []int{1, 4} {
			limit, err := d.(limiter).refill(ctx)
			if err != nil {
				t.Fatalf("%s: refill: %v", c.kind, err)
			}
			r, err := Load(ctx, LoadConfig{Conns: conns, Requests: min(80, limit), Duration: 5 * time.Second, Warmup: 1}, d.worker)
			if err != nil {
				t.Fatal(err)
			}
			if r.Flagged() || r.Count == 0 {
				t.Errorf("%s at %d conns: count %d errors %d %v\n%s", c.kind, conns, r.Count, r.Errors, r.Samples, tgt.Logs())
			}
			if req, resp := d.sizes(); req == 0 || resp == 0 {
				t.Errorf("%s: sizes %d, %d", c.kind, req, resp)
			}
		}
	}
}
