package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/ssooidc/ssooidc/internal/bench"
)

const benchUsage = `Usage: ssooidc bench [flags]

Measures throughput and p50/p99/max latency of each operation at each
concurrency against a bare net/http floor measured in the same run, the
server's memory and the store's size per pending authorization and per
token family, and refresh latency as stored tokens grow. It starts its own
server on a temporary data directory (a child "ssooidc serve") unless --url
is given. Progress goes to stderr; the report (Markdown, or JSON with
--json) to stdout. See BENCHMARKS.md.

Operations (--ops): %s

Flags:
`

// benchArgs is what the command line of "ssooidc bench" says beyond the
// harness's options.
type benchArgs struct {
	cpuprofile string // file for a CPU profile of this process
	out        string // file for the JSON report
	json       bool   // JSON on stdout instead of Markdown
}

// cmdBench is "ssooidc bench".
func cmdBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 2 && args[0] == bench.FloorFlag {
		// The harness runs the floor as a child process of its own.
		l, err := net.Listen("tcp", args[1])
		if err != nil {
			return err
		}
		return bench.ServeFloor(ctx, l)
	}
	o, a, err := parseBench(args, stderr)
	if err != nil || o == nil {
		return err
	}
	o.Progress = stderr
	if a.cpuprofile != "" {
		f, err := os.Create(a.cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	rep, err := bench.Run(ctx, *o)
	if rep == nil {
		return err
	}
	if a.out != "" {
		f, ferr := os.Create(a.out)
		if ferr == nil {
			ferr = errors.Join(rep.WriteJSON(f), f.Close())
		}
		err = errors.Join(err, ferr)
	}
	if a.json {
		return errors.Join(err, rep.WriteJSON(stdout))
	}
	return errors.Join(err, rep.WriteMarkdown(stdout))
}

// parseBench parses the flags; it returns nil options after -h.
func parseBench(args []string, stderr io.Writer) (*bench.Options, benchArgs, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var keys []string
	for _, op := range bench.Ops {
		k := op.Key
		if op.Missing != "" {
			k += " (not measured yet)"
		}
		keys = append(keys, k)
	}
	for _, a := range bench.Attacks {
		keys = append(keys, a.Key+" (abuse, issue 13; not run by default)")
	}
	fs.Usage = func() {
		fmt.Fprintf(stderr, benchUsage, strings.Join(keys, ", "))
		fs.PrintDefaults()
	}
	var (
		o                                   bench.Options
		a                                   benchArgs
		store, database, ops, conns, memory string
		memoryKinds, scale, scaleConns      string
		assignments                         string
	)
	fs.StringVar(&o.URL, "url", "", "benchmark the server at this URL instead of starting one")
	fs.StringVar(&o.StartURL, "start-url", "", "with --url: a start URL the server serves (default the server's default)")
	fs.StringVar(&o.User, "user", "", "with --url: a user of the server, to approve device codes through its pages (password in $SSOOIDC_BENCH_PASSWORD)")
	fs.StringVar(&store, "store", "sqlite", "the store the started server runs on: sqlite or postgres")
	fs.StringVar(&database, "database", "", "with --store postgres: the PostgreSQL DSN (each server gets a fresh schema)")
	fs.StringVar(&ops, "ops", strings.Join(bench.DefaultOps, ","), "operations to measure, comma-separated, or none")
	fs.StringVar(&conns, "conns", "1,8,64", "concurrency of each point (workers, one keep-alive connection each)")
	fs.DurationVar(&o.Duration, "duration", 5*time.Second, "upper bound of the time of each point")
	fs.IntVar(&o.Requests, "requests", 200000, "upper bound of the operations of each point")
	fs.IntVar(&o.Warmup, "warmup", 20, "operations per worker before each point, not measured")
	fs.IntVar(&o.Pool, "pool", 30000, "pending device codes the pending operation polls round-robin (all polls are pending below this many per second)")
	fs.StringVar(&memory, "memory", "10000", "records per memory point, comma-separated; empty: none")
	fs.StringVar(&memoryKinds, "memory-kinds", "pending,families", "records the memory section creates: pending, families")
	fs.IntVar(&o.MemoryConns, "memory-conns", 64, "connections that create the memory section's records")
	fs.DurationVar(&o.MemoryTimeout, "memory-timeout", time.Hour, "upper bound of the time to create one memory point's records")
	fs.StringVar(&scale, "scale", "", "stored refresh tokens per scale point, comma-separated (e.g. 10000,1000000,10000000); empty: none")
	fs.StringVar(&scaleConns, "scale-conns", "1,8", "concurrency of the scale points")
	fs.StringVar(&assignments, "assignments", "", "assignments stored per point of the assignment scale section "+
		"(ListAccountAssignmentsForPrincipal and the portal's ListAccounts), comma-separated (e.g. 100,1000,10000,100000); empty: none")
	fs.BoolVar(&o.InProcess, "inproc", false, "run the server and the floor in this process instead of child processes")
	fs.BoolVar(&o.Decide, "decide", false, "with --inproc: approve by calling the device service instead of through the web pages")
	fs.StringVar(&o.TempDir, "tmp", "", "directory for the servers' data directories (default $TMPDIR)")
	fs.StringVar(&a.cpuprofile, "cpuprofile", "", "write a CPU profile of this process to the file (with --inproc it includes the server)")
	fs.BoolVar(&a.json, "json", false, "print the report as JSON")
	fs.StringVar(&a.out, "out", "", "also write the report as JSON to this file")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, a, nil
		}
		return nil, a, usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return nil, a, usagef("bench takes no arguments, got %q", fs.Arg(0))
	}
	if o.Ops = splitList(ops); ops == "none" {
		o.Ops = []string{}
	}
	o.MemoryKinds = splitList(memoryKinds)
	var err error
	if o.Conns, err = intList("--conns", conns); err != nil {
		return nil, a, err
	}
	if o.Memory, err = intList("--memory", memory); err != nil {
		return nil, a, err
	}
	if o.ScaleConns, err = intList("--scale-conns", scaleConns); err != nil {
		return nil, a, err
	}
	sc, err := intList("--scale", scale)
	if err != nil {
		return nil, a, err
	}
	for _, n := range sc {
		o.Scale = append(o.Scale, int64(n))
	}
	if o.AssignmentScale, err = intList("--assignments", assignments); err != nil {
		return nil, a, err
	}
	if o.User != "" {
		o.Password = os.Getenv("SSOOIDC_BENCH_PASSWORD")
	}
	if o.Decide && !o.InProcess {
		return nil, a, usagef("--decide needs --inproc")
	}
	if o.URL != "" {
		return &o, a, nil
	}
	switch store {
	case "sqlite":
		o.Backend = bench.SQLite()
	case "postgres":
		if database == "" {
			return nil, a, usagef("--store postgres needs --database DSN")
		}
		o.Backend = bench.Postgres(database)
	default:
		return nil, a, usagef("--store must be sqlite or postgres, not %q", store)
	}
	if !o.InProcess {
		if o.Exe, err = os.Executable(); err != nil {
			return nil, a, err
		}
	}
	return &o, a, nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func intList(flagName, s string) ([]int, error) {
	var out []int
	for _, f := range splitList(s) {
		n, err := strconv.Atoi(strings.ReplaceAll(f, "_", ""))
		if err != nil || n < 1 {
			return nil, usagef("%s: %q is not a positive number", flagName, f)
		}
		out = append(out, n)
	}
	return out, nil
}
