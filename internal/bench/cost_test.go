package bench

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/server"
)

// TestCostSection runs the cost section with tiny bounds: every variant
// measured on its own server, the verdict and the Markdown section, and
// the observed server really logs audit and access lines while the
// baseline logs neither.
func TestCostSection(t *testing.T) {
	instrumented := 0
	rep, err := Run(context.Background(), Options{
		Backend: SQLite(), Ops: []string{"idcreate"}, Conns: []int{2}, Duration: 200 * time.Millisecond, Requests: 60,
		Warmup: 1, Cost: true, CostRounds: 2, InProcess: true, TempDir: t.TempDir(),
		Instrument: func(*server.Config) { instrumented++ },
	})
	if err != nil {
		t.Fatal(err)
	}
	if instrumented != 2 {
		t.Errorf("Instrument called for %d servers, want 2 (metrics + audit, + access log)", instrumented)
	}
	if len(rep.Cost) != 1 || len(rep.Cost[0].Variants) != 3 {
		t.Fatalf("cost points: %+v", rep.Cost)
	}
	p := rep.Cost[0]
	for _, v := range p.Variants {
		if len(v.PerSecond) != 2 || v.Median <= 0 || v.MedianCPU <= 0 {
			t.Errorf("%s: %+v", v.Name, v)
		}
	}
	if p.Errors != 0 || p.GeneratorCPU <= 0 {
		t.Errorf("errors %d, generator CPU %v", p.Errors, p.GeneratorCPU)
	}
	var md strings.Builder
	if err := rep.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Cost of metrics, audit trail and access log", "| Identity Store CreateUser | 2 | off |",
		"metrics + audit + access log", "metrics and audit trail, every operation"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("the report lacks %q", want)
		}
	}
}

// TestCostServersLog: the baseline of the cost section records no audit
// line, the observed server records one per change and, with the access
// log, one line per request.
func TestCostServersLog(t *testing.T) {
	for _, c := range []struct {
		extra         Extra
		audit, access bool
	}{
		{Extra{NoAudit: true}, false, false},
		{Extra{}, true, false},
		{Extra{AccessLog: true}, true, true},
	} {
		dir := t.TempDir()
		c.extra.LogFile = filepath.Join(dir, "server.log")
		tg, err := StartInProcess(context.Background(), SQLite(), dir, true, c.extra)
		if err != nil {
			t.Fatal(err)
		}
		d, err := setupRegister(context.Background(), &env{t: tg, hc: setupClient()})
		if err == nil {
			var w Worker
			if w, err = d.worker(0); err == nil {
				_, err = w.Do(context.Background(), setupClient())
			}
		}
		if cerr := tg.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(c.extra.LogFile)
		if err != nil {
			t.Fatal(err)
		}
		log := string(b)
		// The config file's directory is declared at start: audit lines.
		if got := strings.Contains(log, `"msg":"audit"`); got != c.audit {
			t.Errorf("%+v: audit lines %v, want %v", c.extra, got, c.audit)
		}
		if got := strings.Contains(log, `"msg":"request"`); got != c.access {
			t.Errorf("%+v: access lines %v, want %v", c.extra, got, c.access)
		}
	}
}
