package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

// Options configure a run.
type Options struct {
	// Backend is the store the server runs on (ignored with URL).
	Backend *Backend
	// Exe is the ssooidc binary. When set (and InProcess is false) the
	// server and the floor run as child processes; otherwise both run in
	// this process.
	Exe       string
	InProcess bool
	// Decide approves device codes by calling the device service instead
	// of through the web pages (in-process servers only).
	Decide bool
	// URL targets a running server instead of starting one; StartURL,
	// User and Password go with it.
	URL, StartURL, User, Password string

	Ops      []string      // operation keys; nil means DefaultOps, empty none
	Conns    []int         // concurrency of each point
	Duration time.Duration // bound of each point
	Requests int           // bound of each point
	Warmup   int           // operations per worker before each point
	Pool     int           // pending codes polled round-robin

	Memory []int // items per memory point; nil: no memory section
	// MemoryKinds are the records the memory section creates: "pending",
	// "families"; nil means both.
	MemoryKinds   []string
	MemoryConns   int
	MemoryTimeout time.Duration
	// MemorySettle is how long the server idles before each RSS reading,
	// so that both readings find it in the same state; 0 means 2 s, a
	// negative value none.
	MemorySettle time.Duration

	Scale      []int64 // stored refresh tokens per scale point; nil: none
	ScaleConns []int
	// AssignmentScale are the assignments stored at each point of the
	// assignment scale section (assignments.go); nil: none. Its points
	// run at ScaleConns.
	AssignmentScale []int

	// Progress receives one line per step; nil discards them.
	Progress io.Writer
	// TempDir holds the servers' data directories; "" means os.TempDir.
	TempDir string
}

func (o *Options) defaults() {
	if o.Ops == nil {
		o.Ops = DefaultOps
	}
	if len(o.Conns) == 0 {
		o.Conns = []int{1, 8, 64}
	}
	if o.Duration <= 0 {
		o.Duration = 5 * time.Second
	}
	if o.Requests <= 0 {
		o.Requests = 200000
	}
	if o.Warmup < 0 {
		o.Warmup = 0
	}
	if o.Pool <= 0 {
		o.Pool = 30000
	}
	if o.MemoryConns <= 0 {
		o.MemoryConns = 64
	}
	if o.MemoryTimeout <= 0 {
		o.MemoryTimeout = time.Hour
	}
	if o.MemorySettle == 0 {
		o.MemorySettle = 2 * time.Second
	}
	if len(o.ScaleConns) == 0 {
		o.ScaleConns = []int{1, 8}
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
}

func (o *Options) point(conns int) LoadConfig {
	return LoadConfig{Conns: conns, Requests: o.Requests, Duration: o.Duration, Warmup: o.Warmup}
}

func (o *Options) progress(format string, args ...any) {
	fmt.Fprintf(o.Progress, format+"\n", args...)
}

// setupTimeout bounds the preparation of one operation (registrations,
// pools of codes).
const setupTimeout = 10 * time.Minute

func (o *Options) child() bool { return o.Exe != "" && !o.InProcess && o.URL == "" }

// Run measures what o asks for and returns the report.
func Run(ctx context.Context, o Options) (*Report, error) {
	o.defaults()
	if o.URL == "" && o.Backend == nil {
		return nil, errors.New("bench: no backend and no URL")
	}
	for _, k := range o.Ops {
		_, op := LookupOp(k)
		if _, attack := lookupAttack(k); !op && !attack {
			return nil, fmt.Errorf("bench: unknown operation %q", k)
		}
	}
	for _, k := range o.MemoryKinds {
		if !slices.ContainsFunc(memoryKinds, func(m memoryKind) bool { return m.key == k }) {
			return nil, fmt.Errorf("bench: unknown memory record kind %q (pending, families)", k)
		}
	}
	rep := newReport(&o)
	t0 := time.Now()
	defer func() {
		rep.Seconds = time.Since(t0).Seconds()
		rep.Machine.LoadAfter = loadAvg()
	}()

	var err error
	if o.URL == "" {
		if rep.Disk, err = MeasureDiskSync(o.TempDir, time.Second, 5000); err != nil {
			return rep, err
		}
	}
	var floor *Floor
	if o.child() {
		floor, err = StartFloorChild(ctx, o.Exe)
	} else {
		floor, err = StartFloor()
	}
	if err != nil {
		return rep, err
	}
	defer floor.Close()
	rep.Floor = floor.Mode

	for _, key := range o.Ops {
		if a, ok := lookupAttack(key); ok {
			if err := runAttack(ctx, &o, rep, a); err != nil {
				return rep, fmt.Errorf("%s: %w", a.Name, err)
			}
			continue
		}
		op, _ := LookupOp(key)
		if err := runOp(ctx, &o, rep, op, floor); err != nil {
			return rep, fmt.Errorf("%s: %w", op.Name, err)
		}
	}
	for _, items := range o.Memory {
		if o.URL != "" {
			rep.Notes = append(rep.Notes, "memory: skipped, the server is not ours (--url)")
			break
		}
		for kind, k := range memoryKinds {
			if o.MemoryKinds != nil && !slices.Contains(o.MemoryKinds, k.key) {
				continue
			}
			if err := runMemory(ctx, &o, rep, kind, items); err != nil {
				return rep, fmt.Errorf("memory: %w", err)
			}
		}
	}
	if len(o.Scale) > 0 {
		if err := runScale(ctx, &o, rep); err != nil {
			return rep, fmt.Errorf("scale: %w", err)
		}
	}
	if len(o.AssignmentScale) > 0 {
		if err := runAssignmentScale(ctx, &o, rep); err != nil {
			return rep, fmt.Errorf("assignments: %w", err)
		}
	}
	rep.evaluate()
	return rep, nil
}

// startTarget starts a fresh server on a new data directory (or attaches
// to the URL) and returns it with a function that removes it.
func startTarget(ctx context.Context, o *Options, dir string) (*Target, error) {
	return startTargetWith(ctx, o, dir, Extra{})
}

// startTargetWith is startTarget with what extra adds to a server the run
// starts.
func startTargetWith(ctx context.Context, o *Options, dir string, extra Extra) (*Target, error) {
	switch {
	case o.URL != "":
		return AttachURL(ctx, o.URL, o.StartURL, o.User, o.Password)
	case o.child():
		return StartChild(ctx, o.Exe, o.Backend, dir, extra)
	default:
		return StartInProcess(ctx, o.Backend, dir, o.Decide, extra)
	}
}

func (o *Options) tempDir(what string) (string, error) {
	return os.MkdirTemp(o.TempDir, "ssooidc-bench-"+what+"-")
}

// removeDir removes a data directory and what the backend kept for it
// elsewhere.
func (o *Options) removeDir(dir string) {
	if o.Backend != nil && o.Backend.Drop != nil && o.URL == "" {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		if err := o.Backend.Drop(ctx, dir); err != nil {
			o.progress("removing the store of %s: %v", dir, err)
		}
		cancel()
	}
	os.RemoveAll(dir)
}

func runOp(ctx context.Context, o *Options, rep *Report, op Op, floor *Floor) error {
	row := OpReport{Key: op.Key, Name: op.Name, What: op.What, PerOp: op.PerOp}
	if op.Missing != "" {
		row.Skipped = op.Missing
		rep.Ops = append(rep.Ops, row)
		o.progress("%s: %s", op.Name, op.Missing)
		return nil
	}
	dir, err := o.tempDir(op.Key)
	if err != nil {
		return err
	}
	defer o.removeDir(dir)
	t, err := startTarget(ctx, o, dir)
	if err != nil {
		return err
	}
	defer t.Close()
	rep.Server = t.Mode
	if op.Approves && t.Approver == nil {
		row.Skipped = "needs approvals: give --user and --password of a user of the server"
		rep.Ops = append(rep.Ops, row)
		return nil
	}
	if op.Approves {
		rep.Approvals = t.Approver.How()
	}
	o.progress("%s: preparing", op.Name)
	sctx, cancel := context.WithTimeout(ctx, setupTimeout)
	d, err := op.setup(sctx, &env{t: t, hc: setupClient(), pool: o.Pool})
	cancel()
	var skip errSkip
	if errors.As(err, &skip) {
		row.Skipped = string(skip)
		rep.Ops = append(rep.Ops, row)
		o.progress("  skipped: %s", skip)
		return nil
	}
	if err != nil {
		return fmt.Errorf("preparing: %w\nserver log:\n%s", err, t.Logs())
	}
	row.Note = d.note()
	for _, n := range o.Conns {
		cfg := o.point(n)
		if l, ok := d.(limiter); ok {
			sctx, cancel := context.WithTimeout(ctx, setupTimeout)
			limit, err := l.refill(sctx)
			cancel()
			if err != nil {
				return fmt.Errorf("refilling before %d conns: %w\nserver log:\n%s", n, err, t.Logs())
			}
			// Warm-up operations come out of the same pool.
			cfg.Requests = min(cfg.Requests, max(limit-n*cfg.Warmup, 1))
		}
		var r Result
		cpu, err := cpuOf(t.PID, func() (err error) { r, err = Load(ctx, cfg, d.worker); return })
		if err != nil {
			return err
		}
		req, resp := d.sizes()
		if resp == 0 {
			return fmt.Errorf("%d conns: no expected answer to size the floor after: %v\nserver log:\n%s", n, r.Samples, t.Logs())
		}
		var f Result
		fcpu, err := cpuOf(floor.PID, func() (err error) {
			f, err = Load(ctx, cfg, newFloorDriver(floor.URL, req, resp).worker)
			return
		})
		if err != nil {
			return err
		}
		p := Point{Conns: n, ReqBytes: req, RespBytes: resp, Result: r, Floor: f, ServerCPU: cpu, FloorCPU: fcpu}
		p.ratios()
		row.Points = append(row.Points, p)
		flag := ""
		if r.Flagged() {
			flag = fmt.Sprintf("  ERRORS %d: %v", r.Errors, r.ErrorTypes)
		}
		o.progress("  %s %d conns: %.0f/s (floor %.0f/s, %.2fx) p50 %s p99 %s (floor p99 %s) server CPU %s/op%s", op.Name, n,
			r.Throughput, f.Throughput, p.Ratio, ms(r.P50), ms(r.P99), ms(f.P99), us(p.CPUPerOp()), flag)
	}
	if sz, ok, err := t.Size(ctx); err == nil && ok {
		row.Store = &sz
	}
	rep.Ops = append(rep.Ops, row)
	return nil
}

func runMemory(ctx context.Context, o *Options, rep *Report, kind, items int) error {
	dir, err := o.tempDir("memory")
	if err != nil {
		return err
	}
	defer o.removeDir(dir)
	t, err := startTarget(ctx, o, dir)
	if err != nil {
		return err
	}
	defer t.Close()
	rep.Server = t.Mode
	o.progress("memory: creating %d %s (%s server)", items, memoryKinds[kind].kind, t.Mode)
	p, err := measureMemory(ctx, o, t, kind, items)
	if err != nil {
		return fmt.Errorf("%w\nserver log:\n%s", err, t.Logs())
	}
	o.progress("  %d created in %.0f s: RSS %s -> %s (%.0f B/item), store %s -> %s (%.0f B/item)", p.Created, p.Seconds,
		mb(p.RSSBefore), mb(p.RSSAfter), p.RSSPerItem, mb(p.StoreBefore.Bytes), mb(p.StoreAfter.Bytes), p.StorePerItem)
	rep.Memory = append(rep.Memory, p)
	return nil
}

func runScale(ctx context.Context, o *Options, rep *Report) error {
	if o.URL != "" {
		rep.Notes = append(rep.Notes, "scale: skipped, the server is not ours (--url)")
		return nil
	}
	if o.Backend.Seed == nil {
		rep.Notes = append(rep.Notes, "scale: skipped, the "+o.Backend.Name+" backend has no seeder")
		return nil
	}
	dir, err := o.tempDir("scale")
	if err != nil {
		return err
	}
	defer o.removeDir(dir)
	points := slices.Clone(o.Scale)
	slices.Sort(points)
	for _, n := range points {
		o.progress("scale: seeding up to %d refresh tokens", n)
		t0 := time.Now()
		have, err := o.Backend.Seed(ctx, dir, n, func(s string) { o.progress("  %s", s) })
		if err != nil {
			return err
		}
		seed := time.Since(t0)
		t, err := startTarget(ctx, o, dir)
		if err != nil {
			return err
		}
		rep.Server = t.Mode
		p, err := measureScale(ctx, o, t, n, have, seed)
		cerr := t.Close()
		if err != nil {
			return fmt.Errorf("%w\nserver log:\n%s", err, t.Logs())
		}
		if cerr != nil {
			return cerr
		}
		rep.Scale = append(rep.Scale, p)
	}
	return nil
}

// machine describes where the run happened.
func machine() Machine {
	m := Machine{NumCPU: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), Go: runtime.Version(),
		OS: runtime.GOOS + "/" + runtime.GOARCH}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		if line, _, ok := strings.Cut(string(b), "\n"); ok {
			m.Memory = strings.Join(strings.Fields(strings.TrimPrefix(line, "MemTotal:")), " ")
		}
	}
	m.LoadBefore = loadAvg()
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	return m
}

// loadAvg returns the 1, 5 and 15 minute load averages, as /proc/loadavg
// says them: other work on the machine shows here.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// cpuOf runs f and returns the CPU time process pid used meanwhile (0
// when pid is 0 or /proc cannot tell).
func cpuOf(pid int, f func() error) (time.Duration, error) {
	if pid == 0 {
		return 0, f()
	}
	before, err1 := ProcCPU(pid)
	err := f()
	after, err2 := ProcCPU(pid)
	if err1 != nil || err2 != nil {
		return 0, err
	}
	return after - before, err
}
