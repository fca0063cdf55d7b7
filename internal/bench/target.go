package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"golang.org/x/crypto/bcrypt"

	"github.com/ssooidc/ssooidc/internal/identity"
	"github.com/ssooidc/ssooidc/internal/logbuf"
	"github.com/ssooidc/ssooidc/internal/rolecreds"
	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// Backend is a store implementation the harness can run the server on.
// cmd/ssooidc picks it; the harness never changes its settings.
type Backend struct {
	// Name is what reports call it: "sqlite", "postgres".
	Name string
	// Open opens the store kept in dir for a server in this process,
	// creating it when dir is new.
	Open func(ctx context.Context, dir string) (server.Store, error)
	// ServeArgs are the arguments after "ssooidc serve" that make a child
	// process use the store kept in dir; nil when the backend cannot run
	// in a child.
	ServeArgs func(dir string) []string
	// ServeConfig, when set, is YAML the child's config file adds for the
	// store kept in dir (a "postgres:" section).
	ServeConfig func(dir string) string
	// Size returns how many bytes the store kept in dir takes.
	Size func(ctx context.Context, dir string) (StoreSize, error)
	// Seed, when set, bulk-inserts filler token families into the store
	// kept in dir (no server has it open) until it holds at least tokens
	// refresh tokens, and returns how many it holds.
	Seed func(ctx context.Context, dir string, tokens int64, progress func(string)) (int64, error)
	// Drop, when set, removes what the store kept for dir outside dir (a
	// PostgreSQL schema).
	Drop func(ctx context.Context, dir string) error
}

// StoreSize is what a store takes on disk.
type StoreSize struct {
	Bytes  int64            `json:"bytes"`            // everything
	Main   int64            `json:"main,omitempty"`   // SQLite: the database file
	WAL    int64            `json:"wal,omitempty"`    // SQLite: the write-ahead log
	Tables map[string]int64 `json:"tables,omitempty"` // per table and its indexes, when known
}

// Target is a running server under test.
type Target struct {
	URL      string
	StartURL string
	// Mode says where the server runs: "in-process", "child process" or
	// "url".
	Mode string
	// PID is the process the server runs in (this one in process); 0 for
	// a URL.
	PID int
	// Approver approves device codes; nil when the harness cannot (a URL
	// without --user).
	Approver Approver
	// Portal is true when the server serves the portal with the bench
	// directory of access (portalAccount, portalRole, the bench user).
	Portal bool
	// IAM is true when the server has the bench application of
	// CreateTokenWithIAM (iamApp) and trusts the harness's IAM caller
	// (iamCaller) for it.
	IAM bool
	// Dir is the data directory, "" for a URL.
	Dir     string
	backend *Backend
	logs    *tail
	closeFn func() error
}

// Close stops the server (not a URL's) and releases what it holds.
func (t *Target) Close() error {
	if t.closeFn == nil {
		return nil
	}
	f := t.closeFn
	t.closeFn = nil
	return f()
}

// Logs returns the end of what the server logged.
func (t *Target) Logs() string {
	if t.logs == nil {
		return ""
	}
	return t.logs.String()
}

// Size returns the store's size, if the backend can tell.
func (t *Target) Size(ctx context.Context) (StoreSize, bool, error) {
	if t.backend == nil || t.backend.Size == nil || t.Dir == "" {
		return StoreSize{}, false, nil
	}
	s, err := t.backend.Size(ctx, t.Dir)
	return s, err == nil, err
}

// benchUser is the user the harness creates to approve device codes, and
// benchGroup the group every approving bench user is in.
const (
	benchUser  = "bench"
	benchGroup = "bench"
)

var (
	benchOnce           sync.Once
	benchPass, benchPHC string
)

// benchPassword returns the bench user's password and its hash, made once
// per process. The hash is bcrypt at its lowest cost, which the user
// directory accepts: signing the harness in once per server is then not
// worth a 100 ms argon2id, and it is never part of a measurement.
func benchPassword() (password, hash string) {
	benchOnce.Do(func() {
		benchPass = sso.RandomSecret()
		h, err := bcrypt.GenerateFromPassword([]byte(benchPass), bcrypt.MinCost)
		if err != nil {
			panic(err)
		}
		benchPHC = string(h)
	})
	return benchPass, benchPHC
}

// Extra is what a run adds to the servers it starts beyond the bench
// directory: more users, trusted proxies, limits. The zero value adds
// nothing.
type Extra struct {
	// Users are created with their passwords hashed by the server
	// (argon2id with the parameters new passwords get).
	Users map[string]string
	// RegistrationLimit keeps RegisterClient's per-address limit. The
	// throughput points register from one address far past it, so by
	// default the bench's servers run without it.
	RegistrationLimit bool
	// HashMemoryMiB, when not zero, is the server's password-hashing
	// memory budget (limits.hash_memory_mib).
	HashMemoryMiB int
	// Instrument, when set, turns the metrics on in an in-process
	// server's configuration (cmd/ssooidc sets it: the harness does not
	// import Prometheus); AccessLog turns the info access log on, NoAudit
	// the audit trail off. The cost measurement (cost.go) compares
	// servers with and without them.
	Instrument func(*server.Config)
	AccessLog  bool
	NoAudit    bool
	// LogFile, when set, receives an in-process server's log lines, as a
	// log file or journald does in production (one write per line).
	LogFile string
}

// yaml is what e adds to a child's config file right after its users:
// list: more entries of that list, then keys of their own.
func (e Extra) yaml() string {
	var b strings.Builder
	for _, name := range sortedNames(e.Users) {
		fmt.Fprintf(&b, "  - {name: %s, password: %q}\n", name, e.Users[name])
	}
	b.WriteString("limits:\n")
	if !e.RegistrationLimit {
		b.WriteString("  registrations_per_address: -1\n")
	}
	if e.HashMemoryMiB != 0 {
		fmt.Fprintf(&b, "  hash_memory_mib: %d\n", e.HashMemoryMiB)
	}
	return b.String()
}

// config applies e to an in-process server's configuration.
func (e Extra) config(cfg *server.Config) error {
	cfg.TrustedProxies = append(cfg.TrustedProxies, netip.MustParsePrefix(loopbackProxy))
	if !e.RegistrationLimit {
		cfg.RegistrationsPerAddress = -1
	}
	cfg.HashMemory = int64(e.HashMemoryMiB) << 20
	if e.Instrument != nil {
		e.Instrument(cfg)
	}
	cfg.NoAudit = e.NoAudit
	cfg.AccessLog = e.AccessLog
	return nil
}

// sortedNames returns the keys of m in order.
func sortedNames[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

// StartInProcess runs a server on the store kept in dir, in this process,
// on a loopback listener, assembled as "ssooidc serve" assembles it. When
// decide is true codes are approved by calling Devices().Decide, otherwise
// through the web pages.
func StartInProcess(ctx context.Context, b *Backend, dir string, decide bool, extra Extra) (*Target, error) {
	store, err := b.Open(ctx, dir)
	if err != nil {
		return nil, fmt.Errorf("opening the %s store: %w", b.Name, err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		store.Close()
		return nil, err
	}
	u := "http://" + l.Addr().String()
	logs := newTail(32 << 10)
	var out io.Writer = logs
	var logFile *os.File
	var fileLog *logbuf.Writer
	if extra.LogFile != "" {
		if logFile, err = os.Create(extra.LogFile); err != nil {
			l.Close()
			store.Close()
			return nil, err
		}
		// Batched as serve batches its log (internal/logbuf).
		fileLog = logbuf.New(logFile, logbuf.DefaultDelay)
		out = io.MultiWriter(fileLog, logs)
	}
	// The level serve runs at by default: a request that succeeds logs
	// nothing, as in production.
	log := slog.New(slog.NewJSONHandler(out, &slog.HandlerOptions{Level: slog.LevelInfo}))
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	password, hash := benchPassword()
	sts, err := startBenchSTS()
	if err != nil {
		cancel()
		l.Close()
		store.Close()
		return nil, err
	}
	cfg := server.Config{Addr: l.Addr().String(), PublicURL: u,
		Issuer: rolecreds.New(rolecreds.Config{STSEndpoint: sts.URL,
			Credentials: credentials.NewStaticCredentialsProvider(stsAccessKey, stsSecretKey, ""),
			Static: map[string]rolecreds.Static{
				portalAccount: {AccessKeyID: "AKIABENCHBENCHBENCH0", SecretAccessKey: sso.RandomSecret(), SessionToken: "bench"}}}),
		Directory: server.Directory{
			Users: []identity.UserSpec{{Name: benchUser, Password: hash, Groups: []string{benchGroup}}},
			Accounts: []sso.Account{{ID: portalAccount, Name: "bench", Source: sso.SourceStatic},
				{ID: stsAccount, Name: "bench-sts", Source: sso.SourceSTS}},
			PermissionSets: []sso.PermissionSet{{Name: portalRole, SessionDuration: time.Hour}},
			// Every approving bench user is in the group (approve.go).
			Assignments: []server.AssignmentDecl{{AccountID: portalAccount, PermissionSet: portalRole, Group: benchGroup},
				{AccountID: stsAccount, PermissionSet: portalRole, Group: benchGroup}},
		},
		IAM: iamServerConfig()}
	if err := extra.config(&cfg); err != nil {
		cancel()
		l.Close()
		store.Close()
		closeFile(logFile)
		sts.Close()
		return nil, err
	}
	srv, err := server.New(sctx, store, cfg, log)
	if err != nil {
		cancel()
		l.Close()
		store.Close()
		closeFile(logFile)
		sts.Close()
		return nil, err
	}
	user, err := srv.People().GetUserByName(ctx, benchUser)
	for _, name := range approverUsers()[1:] {
		if err == nil {
			_, err = srv.Identity().UpsertUser(ctx, identity.UserSpec{Name: name, Password: hash, Groups: []string{benchGroup}})
		}
	}
	for _, name := range sortedNames(extra.Users) {
		if err == nil {
			_, err = srv.Identity().UpsertUser(ctx, identity.UserSpec{Name: name, Password: extra.Users[name]})
		}
	}
	if err != nil {
		cancel()
		l.Close()
		store.Close()
		closeFile(logFile)
		sts.Close()
		return nil, fmt.Errorf("creating the bench users: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(sctx, l) }()
	t := &Target{URL: u, StartURL: srv.Config().StartURLs[0], Mode: "in-process", PID: os.Getpid(), Dir: dir,
		backend: b, logs: logs, Portal: true, IAM: true}
	t.closeFn = func() error {
		cancel()
		err := <-done
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		err = errors.Join(err, store.Close(), sts.Close())
		if logFile != nil {
			err = errors.Join(err, fileLog.Close(), logFile.Close())
		}
		return err
	}
	if decide {
		t.Approver = &decideApprover{srv: srv, userID: user.ID}
	} else {
		a, err := signInMany(ctx, u, approverUsers(), password)
		if err != nil {
			t.Close()
			return nil, err
		}
		t.Approver = a
	}
	return t, nil
}

// portalYAML declares in the child's config file the directory of access
// the in-process server gets in its Config: one account with static
// credentials and one whose credentials come from the harness's STS
// endpoint at stsURL, one permission set, assigned to the bench group.
func portalYAML(stsURL string) string {
	return `portal:
  sts:
    endpoint: ` + stsURL + `
    region: us-east-1
    access_key_id: ` + stsAccessKey + `
    secret_access_key: ` + stsSecretKey + `
  accounts:
    - id: "` + portalAccount + `"
      name: bench
      source: static
      static:
        access_key_id: AKIABENCHBENCHBENCH0
        secret_access_key: bench-secret-access-key-not-a-secret
        session_token: bench
    - {id: "` + stsAccount + `", name: bench-sts, source: sts}
  permission_sets:
    - name: ` + portalRole + `
      session_duration: 1h
  assignments:
    - account: "` + portalAccount + `"
      permission_set: ` + portalRole + `
      group: ` + benchGroup + `
    - {account: "` + stsAccount + `", permission_set: ` + portalRole + `, group: ` + benchGroup + `}
`
}

// StartChild runs "exe serve" on the store kept in dir as a child process
// on a free loopback port, with a config file that declares the bench user,
// the portal's directory of access and the CreateTokenWithIAM application
// with its caller, and approves codes through the web pages.
func StartChild(ctx context.Context, exe string, b *Backend, dir string, extra Extra) (*Target, error) {
	if b.ServeArgs == nil {
		return nil, fmt.Errorf("the %s backend cannot run in a child process; use the in-process server", b.Name)
	}
	addr, err := freePort()
	if err != nil {
		return nil, err
	}
	password, hash := benchPassword()
	cfg := filepath.Join(dir, "bench-serve.yaml")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	sts, err := startBenchSTS()
	if err != nil {
		return nil, err
	}
	started := false
	defer func() {
		if !started {
			sts.Close()
		}
	}()
	yaml := "trusted_proxies: [" + loopbackProxy + "]\nusers:\n"
	for _, name := range approverUsers() {
		yaml += "  - name: " + name + "\n    password_hash: '" + hash + "'\n    groups: [" + benchGroup + "]\n"
	}
	yaml += extra.yaml() + portalYAML(sts.URL) + iamYAML()
	if b.ServeConfig != nil {
		yaml += b.ServeConfig(dir)
	}
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		return nil, err
	}
	args := append([]string{"serve"}, b.ServeArgs(dir)...)
	args = append(args, "--config", cfg, "--addr", addr, "--log-format", "json", "--log-level", "info")
	logs := newTail(32 << 10)
	cmd := exec.Command(exe, args...)
	cmd.Stdout, cmd.Stderr = logs, logs
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s serve: %w", exe, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	u := "http://" + addr
	t := &Target{URL: u, StartURL: server.DefaultStartURL, Mode: "child process", PID: cmd.Process.Pid, Dir: dir,
		backend: b, logs: logs, Portal: true, IAM: true}
	started = true
	t.closeFn = func() error { return errors.Join(stopChild(cmd, exited), sts.Close()) }
	if err := waitHealthy(ctx, u, exited); err != nil {
		t.Close()
		return nil, fmt.Errorf("%w\nserver output:\n%s", err, logs.String())
	}
	a, err := signInMany(ctx, u, approverUsers(), password)
	if err != nil {
		t.Close()
		return nil, err
	}
	t.Approver = a
	return t, nil
}

// AttachURL uses a server that is already running. With a user and
// password the harness can approve codes through its web pages; without,
// operations that need an approval are skipped.
func AttachURL(ctx context.Context, u, startURL, user, password string) (*Target, error) {
	u = strings.TrimRight(u, "/")
	if startURL == "" {
		startURL = server.DefaultStartURL
	}
	t := &Target{URL: u, StartURL: startURL, Mode: "url"}
	if err := waitHealthy(ctx, u, nil); err != nil {
		return nil, err
	}
	if user != "" {
		a, err := signIn(ctx, u, user, password)
		if err != nil {
			return nil, err
		}
		t.Approver = a
	}
	return t, nil
}

func stopChild(cmd *exec.Cmd, exited chan error) error {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return nil // a signal-terminated or failing exit after SIGTERM
		}
		return err
	case <-time.After(15 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
		return errors.New("the server did not stop within 15 s of SIGTERM; killed it")
	}
}

// freePort returns a loopback address with a port that was free a moment
// ago.
func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := l.Addr().String()
	return addr, l.Close()
}

// waitHealthy polls GET /healthz until it answers 200, for up to 30 s.
func waitHealthy(ctx context.Context, u string, exited chan error) error {
	hc := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u+"/healthz", nil)
		resp, err := hc.Do(req)
		if err == nil {
			drain(resp.Body)
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the server at %s is not healthy after 30 s: %v", u, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-exited:
			return fmt.Errorf("the server exited before it was ready: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// RSS reads the resident set size and its peak (VmRSS, VmHWM) of pid from
// /proc, in bytes.
func RSS(pid int) (rss, peak int64, err error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) != 2 || f[1] != "kB" {
			continue
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			continue
		}
		switch k {
		case "VmRSS":
			rss = n << 10
		case "VmHWM":
			peak = n << 10
		}
	}
	if rss == 0 {
		return 0, 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
	}
	return rss, peak, nil
}

// ProcCPU returns the CPU time (user plus system) process pid has used,
// from /proc/PID/stat (clock ticks of 10 ms).
func ProcCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name may hold spaces; the fields after it are fixed.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(ut+st) * 10 * time.Millisecond, nil
}

// Approver approves a device authorization by its user code, as the person
// at the browser would.
type Approver interface {
	// Approve approves userCode; c and hc are the worker's, so that an
	// approval over HTTP uses the worker's connection.
	Approve(ctx context.Context, c *caller, hc *http.Client, userCode string) error
	// How says how approvals are made, for the report.
	How() string
}

// decideApprover approves by calling the device service in this process,
// as servertest does: the whole flow then measures the API alone.
type decideApprover struct {
	srv    *server.Server
	userID string
}

func (a *decideApprover) How() string { return "in process: Devices().Decide, no HTTP" }

func (a *decideApprover) Approve(ctx context.Context, _ *caller, _ *http.Client, userCode string) error {
	if err := a.srv.Devices().Decide(ctx, userCode, a.userID, true); err != nil {
		return fmt.Errorf("approve: %w", err)
	}
	return nil
}

// tail keeps the last bytes written to it, and counts the log lines of
// the events in counted (the server's sign-in outcomes: each is one
// password verification).
type tail struct {
	mu     sync.Mutex
	max    int
	b      []byte
	counts map[string]int
}

// counted are the log messages a tail counts. A server logs one of the
// two for every password it verifies, and neither for an attempt it
// refused before verifying.
var counted = []string{`"msg":"sign-in failed"`, `"msg":"signed in"`}

func newTail(max int) *tail { return &tail{max: max, counts: map[string]int{}} }

// count returns how many times the log had msg, a member of counted.
func (t *tail) count(msg string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.counts[msg]
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, m := range counted {
		t.counts[m] += bytes.Count(p, []byte(m))
	}
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.max/2:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}

// closeFile closes f, if any: the log file of a server that failed to
// start.
func closeFile(f *os.File) {
	if f != nil {
		f.Close()
	}
}
