package bench

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/ssooidc/ssooidc/internal/identity"
	"github.com/ssooidc/ssooidc/internal/rolecreds"
	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/sigv4"
	"github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/wire"
)

// The assignment scale section: the two reads of one person's access,
// ListAccountAssignmentsForPrincipal (SSO Admin API) and the portal's
// ListAccounts, with 100 to 100,000 assignments stored. The measured
// person, alice, has the same 20 assignments at every point (10 of her
// own, 10 through her group); every other assignment belongs to filler
// users, 100 each (100 accounts, one of 10 permission sets). Both reads
// are one index range of the person's assignments, so their latency should
// not grow with the others'.

// AssignmentPoint is the latency of the two reads with Assignments stored.
type AssignmentPoint struct {
	Assignments  int      `json:"assignments"`
	SeedSeconds  float64  `json:"seed_seconds"`
	ForPrincipal []Result `json:"for_principal"` // ListAccountAssignmentsForPrincipal
	ListAccounts []Result `json:"list_accounts"` // the portal's ListAccounts
}

// The world of the section.
const (
	asAccounts       = 100
	asPermissionSets = 10
	asPerFiller      = asAccounts // assignments per filler user
	asAdminKey       = "AKIABENCHSSOADMIN000"
	asAdminARN       = "arn:aws:iam::" + portalAccount + ":role/bench-sso-admin"
	// asSessions spreads the portal calls over login sessions, as the
	// GetRoleCredentials operation does (the portal allows a session 200
	// calls per 10 s).
	asSessions = 256
)

func asAccount(i int) string { return fmt.Sprintf("%012d", 100000000000+i) }
func asPermissionSet(i int) string {
	return fmt.Sprintf("BenchSet%d", i%asPermissionSets)
}

// asWorld is the running server of the section and what it measures.
type asWorld struct {
	o       *Options
	store   server.Store
	srv     *server.Server
	url     string
	alice   sso.User
	fillers int // filler users stored
	stored  int // assignments stored
	secret  string
	stop    func() error
}

func runAssignmentScale(ctx context.Context, o *Options, rep *Report) error {
	if o.URL != "" {
		rep.Notes = append(rep.Notes, "assignments: skipped, the server is not ours (--url)")
		return nil
	}
	dir, err := o.tempDir("assignments")
	if err != nil {
		return err
	}
	defer o.removeDir(dir)
	w, err := startAssignmentWorld(ctx, o, dir)
	if err != nil {
		return err
	}
	defer w.stop()
	points := slices.Clone(o.AssignmentScale)
	slices.Sort(points)
	for _, n := range points {
		o.progress("assignments: seeding up to %d assignments", n)
		t0 := time.Now()
		if err := w.seed(ctx, n); err != nil {
			return err
		}
		p := AssignmentPoint{Assignments: w.stored, SeedSeconds: time.Since(t0).Seconds()}
		forPrincipal, listAccounts, err := w.drivers(ctx)
		if err != nil {
			return err
		}
		for _, c := range o.ScaleConns {
			r, err := Load(ctx, o.point(c), forPrincipal)
			if err != nil {
				return err
			}
			p.ForPrincipal = append(p.ForPrincipal, r)
			o.progress("  %d assignments, %d conns: ListAccountAssignmentsForPrincipal %.0f/s p50 %s p99 %s errors %d",
				w.stored, c, r.Throughput, ms(r.P50), ms(r.P99), r.Errors)
			r, err = Load(ctx, o.point(c), listAccounts)
			if err != nil {
				return err
			}
			p.ListAccounts = append(p.ListAccounts, r)
			o.progress("  %d assignments, %d conns: ListAccounts %.0f/s p50 %s p99 %s errors %d",
				w.stored, c, r.Throughput, ms(r.P50), ms(r.P99), r.Errors)
		}
		rep.Assignments = append(rep.Assignments, p)
	}
	return nil
}

// startAssignmentWorld runs a server in this process on a new store in
// dir with the accounts, permission sets, alice and her assignments.
func startAssignmentWorld(ctx context.Context, o *Options, dir string) (*asWorld, error) {
	store, err := o.Backend.Open(ctx, dir)
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		store.Close()
		return nil, err
	}
	w := &asWorld{o: o, store: store, url: "http://" + l.Addr().String(), secret: sso.RandomSecret()}
	cfg := server.Config{Addr: l.Addr().String(), PublicURL: w.url, Issuer: rolecreds.New(rolecreds.Config{}),
		IAM: server.IAMConfig{Principals: []sigv4.Principal{{AccessKeyID: asAdminKey, SecretAccessKey: w.secret,
			Account: portalAccount, ARN: asAdminARN, Allow: []string{"sso:List*"}}}}}
	for i := range asAccounts {
		cfg.Directory.Accounts = append(cfg.Directory.Accounts, sso.Account{ID: asAccount(i), Name: "bench-" + asAccount(i), Source: sso.SourceStatic})
	}
	for i := range asPermissionSets {
		cfg.Directory.PermissionSets = append(cfg.Directory.PermissionSets, sso.PermissionSet{Name: asPermissionSet(i)})
	}
	for i := range 10 {
		cfg.Directory.Assignments = append(cfg.Directory.Assignments,
			server.AssignmentDecl{AccountID: asAccount(i), PermissionSet: asPermissionSet(0), User: "alice"},
			server.AssignmentDecl{AccountID: asAccount(10 + i), PermissionSet: asPermissionSet(1), Group: "alice-team"})
	}
	_, hash := benchPassword()
	cfg.Directory.Users = append(cfg.Directory.Users, identity.UserSpec{Name: "alice", Password: hash, Groups: []string{"alice-team"}})
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	srv, err := server.New(sctx, store, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		cancel()
		l.Close()
		store.Close()
		return nil, err
	}
	w.srv = srv
	if w.alice, err = srv.People().GetUserByName(ctx, "alice"); err != nil {
		cancel()
		l.Close()
		store.Close()
		return nil, err
	}
	w.stored = 20
	done := make(chan error, 1)
	go func() { done <- srv.Serve(sctx, l) }()
	w.stop = func() error {
		cancel()
		err := <-done
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		return errors.Join(err, store.Close())
	}
	return w, nil
}

// seed stores filler users with their assignments until n are stored, 32
// writes at a time.
func (w *asWorld) seed(ctx context.Context, n int) error {
	var jobs []sso.Assignment
	for w.stored+len(jobs) < n {
		u := sso.User{ID: sso.RandomUUID(), Name: fmt.Sprintf("filler-%06d", w.fillers), CreatedAt: time.Now(), UpdatedAt: time.Now()}
		if err := w.store.CreateUser(ctx, u); err != nil {
			return err
		}
		for a := 0; a < asPerFiller && w.stored+len(jobs) < n; a++ {
			jobs = append(jobs, sso.Assignment{AccountID: asAccount(a), PermissionSet: asPermissionSet(w.fillers),
				PrincipalType: sso.PrincipalUser, PrincipalID: u.ID})
		}
		w.fillers++
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, 32)
	for g := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(jobs) || ctx.Err() != nil {
					return
				}
				if err := w.store.PutAssignment(ctx, jobs[i]); err != nil {
					errs[g] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	w.stored += len(jobs)
	return nil
}

// drivers returns the workers of the two reads. The portal's are signed
// in as alice over asSessions login sessions.
func (w *asWorld) drivers(ctx context.Context) (func(int) (Worker, error), func(int) (Worker, error), error) {
	inst := w.srv.Instance().ARN
	body, _ := json.Marshal(map[string]any{"InstanceArn": inst, "PrincipalType": sso.PrincipalUser, "PrincipalId": w.alice.ID})
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	signer, cr := v4.NewSigner(), aws.Credentials{AccessKeyID: asAdminKey, SecretAccessKey: w.secret}
	forPrincipal := func(int) (Worker, error) {
		return workerFunc(func(ctx context.Context, hc *http.Client) (Outcome, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url+"/", bytes.NewReader(body))
			if err != nil {
				return "", err
			}
			req.Header.Set("Content-Type", "application/x-amz-json-1.1")
			req.Header.Set("X-Amz-Target", "SWBExternalService.ListAccountAssignmentsForPrincipal")
			if err := signer.SignHTTP(ctx, cr, req, hash, server.SSOAdminSigningName, iamRegion, time.Now()); err != nil {
				return "", err
			}
			return expect(hc, req, "ListAccountAssignmentsForPrincipal", `"AccountAssignments":[{`)
		}), nil
	}
	tokens, err := w.sessions(ctx)
	if err != nil {
		return nil, nil, err
	}
	var next atomic.Uint64
	listAccounts := func(int) (Worker, error) {
		return workerFunc(func(ctx context.Context, hc *http.Client) (Outcome, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, w.url+wire.PathListAccounts, nil)
			if err != nil {
				return "", err
			}
			req.Header.Set(wire.HeaderBearerToken, tokens[next.Add(1)%uint64(len(tokens))])
			return expect(hc, req, "ListAccounts", `"accountId"`)
		}), nil
	}
	return forPrincipal, listAccounts, nil
}

// expect sends req and checks for a 200 whose body contains want.
func expect(hc *http.Client, req *http.Request, op, want string) (Outcome, error) {
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(resp.Body); err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK || !bytes.Contains(b.Bytes(), []byte(want)) {
		return "", fmt.Errorf("%s: HTTP %d %s", op, resp.StatusCode, clipBytes(b.Bytes()))
	}
	return OK, nil
}

func clipBytes(b []byte) string {
	if len(b) > 160 {
		return string(b[:160]) + "..."
	}
	return string(b)
}

// sessions signs alice in asSessions times through the device flow,
// approved in process.
func (w *asWorld) sessions(ctx context.Context) ([]string, error) {
	t := &Target{URL: w.url, StartURL: w.srv.Config().StartURLs[0], Approver: &decideApprover{srv: w.srv, userID: w.alice.ID}}
	e := &env{t: t, hc: setupClient()}
	cr, err := register(ctx, &caller{base: w.url}, e.hc, "bench-assignments", scopes)
	if err != nil {
		return nil, err
	}
	tokens := make([]string, asSessions)
	err = parallel(ctx, e, len(tokens), 8, func(ctx context.Context, c *caller, i int) error {
		tok, err := login(ctx, c, e.hc, t, cr)
		tokens[i] = tok.AccessToken
		return err
	})
	return tokens, err
}

// assignmentsNote says what the section measures, for the report.
const assignmentsNote = "alice has 20 assignments at every point (10 her own, 10 through a group); the rest belong to " +
	"filler users, 100 each. ListAccountAssignmentsForPrincipal is signed with SigV4 per call (its pages list alice's 10 own); " +
	"ListAccounts is the portal's call, over 256 login sessions."

// The target of issue 17: both reads stay flat from the first point to
// the last.
const (
	assignmentsFrom = 100
	assignmentsTo   = 100000
)

// assignmentsAt returns the point with n assignments stored.
func (r *Report) assignmentsAt(n int) *AssignmentPoint {
	for i := range r.Assignments {
		if r.Assignments[i].Assignments == n {
			return &r.Assignments[i]
		}
	}
	return nil
}

// evaluateAssignments adds the targets of the section: p50 at the last
// point within 1.5x of that at the first, for each read and concurrency.
func (r *Report) evaluateAssignments() {
	from, to := r.assignmentsAt(assignmentsFrom), r.assignmentsAt(assignmentsTo)
	for _, read := range []struct {
		name string
		of   func(*AssignmentPoint) []Result
	}{
		{"ListAccountAssignmentsForPrincipal", func(p *AssignmentPoint) []Result { return p.ForPrincipal }},
		{"portal ListAccounts", func(p *AssignmentPoint) []Result { return p.ListAccounts }},
	} {
		tc := TargetCheck{Target: fmt.Sprintf("%s latency at %d assignments", read.name, assignmentsTo),
			Wanted: fmt.Sprintf("<= 1.5x that at %d", assignmentsFrom), Status: "not measured"}
		if from == nil || to == nil {
			r.Targets = append(r.Targets, tc)
			continue
		}
		ok := true
		var parts []string
		a, b := read.of(from), read.of(to)
		for i := range min(len(a), len(b)) {
			x := float64(b[i].P50) / float64(max(a[i].P50, 1))
			parts = append(parts, fmt.Sprintf("p50 %.2fx at %d conns (%s vs %s)", x, a[i].Conns, ms(b[i].P50), ms(a[i].P50)))
			ok = ok && x <= maxScaleLatency && a[i].Errors == 0 && b[i].Errors == 0
		}
		tc.Measured, tc.Status = strings.Join(parts, "; "), status(ok)
		r.Targets = append(r.Targets, tc)
	}
}

func (r *Report) mdAssignments(b *strings.Builder) {
	if len(r.Assignments) == 0 {
		return
	}
	b.WriteString("\n### A person's access as assignments grow\n\n")
	b.WriteString("| assignments stored | read | conns | calls/s | p50 ms | p99 ms | max ms | p50 x first | errors |\n")
	b.WriteString("|--:|---|--:|--:|--:|--:|--:|--:|--:|\n")
	first := r.Assignments[0]
	for _, p := range r.Assignments {
		for _, read := range []struct {
			name      string
			res, base []Result
		}{{"ListAccountAssignmentsForPrincipal", p.ForPrincipal, first.ForPrincipal}, {"ListAccounts", p.ListAccounts, first.ListAccounts}} {
			for i, res := range read.res {
				var x float64
				if i < len(read.base) {
					x = float64(res.P50) / float64(max(read.base[i].P50, 1))
				}
				fmt.Fprintf(b, "| %d | %s | %d | %.0f | %s | %s | %s | %.2f | %d |\n", p.Assignments, read.name, res.Conns,
					res.Throughput, ms(res.P50), ms(res.P99), ms(res.Max), x, res.Errors)
			}
		}
	}
	b.WriteString("\n" + assignmentsNote + "\n")
}
