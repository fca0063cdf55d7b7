package bench

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestHistogramQuantiles(t *testing.T) {
	var h Histogram
	for i := 1; i <= 100000; i++ {
		h.Record(time.Duration(i) * time.Microsecond)
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 50 * time.Millisecond}, {0.99, 99 * time.Millisecond}, {1, 100 * time.Millisecond}} {
		got := h.Quantile(c.q)
		if d := float64(got-c.want) / float64(c.want); d < 0 || d > 1.0/128 {
			t.Errorf("q%.2f = %v, want %v within +1/128", c.q, got, c.want)
		}
	}
	if h.Max() != 100*time.Millisecond || h.Count() != 100000 {
		t.Errorf("max %v count %d", h.Max(), h.Count())
	}
	var small Histogram
	small.Record(3)
	if small.Quantile(0.5) != 3 {
		t.Errorf("exact small values: got %v", small.Quantile(0.5))
	}
	for v := uint64(0); v < 1<<20; v += 97 {
		if i := bucket(v); upper(i) < v || (i > 0 && upper(i-1) >= v) {
			t.Fatalf("value %d in bucket %d with upper %d", v, i, upper(i))
		}
	}
}

func TestPendingIndex(t *testing.T) {
	var got []uint64
	for n := range uint64(10) {
		got = append(got, pendingIndex(n, 3))
	}
	want := []uint64{0, 0, 1, 1, 2, 2, 0, 1, 2, 0}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("pendingIndex over 3 codes: %v, want %v", got, want)
	}
}

func TestLoadIsBounded(t *testing.T) {
	f, err := StartFloor()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d := newFloorDriver(f.URL, 120, 306)
	r, err := Load(context.Background(), LoadConfig{Conns: 4, Requests: 500, Duration: 5 * time.Second, Warmup: 2}, d.worker)
	if err != nil {
		t.Fatal(err)
	}
	if r.Count != 500 || r.Errors != 0 || r.Stopped != "requests" {
		t.Fatalf("count %d errors %d stopped %q, want 500 0 requests: %v", r.Count, r.Errors, r.Stopped, r.Samples)
	}
	r, err = Load(context.Background(), LoadConfig{Conns: 2, Requests: 1 << 30, Duration: 200 * time.Millisecond}, d.worker)
	if err != nil {
		t.Fatal(err)
	}
	if r.Stopped != "duration" || r.Elapsed > 2*time.Second {
		t.Fatalf("stopped %q after %v, want duration after about 200ms", r.Stopped, r.Elapsed)
	}
	// A response of the wrong size is an error, never a result.
	bad := newFloorDriver(f.URL, 10, 306)
	r, err = Load(context.Background(), LoadConfig{Conns: 1, Requests: 5, Duration: time.Second}, func(i int) (Worker, error) {
		w, err := bad.worker(i)
		bad.respSize = 300 // the worker asks for 306 bytes and now expects 300
		return w, err
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.Errors != 5 || r.Count != 0 || !r.Flagged() {
		t.Fatalf("errors %d count %d, want 5 and 0", r.Errors, r.Count)
	}
}

func TestRunInProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts servers")
	}
	var progress bytes.Buffer
	ops := []string{"register", "start", "pending", "refresh", "flow", "slowdown", "authcode", "rolecreds", "rolecreds-sts", "listaccounts", "iam"}
	rep, err := Run(context.Background(), Options{
		Backend: SQLite(), Ops: ops, Conns: []int{1, 4}, Duration: 250 * time.Millisecond, Requests: 150,
		Warmup: 1, Pool: 40, Memory: []int{30}, MemoryConns: 4, MemorySettle: -1, Scale: []int64{100, 300}, ScaleConns: []int{2},
		Progress: &progress, TempDir: t.TempDir(),
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, progress.String())
	}
	for _, o := range rep.Ops {
		if o.Skipped != "" {
			t.Errorf("%s skipped: %s", o.Name, o.Skipped)
			continue
		}
		if len(o.Points) != 2 {
			t.Errorf("%s: %d points", o.Name, len(o.Points))
		}
		for _, p := range o.Points {
			if p.Result.Flagged() || p.Floor.Flagged() || p.Result.Count == 0 || p.Floor.Count == 0 || p.Ratio <= 0 {
				t.Errorf("%s at %d conns: count %d errors %d %v, floor count %d errors %d", o.Name, p.Conns,
					p.Result.Count, p.Result.Errors, p.Result.Samples, p.Floor.Count, p.Floor.Errors)
			}
		}
	}
	if len(rep.Memory) != 2 || rep.Memory[0].Created != 30 || rep.Memory[1].Created != 30 || rep.Memory[1].StorePerItem <= 0 {
		t.Errorf("memory: %+v", rep.Memory)
	}
	if len(rep.Scale) != 2 || rep.Scale[1].Tokens < 300 || rep.Scale[1].Results[0].Count == 0 || rep.Scale[1].Results[0].Errors != 0 {
		t.Errorf("scale: %+v", rep.Scale)
	}
	var md bytes.Buffer
	if err := rep.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| RegisterClient | 4 |", "| CreateTokenWithIAM | 4 |", "Targets of issue 9", "slow_down"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, md.String())
		}
	}
	if testing.Verbose() {
		t.Log("\n" + md.String())
	}
	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
}
