package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// What issue 19 asks of the observability it adds: "metrics and audit
// together cost at most 10% of any operation's throughput (measure with
// them on and off, same run)". The cost section runs each operation on
// three servers side by side in this process: one with the Prometheus
// metrics and the audit trail off, one with both on, one with the info
// access log on as well (every server's log goes to a file, as a log file
// or journald takes it). Their points alternate, round after round, so
// that whatever else the machine does falls on all alike; the figures
// are the medians of the rounds. Besides throughput, each point reads the
// process's CPU time per operation: the load generator's share is the
// same on every server, so the difference is what the observability
// costs, which the machine's other work disturbs far less than
// throughput. Each round also drives the floor (a child process) with the
// same bodies: this process's CPU per request then is the generator's
// own, and what the servers' points used beyond it is the server's CPU
// per operation. On a machine whose cores the server saturates,
// throughput goes as the inverse of that, so its ratio is the loss with
// the other work's noise taken out.

// CostMaxLoss is the most throughput the observability may cost.
const CostMaxLoss = 0.10

// costVariants are the servers the cost section compares, the first the
// baseline.
var costVariants = []struct {
	key, name string
	extra     func(o *Options) Extra
}{
	{"off", "off", func(*Options) Extra { return Extra{NoAudit: true} }},
	{"on", "metrics + audit", func(o *Options) Extra { return Extra{Instrument: o.Instrument} }},
	{"log", "metrics + audit + access log", func(o *Options) Extra { return Extra{Instrument: o.Instrument, AccessLog: true} }},
}

// CostPoint is one operation at one concurrency on each variant.
type CostPoint struct {
	Key      string        `json:"key"`
	Name     string        `json:"name"`
	Conns    int           `json:"conns"`
	Variants []CostVariant `json:"variants,omitempty"`
	// GeneratorCPU is the load generator's CPU per request (median over
	// the rounds), measured against the floor.
	GeneratorCPU time.Duration `json:"generator_cpu_per_op_ns"`
	// Errors counts unexpected answers over every round of every
	// variant.
	Errors  uint64 `json:"errors"`
	Skipped string `json:"skipped,omitempty"`
}

// CostVariant is one server of a CostPoint.
type CostVariant struct {
	Name string `json:"name"`
	// PerSecond and CPUPerOp are the throughput and the process's CPU
	// time per operation of each round; the medians follow.
	PerSecond []float64       `json:"per_second"`
	CPUPerOp  []time.Duration `json:"cpu_per_op_ns"`
	Median    float64         `json:"median_per_second"`
	MedianCPU time.Duration   `json:"median_cpu_per_op_ns"`
	// Ratio is Median over the baseline's, Loss is 1 - Ratio; CPUDelta
	// is MedianCPU less the baseline's.
	Ratio    float64       `json:"ratio"`
	Loss     float64       `json:"loss"`
	CPUDelta time.Duration `json:"cpu_delta_per_op_ns"`
	// ServerCPU is MedianCPU less the generator's share; CPULoss is the
	// throughput a saturated server loses to the extra CPU: 1 - the
	// baseline's ServerCPU over this one's.
	ServerCPU time.Duration `json:"server_cpu_per_op_ns"`
	CPULoss   float64       `json:"cpu_loss"`
}

// runCost measures op's cost of observability at every concurrency of o.
func runCost(ctx context.Context, o *Options, rep *Report, op Op, floor *Floor) error {
	if op.Missing != "" || o.URL != "" || o.Backend == nil {
		why := op.Missing
		if why == "" {
			why = "the cost section starts its own servers (not with --url)"
		}
		rep.Cost = append(rep.Cost, CostPoint{Key: op.Key, Name: op.Name, Skipped: why})
		return nil
	}
	drivers := make([]driver, len(costVariants))
	for i, v := range costVariants {
		what := op.Key + "-" + v.key
		dir, err := o.tempDir(what)
		if err != nil {
			return err
		}
		defer o.removeDir(dir)
		extra := v.extra(o)
		extra.LogFile = filepath.Join(dir, "server.log")
		t, err := StartInProcess(ctx, o.Backend, dir, o.Decide, extra)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		defer t.Close()
		rep.Server = t.Mode
		o.progress("%s (%s): preparing", op.Name, v.name)
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
		p := CostPoint{Key: op.Key, Name: op.Name, Conns: n, Variants: make([]CostVariant, len(costVariants))}
		var gen []time.Duration
		for round := range o.CostRounds {
			// Rotate who goes first, so that none always finds the
			// machine warmer.
			for k := range costVariants {
				i := (k + round) % len(costVariants)
				cfg, err := costPoint(ctx, o, drivers[i], n)
				if err != nil {
					return err
				}
				var r Result
				cpu, err := cpuOf(os.Getpid(), func() (err error) { r, err = Load(ctx, cfg, drivers[i].worker); return })
				if err != nil {
					return err
				}
				p.Errors += r.Errors
				v := &p.Variants[i]
				v.PerSecond = append(v.PerSecond, r.Throughput)
				if r.Count > 0 {
					v.CPUPerOp = append(v.CPUPerOp, cpu/time.Duration(r.Count))
				}
			}
			req, resp := drivers[0].sizes()
			var f Result
			cpu, err := cpuOf(os.Getpid(), func() (err error) {
				f, err = Load(ctx, o.point(n), newFloorDriver(floor.URL, req, resp).worker)
				return
			})
			if err != nil {
				return err
			}
			if f.Count > 0 {
				gen = append(gen, cpu/time.Duration(f.Count))
			}
		}
		p.GeneratorCPU = medianDuration(gen)
		for i := range p.Variants {
			v := &p.Variants[i]
			v.Name = costVariants[i].name
			v.Median, v.MedianCPU = median(v.PerSecond), medianDuration(v.CPUPerOp)
			if base := p.Variants[0]; base.Median > 0 {
				v.Ratio = v.Median / base.Median
				v.Loss = 1 - v.Ratio
				v.CPUDelta = v.MedianCPU - base.MedianCPU
			}
			v.ServerCPU = v.MedianCPU - p.GeneratorCPU
			if base := p.Variants[0]; v.ServerCPU > 0 && base.ServerCPU > 0 {
				v.CPULoss = 1 - float64(base.ServerCPU)/float64(v.ServerCPU)
			}
		}
		var line []string
		for _, v := range p.Variants {
			line = append(line, fmt.Sprintf("%s %s ops/s, server %s/op (x%.3f ops/s, %.1f%% by CPU)", v.Name, rates(v.PerSecond),
				us(v.ServerCPU), v.Ratio, 100*v.CPULoss))
		}
		o.progress("  %s %d conns: %s", op.Name, n, strings.Join(line, "; "))
		rep.Cost = append(rep.Cost, p)
	}
	return nil
}

// costPoint prepares one point of d at conns: it refills d's pool (not
// measured: making codes through the consent page is not the operation)
// and returns the point's bounds.
func costPoint(ctx context.Context, o *Options, d driver, conns int) (LoadConfig, error) {
	cfg := o.point(conns)
	if l, ok := d.(limiter); ok {
		sctx, cancel := context.WithTimeout(ctx, setupTimeout)
		limit, err := l.refill(sctx)
		cancel()
		if err != nil {
			return cfg, fmt.Errorf("refilling before %d conns: %w", conns, err)
		}
		cfg.Requests = min(cfg.Requests, max(limit-conns*cfg.Warmup, 1))
	}
	return cfg, nil
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

func medianDuration(ds []time.Duration) time.Duration {
	fs := make([]float64, len(ds))
	for i, d := range ds {
		fs[i] = float64(d)
	}
	return time.Duration(median(fs))
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
	b.WriteString("\n### Cost of metrics, audit trail and access log (issue 19)\n\n")
	b.WriteString("Each operation on three servers side by side (" + r.Server + "): off; metrics and audit trail on; " +
		"and the info access log on as well (every log written to a file). Their points alternate, round after round, " +
		"with a floor point each round; figures are medians of the rounds. Server CPU/op is this process's CPU per " +
		"operation less the load generator's (measured against the floor); loss by CPU is what a saturated server " +
		"loses to the extra CPU, 1 - off's server CPU/op over this one's. The limit: metrics and audit lose at most 10%.\n\n")
	b.WriteString("| operation | conns | server | ops/s | x off | server CPU/op | loss by CPU | rounds (ops/s) | |\n")
	b.WriteString("|---|--:|---|--:|--:|--:|--:|---|---|\n")
	for _, p := range r.Cost {
		if p.Skipped != "" {
			fmt.Fprintf(b, "| %s | | | | | | | | %s |\n", p.Name, p.Skipped)
			continue
		}
		for i, v := range p.Variants {
			verdict := ""
			switch {
			case i == 0 && p.Errors > 0:
				verdict = fmt.Sprintf("**%d errors** (flagged)", p.Errors)
			case i == 0:
				verdict = "generator " + us(p.GeneratorCPU) + "/op"
			case i == 1:
				verdict = status(v.CPULoss <= CostMaxLoss && p.Errors == 0)
			}
			fmt.Fprintf(b, "| %s | %d | %s | %.0f | %.3f | %s | %.1f%% | %s | %s |\n", p.Name, p.Conns, v.Name, v.Median, v.Ratio,
				us(v.ServerCPU), 100*v.CPULoss, rates(v.PerSecond), verdict)
		}
	}
}

// costTarget adds issue 19's target: the largest loss of metrics and
// audit over every measured operation and concurrency.
func (r *Report) costTarget() {
	var worst *CostPoint
	errs := uint64(0)
	for i, p := range r.Cost {
		errs += p.Errors
		if p.Skipped == "" && (worst == nil || p.Variants[1].CPULoss > worst.Variants[1].CPULoss) {
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
	v := worst.Variants[1]
	m := fmt.Sprintf("worst %.1f%% by CPU (%s, %d conns: server %s/op vs %s/op; ops/s x%.3f)", 100*v.CPULoss, worst.Name,
		worst.Conns, us(v.ServerCPU), us(worst.Variants[0].ServerCPU), v.Ratio)
	if errs > 0 {
		m += fmt.Sprintf(" with %d errors", errs)
	}
	r.Targets = append(r.Targets, TargetCheck{Target: "metrics and audit trail, every operation",
		Wanted: "<= 10% throughput lost", Measured: m, Status: status(v.CPULoss <= CostMaxLoss && errs == 0)})
}
