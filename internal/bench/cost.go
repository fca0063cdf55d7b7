package bench

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// What issue 19 asks of the observability it adds: "metrics and audit
// together cost at most 10% of any operation's throughput (measure with
// them on and off, same run)". The cost section runs each operation on two
// servers side by side, one with the Prometheus metrics, the info access
// log and the audit trail on (its log written to a file, as a log file or
// journald takes it), one with all three off, and alternates their points
// over several rounds, so that whatever else the machine does falls on
// both alike. The figure is the ratio of the medians.

// CostMaxLoss is the most throughput the observability may cost.
const CostMaxLoss = 0.10

// CostPoint is one operation at one concurrency, observed and not.
type CostPoint struct {
	Key   string `json:"key"`
	Name  string `json:"name"`
	Conns int    `json:"conns"`
	// Off and On are the throughputs of each round (ops/s) without and
	// with metrics, access log and audit trail.
	Off []float64 `json:"off_per_second"`
	On  []float64 `json:"on_per_second"`
	// OffMedian and OnMedian are their medians; Ratio is OnMedian over
	// OffMedian, Loss is 1 - Ratio.
	OffMedian float64 `json:"off_median"`
	OnMedian  float64 `json:"on_median"`
	Ratio     float64 `json:"ratio"`
	Loss      float64 `json:"loss"`
	// Errors counts unexpected answers over every round of both.
	Errors  uint64 `json:"errors"`
	Skipped string `json:"skipped,omitempty"`
}

// runCost measures op's cost of observability at every concurrency of o.
func runCost(ctx context.Context, o *Options, rep *Report, op Op) error {
	if op.Missing != "" || o.URL != "" || o.Backend == nil {
		why := op.Missing
		if why == "" {
			why = "the cost section starts its own servers (not with --url)"
		}
		rep.Cost = append(rep.Cost, CostPoint{Key: op.Key, Name: op.Name, Skipped: why})
		return nil
	}
	var drivers [2]driver // off, on
	for i, on := range []bool{false, true} {
		what := op.Key + "-off"
		extra := Extra{NoAudit: true}
		if on {
			what = op.Key + "-on"
			extra = Extra{Instrument: o.Instrument}
		}
		dir, err := o.tempDir(what)
		if err != nil {
			return err
		}
		defer o.removeDir(dir)
		extra.LogFile = filepath.Join(dir, "server.log")
		t, err := StartInProcess(ctx, o.Backend, dir, o.Decide, extra)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		defer t.Close()
		rep.Server = t.Mode
		o.progress("%s (%s): preparing", op.Name, what)
		sctx, cancel := context.WithTimeout(ctx, setupTimeout)
		d, err := op.setup(sctx, &env{t: t, hc: setupClient(), pool: o.Pool})
		cancel()
		var skip errSkip
		if errors.As(err, &skip) {
			rep.Cost = append(rep.Cost, CostPoint{Key: op.Key, Name: op.Name, Skipped: string(skip)})
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: preparing: %w\nserver log:\n%s", what, err, t.Logs())
		}
		drivers[i] = d
	}
	for _, n := range o.Conns {
		p := CostPoint{Key: op.Key, Name: op.Name, Conns: n}
		for round := range o.CostRounds {
			// Alternate who goes first, so neither always finds the
			// machine warmer.
			order := []int{0, 1}
			if round%2 == 1 {
				order = []int{1, 0}
			}
			for _, i := range order {
				r, err := costPoint(ctx, o, drivers[i], n)
				if err != nil {
					return err
				}
				p.Errors += r.Errors
				if i == 0 {
					p.Off = append(p.Off, r.Throughput)
				} else {
					p.On = append(p.On, r.Throughput)
				}
			}
		}
		p.OffMedian, p.OnMedian = median(p.Off), median(p.On)
		if p.OffMedian > 0 {
			p.Ratio = p.OnMedian / p.OffMedian
			p.Loss = 1 - p.Ratio
		}
		o.progress("  %s %d conns: off %s, on %s ops/s: on/off %.3f (%+.1f%%)", op.Name, n, rates(p.Off), rates(p.On),
			p.Ratio, -100*p.Loss)
		rep.Cost = append(rep.Cost, p)
	}
	return nil
}

// costPoint runs one point of d at conns, refilling its pool first.
func costPoint(ctx context.Context, o *Options, d driver, conns int) (Result, error) {
	cfg := o.point(conns)
	if l, ok := d.(limiter); ok {
		sctx, cancel := context.WithTimeout(ctx, setupTimeout)
		limit, err := l.refill(sctx)
		cancel()
		if err != nil {
			return Result{}, fmt.Errorf("refilling before %d conns: %w", conns, err)
		}
		cfg.Requests = min(cfg.Requests, max(limit-conns*cfg.Warmup, 1))
	}
	return Load(ctx, cfg, d.worker)
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func rates(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprintf("%.0f", x)
	}
	return strings.Join(parts, "/")
}

// mdCost writes the cost section.
func (r *Report) mdCost(b *strings.Builder) {
	if len(r.Cost) == 0 {
		return
	}
	b.WriteString("\n### Cost of metrics, access log and audit trail (issue 19)\n\n")
	b.WriteString("Each operation on two servers side by side (" + r.Server + "), one with the Prometheus metrics, the info " +
		"access log and the audit trail on (its log written to a file), one with all three off; their points alternate, " +
		"round after round. ops/s are the medians of the rounds; the limit is a loss of 10%.\n\n")
	b.WriteString("| operation | conns | off ops/s | on ops/s | on / off | loss | rounds off | rounds on | errors | |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|---|---|--:|---|\n")
	for _, p := range r.Cost {
		if p.Skipped != "" {
			fmt.Fprintf(b, "| %s | | | | | | | | | %s |\n", p.Name, p.Skipped)
			continue
		}
		e := "0"
		if p.Errors > 0 {
			e = fmt.Sprintf("**%d** (flagged)", p.Errors)
		}
		fmt.Fprintf(b, "| %s | %d | %.0f | %.0f | %.3f | %.1f%% | %s | %s | %s | %s |\n", p.Name, p.Conns, p.OffMedian, p.OnMedian,
			p.Ratio, 100*p.Loss, rates(p.Off), rates(p.On), e, status(p.Loss <= CostMaxLoss))
	}
}

// costTarget adds issue 19's target: the largest loss of any measured
// operation at any concurrency.
func (r *Report) costTarget() {
	var worst *CostPoint
	for i, p := range r.Cost {
		if p.Skipped == "" && (worst == nil || p.Loss > worst.Loss) {
			worst = &r.Cost[i]
		}
	}
	if worst == nil {
		return
	}
	// A cost run measures nothing else: the other targets would only say
	// so.
	kept := r.Targets[:0]
	for _, t := range r.Targets {
		if t.Status != "not measured" {
			kept = append(kept, t)
		}
	}
	r.Targets = kept
	errs := uint64(0)
	for _, p := range r.Cost {
		errs += p.Errors
	}
	m := fmt.Sprintf("worst %.1f%% (%s, %d conns: %.0f vs %.0f ops/s)", 100*worst.Loss, worst.Name, worst.Conns, worst.OnMedian, worst.OffMedian)
	if errs > 0 {
		m += fmt.Sprintf(" with %d errors", errs)
	}
	r.Targets = append(r.Targets, TargetCheck{Target: "metrics, access log and audit trail, every operation",
		Wanted: "<= 10% throughput lost", Measured: m, Status: status(worst.Loss <= CostMaxLoss && errs == 0)})
}
