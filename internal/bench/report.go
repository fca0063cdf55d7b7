package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// Report is everything a run measured.
type Report struct {
	Machine   Machine        `json:"machine"`
	Disk      DiskSync       `json:"disk_sync"`
	Backend   string         `json:"backend"`
	Server    string         `json:"server"` // where the server ran
	Floor     string         `json:"floor"`  // where the floor ran
	Approvals string         `json:"approvals,omitempty"`
	Conns     []int          `json:"conns"`
	Duration  time.Duration  `json:"point_duration_ns"`
	Requests  int            `json:"point_requests"`
	Warmup    int            `json:"warmup_per_worker"`
	Started   time.Time      `json:"started"`
	Seconds   float64        `json:"seconds"`
	Ops       []OpReport     `json:"ops"`
	Memory    []MemoryPoint  `json:"memory,omitempty"`
	Scale     []ScalePoint   `json:"scale,omitempty"`
	Attacks   []AttackReport `json:"attacks,omitempty"`
	// Assignments is the assignment scale section (assignments.go).
	Assignments []AssignmentPoint `json:"assignments,omitempty"`
	// Cost is the cost section (cost.go).
	Cost    []CostPoint   `json:"cost,omitempty"`
	Targets []TargetCheck `json:"targets"`
	Notes   []string      `json:"notes,omitempty"`
}

// Machine is where a run happened.
type Machine struct {
	NumCPU     int    `json:"num_cpu"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	CPU        string `json:"cpu"`
	Memory     string `json:"memory"`
	Kernel     string `json:"kernel"`
	OS         string `json:"os"`
	Go         string `json:"go"`
	// LoadBefore and LoadAfter are the load averages (1, 5, 15 min) when
	// the run started and ended.
	LoadBefore string `json:"load_before"`
	LoadAfter  string `json:"load_after"`
}

// OpReport is one operation at every concurrency.
type OpReport struct {
	Key     string  `json:"key"`
	Name    string  `json:"name"`
	What    string  `json:"what"`
	PerOp   int     `json:"requests_per_op"`
	Note    string  `json:"note,omitempty"`
	Skipped string  `json:"skipped,omitempty"`
	Points  []Point `json:"points,omitempty"`
	// Store is the store's size after the operation's last point.
	Store *StoreSize `json:"store_after,omitempty"`
}

// Point is one operation at one concurrency, with the floor measured
// right after it at the same concurrency and body sizes.
type Point struct {
	Conns     int    `json:"conns"`
	ReqBytes  int    `json:"request_bytes"`
	RespBytes int    `json:"response_bytes"`
	Result    Result `json:"result"`
	Floor     Result `json:"floor"`
	// Ratio is operations per second over floor requests per second;
	// P99Ratio the operation's p99 over the floor's.
	Ratio    float64 `json:"ratio"`
	P99Ratio float64 `json:"p99_ratio"`
	// ServerCPU and FloorCPU are the CPU time (user and system) the
	// server's and the floor's processes used during their runs; in
	// process it is this whole process, load generator included.
	ServerCPU time.Duration `json:"server_cpu_ns"`
	FloorCPU  time.Duration `json:"floor_cpu_ns"`
}

// CPUPerOp is the server's CPU time per measured operation.
func (p Point) CPUPerOp() time.Duration {
	return p.ServerCPU / time.Duration(max(p.Result.Count+p.Result.Errors, 1))
}

// FloorCPUPerOp is the floor's CPU time per request.
func (p Point) FloorCPUPerOp() time.Duration {
	return p.FloorCPU / time.Duration(max(p.Floor.Count+p.Floor.Errors, 1))
}

func (p *Point) ratios() {
	if p.Floor.Throughput > 0 {
		p.Ratio = p.Result.Throughput / p.Floor.Throughput
	}
	if p.Floor.P99 > 0 {
		p.P99Ratio = float64(p.Result.P99) / float64(p.Floor.P99)
	}
}

// TargetCheck is one target of issue 9 and whether the run met it.
type TargetCheck struct {
	Target   string `json:"target"`
	Wanted   string `json:"wanted"`
	Measured string `json:"measured"`
	Status   string `json:"status"` // "met", "not met", "not measured"
}

func newReport(o *Options) *Report {
	r := &Report{Machine: machine(), Conns: o.Conns, Duration: o.Duration, Requests: o.Requests,
		Warmup: o.Warmup, Started: time.Now().UTC().Truncate(time.Second)}
	if o.URL != "" {
		r.Backend = "unknown (--url " + o.URL + ")"
	} else {
		r.Backend = o.Backend.Name
	}
	return r
}

// The targets of issue 9 (ratios to the floor at 8 connections).
var ratioTargets = []struct {
	key    string
	min    float64
	wanted string
}{
	{"register", 0.7, ">= 0.7x floor"},
	{"start", 0.5, ">= 0.5x floor"},
	{"pending", 0.7, ">= 0.7x floor"},
	{"refresh", 0.3, ">= 0.3x floor"},
	{"flow", 0.1, ">= 0.1 flows per floor request"},
}

// postgresMin holds the targets that are lower on PostgreSQL, by key.
var postgresMin = map[string]float64{}

const (
	targetConns     = 8
	tailConns       = 64
	maxP99Ratio     = 3.0
	rssItems        = 1000000
	maxRSS          = 200e6 // bytes
	scaleFrom       = 10000
	scaleTo         = 10000000
	maxScaleLatency = 1.5
)

func (r *Report) op(key string) *OpReport {
	for i := range r.Ops {
		if r.Ops[i].Key == key {
			return &r.Ops[i]
		}
	}
	return nil
}

func (o *OpReport) at(conns int) *Point {
	if o == nil {
		return nil
	}
	for i := range o.Points {
		if o.Points[i].Conns == conns {
			return &o.Points[i]
		}
	}
	return nil
}

func status(ok bool) string {
	if ok {
		return "met"
	}
	return "not met"
}

// evaluate checks the targets against what was measured.
func (r *Report) evaluate() {
	r.Targets = nil
	add := func(t, w, m, s string) { r.Targets = append(r.Targets, TargetCheck{t, w, m, s}) }
	for _, t := range ratioTargets {
		o := r.op(t.key)
		name := t.key
		if o != nil {
			name = o.Name
		}
		name += fmt.Sprintf(", %d conns", targetConns)
		min := t.min
		if m, ok := postgresMin[t.key]; ok && r.Backend == "postgres" {
			min = m // issue 18: a lower target where every read is a round trip
		}
		p := o.at(targetConns)
		switch {
		case p == nil:
			add(name, t.wanted, "", "not measured")
		case p.Result.Flagged():
			add(name, t.wanted, fmt.Sprintf("%.2fx with %d errors", p.Ratio, p.Result.Errors), "not met")
		default:
			add(name, t.wanted, fmt.Sprintf("%.2fx (%.0f/s vs %.0f/s)", p.Ratio, p.Result.Throughput, p.Floor.Throughput),
				status(p.Ratio >= min))
		}
	}
	for _, o := range r.Ops {
		p := o.at(tailConns)
		if p == nil {
			continue
		}
		name := fmt.Sprintf("p99 at %d conns, %s", tailConns, o.Name)
		m := fmt.Sprintf("%.1fx (%s vs %s)", p.P99Ratio, ms(p.Result.P99), ms(p.Floor.P99))
		if p.Result.Flagged() {
			add(name, "<= 3x floor p99", m+fmt.Sprintf(" with %d errors", p.Result.Errors), "not met")
			continue
		}
		add(name, "<= 3x floor p99", m, status(p.P99Ratio <= maxP99Ratio))
	}
	rss := TargetCheck{Target: fmt.Sprintf("RSS at %d pending authorizations", rssItems), Wanted: "<= 200 MB", Status: "not measured"}
	for _, m := range r.Memory {
		if !strings.HasPrefix(m.Kind, "pending") {
			continue
		}
		if m.Items >= rssItems && m.Created >= rssItems {
			rss.Measured = fmt.Sprintf("%s (peak %s, %s server)", mb(m.RSSAfter), mb(m.RSSPeak), m.Server)
			rss.Status = status(m.RSSAfter <= maxRSS && m.Errors == 0)
		} else if rss.Status == "not measured" {
			rss.Measured = fmt.Sprintf("only %d measured: %s (%+.0f B/item)", m.Created, mb(m.RSSAfter), m.RSSPerItem)
		}
	}
	r.Targets = append(r.Targets, rss)
	sc := TargetCheck{Target: fmt.Sprintf("refresh latency at %d tokens", scaleTo),
		Wanted: fmt.Sprintf("<= 1.5x that at %d", scaleFrom), Status: "not measured"}
	if from, to := r.scaleAt(scaleFrom), r.scaleAt(scaleTo); from != nil && to != nil {
		ok := true
		var parts []string
		for i, a := range from.Results {
			if i >= len(to.Results) {
				break
			}
			b := to.Results[i]
			x := float64(b.P50) / float64(max(a.P50, 1))
			parts = append(parts, fmt.Sprintf("p50 %.2fx at %d conns (%s vs %s)", x, a.Conns, ms(b.P50), ms(a.P50)))
			ok = ok && x <= maxScaleLatency && a.Errors == 0 && b.Errors == 0
		}
		sc.Measured, sc.Status = strings.Join(parts, "; "), status(ok)
	}
	r.Targets = append(r.Targets, sc)
	r.evaluateAssignments()
	r.attackTargets()
	r.costTarget()
}

// scaleAt returns the scale point that asked for n stored tokens.
func (r *Report) scaleAt(n int64) *ScalePoint {
	for i := range r.Scale {
		if r.Scale[i].Wanted == n {
			return &r.Scale[i]
		}
	}
	return nil
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteMarkdown writes the report as Markdown tables.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	r.mdHeader(&b)
	r.mdOps(&b)
	r.mdMemory(&b)
	r.mdScale(&b)
	r.mdAssignments(&b)
	r.mdAttacks(&b)
	r.mdCost(&b)
	r.mdTargets(&b)
	_, err := io.WriteString(w, b.String())
	return err
}

func (r *Report) mdHeader(b *strings.Builder) {
	m := r.Machine
	fmt.Fprintf(b, "Machine: %d CPUs (GOMAXPROCS %d), %s, %s RAM, Linux %s, %s, %s.\n", m.NumCPU, m.GOMAXPROCS, m.CPU,
		m.Memory, m.Kernel, m.Go, m.OS)
	fmt.Fprintf(b, "Load average (1, 5, 15 min): %s at the start, %s at the end.\n", m.LoadBefore, m.LoadAfter)
	if r.Disk.Writes > 0 {
		fmt.Fprintf(b, "Disk under the data directories: %.0f synced 4 KiB writes/s (%s ms each): the ceiling of one commit per request.\n",
			r.Disk.PerSec, ms(r.Disk.Latency))
	}
	fmt.Fprintf(b, "Store: %s with its defaults. Server: %s; floor: %s; load generator: this process, on the same cores.\n",
		r.Backend, r.Server, r.Floor)
	if r.Approvals != "" {
		fmt.Fprintf(b, "Approvals: %s.\n", r.Approvals)
	}
	fmt.Fprintf(b, "Each point: at most %s and %d operations, after %d warm-up operations per worker; started %s, took %.0f s.\n",
		r.Duration, r.Requests, r.Warmup, r.Started.Format(time.RFC3339), r.Seconds)
}

func (r *Report) mdOps(b *strings.Builder) {
	if len(r.Ops) > 0 {
		b.WriteString("\n### Throughput and latency, with the floor\n\n")
		b.WriteString("ops/s counts operations with an expected answer; errors are counted apart and flag their row. " +
			"CPU/op is the CPU time (user + system, from /proc) of the server's process over the point divided by its operations")
		if r.Server == "in-process" {
			b.WriteString(" (in process: the whole process, load generator included)")
		}
		b.WriteString(".\n\n")
		b.WriteString("| operation | conns | ops/s | floor req/s | x floor | p50 ms | p99 ms | max ms | floor p99 ms | p99 x floor | server CPU/op | floor CPU/req | errors |\n")
		b.WriteString("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
		for _, o := range r.Ops {
			if o.Skipped != "" {
				fmt.Fprintf(b, "| %s | | | | | | | | | | | | %s |\n", o.Name, o.Skipped)
				continue
			}
			for _, p := range o.Points {
				e := "0"
				if p.Result.Flagged() {
					e = fmt.Sprintf("**%d** (flagged)", p.Result.Errors)
				}
				if p.Floor.Flagged() {
					e += fmt.Sprintf(", floor **%d**", p.Floor.Errors)
				}
				fmt.Fprintf(b, "| %s | %d | %.0f | %.0f | %.2f | %s | %s | %s | %s | %.1f | %s | %s | %s |\n", o.Name, p.Conns,
					p.Result.Throughput, p.Floor.Throughput, p.Ratio, ms(p.Result.P50), ms(p.Result.P99), ms(p.Result.Max),
					ms(p.Floor.P99), p.P99Ratio, us(p.CPUPerOp()), us(p.FloorCPUPerOp()), e)
			}
		}
		b.WriteString("\n")
		for _, o := range r.Ops {
			if o.Skipped != "" || len(o.Points) == 0 {
				continue
			}
			p := o.Points[len(o.Points)-1]
			fmt.Fprintf(b, "- %s: %s; %s. Bodies: request %d B, response %d B (the floor's).", o.Name, o.What, o.Note,
				p.ReqBytes, p.RespBytes)
			if o.Store != nil {
				fmt.Fprintf(b, " Store afterwards: %s.", tables(*o.Store))
			}
			var splits []string
			for _, p := range o.Points {
				if len(p.Result.Outcomes) > 1 || p.Result.Outcomes[OK] == 0 {
					splits = append(splits, fmt.Sprintf("%d conns: %s", p.Conns, p.Result.OutcomeSplit()))
				}
			}
			if len(splits) > 0 {
				fmt.Fprintf(b, " Outcomes: %s.", strings.Join(splits, "; "))
			}
			for _, p := range o.Points {
				if p.Result.Flagged() {
					fmt.Fprintf(b, " Errors at %d conns: %v, e.g. %q.", p.Conns, sortedKeys(p.Result.ErrorTypes), p.Result.Samples[0])
				}
			}
			b.WriteString("\n")
		}
	}
}

func (r *Report) mdMemory(b *strings.Builder) {
	if len(r.Memory) > 0 {
		b.WriteString("\n### Memory and storage\n\n")
		b.WriteString("| records | created | in | RSS before | RSS at end of load | RSS after | RSS peak | RSS per item | store before | store after | store per item | errors |\n")
		b.WriteString("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
		for _, p := range r.Memory {
			fmt.Fprintf(b, "| %s | %d | %.0f s | %s | %s | %s | %s | %.0f B | %s | %s | %.0f B | %d |\n", p.Kind, p.Created, p.Seconds,
				mb(p.RSSBefore), mb(p.RSSLoaded), mb(p.RSSAfter), mb(p.RSSPeak), p.RSSPerItem, mb(p.StoreBefore.Bytes),
				mb(p.StoreAfter.Bytes), p.StorePerItem, p.Errors)
		}
		b.WriteString("\nRSS before and after are read with the server idle (after the settle time); RSS per item is their difference over the records created, so with a store on disk it is mostly noise from the Go heap.\n\n")
		for _, p := range r.Memory {
			fmt.Fprintf(b, "- %d %s (%s server, %d conns): store after %s", p.Created, p.Kind, p.Server, p.Conns,
				tables(p.StoreAfter))
			b.WriteString(".\n")
		}
	}
}

func (r *Report) mdScale(b *strings.Builder) {
	if len(r.Scale) > 0 {
		b.WriteString("\n### Refresh latency as stored tokens grow\n\n")
		b.WriteString("| refresh tokens stored | store | conns | refresh/s | p50 ms | p99 ms | max ms | p50 x first | p99 x first | errors |\n")
		b.WriteString("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
		first := r.Scale[0]
		for _, s := range r.Scale {
			for i, res := range s.Results {
				var x50, x99 float64
				if i < len(first.Results) {
					x50 = float64(res.P50) / float64(max(first.Results[i].P50, 1))
					x99 = float64(res.P99) / float64(max(first.Results[i].P99, 1))
				}
				fmt.Fprintf(b, "| %d | %s | %d | %.0f | %s | %s | %s | %.2f | %.2f | %d |\n", s.Tokens, mb(s.Store.Bytes),
					res.Conns, res.Throughput, ms(res.P50), ms(res.P99), ms(res.Max), x50, x99, res.Errors)
			}
		}
		fmt.Fprintf(b, "\nSeeded filler: %d refresh tokens per family (all used but the newest) and one access token per family.\n",
			SeedTokensPerFamily)
	}
}

func (r *Report) mdTargets(b *strings.Builder) {
	if len(r.Targets) > 0 {
		b.WriteString("\n### Targets of issue 9\n\n| target | wanted | measured | |\n|---|---|---|---|\n")
		for _, t := range r.Targets {
			fmt.Fprintf(b, "| %s | %s | %s | %s |\n", t.Target, t.Wanted, t.Measured, t.Status)
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(b, "\nNote: %s\n", n)
	}
}

func tables(s StoreSize) string {
	out := mb(s.Bytes)
	if s.Main > 0 {
		out += fmt.Sprintf(" logical (files: %s main, %s WAL)", mb(s.Main), mb(s.WAL))
	}
	if len(s.Tables) == 0 {
		return out
	}
	type kv struct {
		k string
		v int64
	}
	var all []kv
	for k, v := range s.Tables {
		all = append(all, kv{k, v})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].v > all[j].v })
	var parts []string
	for _, e := range all {
		if e.v >= 64<<10 {
			parts = append(parts, fmt.Sprintf("%s %s", e.k, mb(e.v)))
		}
	}
	if len(parts) > 0 {
		out += "; by table with its indexes: " + strings.Join(parts, ", ")
	}
	return out
}

func sortedKeys(m map[string]uint64) []string {
	var out []string
	for k, v := range m {
		out = append(out, fmt.Sprintf("%s x%d", k, v))
	}
	sort.Strings(out)
	return out
}

// ms formats a duration in milliseconds.
func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

// us formats a duration in microseconds.
func us(d time.Duration) string {
	return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond))
}

// mb formats bytes in megabytes (10^6).
func mb(n int64) string {
	if n < 10e6 {
		return fmt.Sprintf("%.2f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%.0f MB", float64(n)/1e6)
}
