package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/ssooidc/ssooidc/wire"
)

// Op is one operation the harness can measure.
type Op struct {
	Key  string // its name on the command line
	Name string // its name in reports
	What string // what one operation is
	// Missing, when not empty, says the operation is not implemented yet:
	// it is listed in reports and skipped.
	Missing string
	// Approves is true when the operation needs device codes approved.
	Approves bool
	// PerOp is how many HTTP requests one operation makes.
	PerOp int
	setup func(ctx context.Context, e *env) (driver, error)
}

// limiter is a driver whose operations consume a finite pool (single-use
// codes): before each point it refills the pool and says how many
// operations the point may make, warm-up included.
type limiter interface {
	refill(ctx context.Context) (int, error)
}

// driver makes the workers of one operation over one prepared server.
type driver interface {
	worker(i int) (Worker, error)
	// sizes returns the request and response body sizes of the last
	// expected answer; the floor is sized after them.
	sizes() (req, resp int)
	// note says what the reader needs to know about how it was driven.
	note() string
}

// env is what an operation's setup gets.
type env struct {
	t    *Target
	hc   *http.Client // for setup requests
	pool int          // pending device codes to poll round-robin
}

// scopes is what the AWS CLI registers with; a client with scopes gets
// refresh tokens.
var scopes = []string{"sso:account:access"}

// Ops lists every operation, in report order. Those with Missing set are
// the ones the issue names that have not landed yet.
var Ops = []Op{
	{Key: "register", Name: "RegisterClient", PerOp: 1,
		What:  "POST /client/register of a new public client with scopes",
		setup: setupRegister},
	{Key: "start", Name: "StartDeviceAuthorization", PerOp: 1,
		What:  "POST /device_authorization for one registered client",
		setup: setupStart},
	{Key: "pending", Name: "CreateToken, pending", PerOp: 1,
		What:  "POST /token (device_code grant) on a code nobody has approved",
		setup: setupPending},
	{Key: "refresh", Name: "CreateToken, refresh", PerOp: 1, Approves: true,
		What:  "POST /token (refresh_token grant) with rotation",
		setup: setupRefresh},
	{Key: "flow", Name: "Whole device flow", PerOp: 4, Approves: true,
		What:  "RegisterClient, StartDeviceAuthorization, approval, CreateToken",
		setup: setupFlow},
	{Key: "slowdown", Name: "CreateToken, slow_down", PerOp: 1,
		What:  "POST /token polled back to back on one code per worker (a misbehaving client)",
		setup: setupSlowDown},
	{Key: "authcode", Name: "CreateToken, authorization code", Approves: true, PerOp: 1,
		What:  "POST /token (authorization_code grant with PKCE) redeeming a fresh code",
		setup: setupAuthCode},
	{Key: "rolecreds", Name: "GetRoleCredentials", Approves: true, PerOp: 1,
		What:  "GET /federation/credentials with a bearer access token (static credentials)",
		setup: setupRoleCreds},
	{Key: "iam", Name: "CreateTokenWithIAM", PerOp: 1,
		What: "POST /token?aws_iam=t, SigV4-signed by the harness, refresh_token grant with rotation " +
			"(an application's family from an authorization code with PKCE; ID token with identity context)",
		setup: setupIAM},
}

// DefaultOps are the operations a run measures unless told otherwise.
var DefaultOps = []string{"register", "start", "pending", "refresh", "flow", "authcode", "rolecreds", "rolecreds-sts", "listaccounts", "iam"}

// LookupOp returns the operation with key.
func LookupOp(key string) (Op, bool) {
	for _, op := range Ops {
		if op.Key == key {
			return op, true
		}
	}
	return Op{}, false
}

// workerFunc adapts a function to Worker.
type workerFunc func(ctx context.Context, hc *http.Client) (Outcome, error)

func (f workerFunc) Do(ctx context.Context, hc *http.Client) (Outcome, error) { return f(ctx, hc) }

// callers remembers a driver's callers to report body sizes.
type callers struct {
	mu   sync.Mutex
	list []*caller
}

func (cs *callers) add(base string) *caller {
	c := &caller{base: base}
	cs.mu.Lock()
	cs.list = append(cs.list, c)
	cs.mu.Unlock()
	return c
}

func (cs *callers) sizes() (int, int) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	for _, c := range cs.list {
		if c.okResp > 0 {
			return c.okReq, c.okResp
		}
	}
	return 0, 0
}

// creds are a registered client's.
type creds struct{ id, secret string }

func register(ctx context.Context, c *caller, hc *http.Client, name string, sc []string) (creds, error) {
	var out wire.RegisterClientResponse
	err := c.postJSON(ctx, hc, "RegisterClient", wire.PathRegisterClient,
		wire.RegisterClientRequest{ClientName: &name, ClientType: ptr(wire.ClientTypePublic), Scopes: sc}, &out)
	return creds{out.ClientID, out.ClientSecret}, err
}

func startBody(cr creds, startURL string) []byte {
	b, _ := json.Marshal(wire.StartDeviceAuthorizationRequest{ClientID: &cr.id, ClientSecret: &cr.secret, StartURL: &startURL})
	return b
}

func start(ctx context.Context, c *caller, hc *http.Client, cr creds, startURL string) (wire.StartDeviceAuthorizationResponse, error) {
	var out wire.StartDeviceAuthorizationResponse
	err := c.postJSON(ctx, hc, "StartDeviceAuthorization", wire.PathStartDeviceAuthorization,
		wire.StartDeviceAuthorizationRequest{ClientID: &cr.id, ClientSecret: &cr.secret, StartURL: &startURL}, &out)
	return out, err
}

func deviceTokenBody(cr creds, deviceCode string) []byte {
	b, _ := json.Marshal(wire.CreateTokenRequest{ClientID: &cr.id, ClientSecret: &cr.secret,
		GrantType: ptr(wire.GrantDeviceCode), DeviceCode: &deviceCode})
	return b
}

func refreshBody(cr creds, token string) []byte {
	b, _ := json.Marshal(wire.CreateTokenRequest{ClientID: &cr.id, ClientSecret: &cr.secret,
		GrantType: ptr(wire.GrantRefreshToken), RefreshToken: &token})
	return b
}

// redeem polls an approved code once and expects tokens.
func redeem(ctx context.Context, c *caller, hc *http.Client, cr creds, deviceCode string) (wire.CreateTokenResponse, error) {
	var out wire.CreateTokenResponse
	status, et, err := c.post(ctx, hc, wire.PathCreateToken, deviceTokenBody(cr, deviceCode))
	if err != nil {
		return out, fmt.Errorf("CreateToken: %w", err)
	}
	if status != http.StatusOK {
		return out, c.bad("CreateToken", status, et)
	}
	err = json.Unmarshal(c.buf.Bytes(), &out)
	return out, err
}

// login runs a device flow for a registered client and returns its tokens.
func login(ctx context.Context, c *caller, hc *http.Client, t *Target, cr creds) (wire.CreateTokenResponse, error) {
	sd, err := start(ctx, c, hc, cr, t.StartURL)
	if err != nil {
		return wire.CreateTokenResponse{}, err
	}
	if err := t.Approver.Approve(ctx, c, hc, sd.UserCode); err != nil {
		return wire.CreateTokenResponse{}, err
	}
	return redeem(ctx, c, hc, cr, sd.DeviceCode)
}

// parallel runs task(i) for i in [0, n) on conns goroutines, each with its
// own caller, and returns the first error.
func parallel(ctx context.Context, e *env, n, conns int, task func(ctx context.Context, c *caller, i int) error) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, conns)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &caller{base: e.t.URL}
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := task(ctx, c, i); err != nil {
					errs[w] = err
					cancel()
					return
				}
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// --- RegisterClient

type registerDriver struct {
	e    *env
	cs   callers
	body []byte
}

func setupRegister(_ context.Context, e *env) (driver, error) {
	b, _ := json.Marshal(wire.RegisterClientRequest{ClientName: ptr("bench"), ClientType: ptr(wire.ClientTypePublic), Scopes: scopes})
	return &registerDriver{e: e, body: b}, nil
}

func (d *registerDriver) sizes() (int, int) { return d.cs.sizes() }
func (d *registerDriver) note() string {
	return "every call registers a new client (one write)"
}

func (d *registerDriver) worker(int) (Worker, error) {
	c := d.cs.add(d.e.t.URL)
	return workerFunc(func(ctx context.Context, hc *http.Client) (Outcome, error) {
		status, et, err := c.post(ctx, hc, wire.PathRegisterClient, d.body)
		if err != nil {
			return "", err
		}
		if status != http.StatusOK {
			return "", c.bad("RegisterClient", status, et)
		}
		c.ok()
		return OK, nil
	}), nil
}

// --- StartDeviceAuthorization

type startDriver struct {
	e    *env
	cs   callers
	body []byte
}

func setupStart(ctx context.Context, e *env) (driver, error) {
	cr, err := register(ctx, &caller{base: e.t.URL}, e.hc, "bench-start", scopes)
	if err != nil {
		return nil, err
	}
	return &startDriver{e: e, body: startBody(cr, e.t.StartURL)}, nil
}

func (d *startDriver) sizes() (int, int) { return d.cs.sizes() }
func (d *startDriver) note() string {
	return "one registered client; every call stores a new pending authorization (one write)"
}

func (d *startDriver) worker(int) (Worker, error) {
	c := d.cs.add(d.e.t.URL)
	return workerFunc(func(ctx context.Context, hc *http.Client) (Outcome, error) {
		status, et, err := c.post(ctx, hc, wire.PathStartDeviceAuthorization, d.body)
		if err != nil {
			return "", err
		}
		if status != http.StatusOK {
			return "", c.bad("StartDeviceAuthorization", status, et)
		}
		c.ok()
		return OK, nil
	}), nil
}

// --- CreateToken on pending codes

// pendingDriver polls a pool of P pending codes round-robin. The server
// forgives a code's first two polls whatever their timing (the AWS CLI
// polls twice back to back) and answers slow_down to a later poll that
// comes sooner than the interval (1 s) after the one before. So the first
// lap polls each code twice in a row (2P polls) and every later lap once
// (P polls): as long as the server answers fewer than P polls a second,
// every answer is authorization_pending; beyond that slow_down shows in
// the split, counted apart.
type pendingDriver struct {
	e      *env
	cs     callers
	bodies [][]byte
	next   atomic.Uint64
}

func setupPending(ctx context.Context, e *env) (driver, error) {
	cr, err := register(ctx, &caller{base: e.t.URL}, e.hc, "bench-pending", scopes)
	if err != nil {
		return nil, err
	}
	n := max(e.pool, 1)
	d := &pendingDriver{e: e, bodies: make([][]byte, n)}
	err = parallel(ctx, e, n, 8, func(ctx context.Context, c *caller, i int) error {
		sd, err := start(ctx, c, e.hc, cr, e.t.StartURL)
		if err != nil {
			return err
		}
		d.bodies[i] = deviceTokenBody(cr, sd.DeviceCode)
		return nil
	})
	return d, err
}

// pendingIndex is the code the n-th poll of a pool of p codes goes to:
// each code twice in a row in the first lap, then once per lap.
func pendingIndex(n, p uint64) uint64 {
	if n < 2*p {
		return n / 2
	}
	return (n - 2*p) % p
}

func (d *pendingDriver) sizes() (int, int) { return d.cs.sizes() }
func (d *pendingDriver) note() string {
	return fmt.Sprintf("a pool of %d pending codes polled round-robin, twice each in the first lap and once per lap after "+
		"(all pending while under %d polls/s); each poll is one read, its pacing kept in memory (no write)", len(d.bodies), len(d.bodies))
}

func (d *pendingDriver) worker(int) (Worker, error) {
	c := d.cs.add(d.e.t.URL)
	return workerFunc(func(ctx context.Context, hc *http.Client) (Outcome, error) {
		return c.poll(ctx, hc, d.bodies[pendingIndex(d.next.Add(1)-1, uint64(len(d.bodies)))])
	}), nil
}

// poll sends a device_code CreateToken that expects pending or slow_down.
func (c *caller) poll(ctx context.Context, hc *http.Client, body []byte) (Outcome, error) {
	status, et, err := c.post(ctx, hc, wire.PathCreateToken, body)
	if err != nil {
		return "", err
	}
	if status == http.StatusBadRequest {
		switch et {
		case wire.ErrAuthorizationPending:
			c.ok()
			return Pending, nil
		case wire.ErrSlowDown:
			c.ok()
			return SlowDown, nil
		}
	}
	return "", c.bad("CreateToken", status, et)
}

// --- CreateToken on one code per worker, back to back

type slowDownDriver struct {
	e  *env
	cs callers
	cr creds
}

func setupSlowDown(ctx context.Context, e *env) (driver, error) {
	cr, err := register(ctx, &caller{base: e.t.URL}, e.hc, "bench-slowdown", scopes)
	return &slowDownDriver{e: e, cr: cr}, err
}

func (d *slowDownDriver) sizes() (int, int) { return d.cs.sizes() }
func (d *slowDownDriver) note() string {
	return "each worker polls its own code back to back: after the two free polls every answer is slow_down (one read each, no write)"
}

func (d *slowDownDriver) worker(int) (Worker, error) {
	c := d.cs.add(d.e.t.URL)
	sd, err := start(context.Background(), c, d.e.hc, d.cr, d.e.t.StartURL)
	if err != nil {
		return nil, err
	}
	body := deviceTokenBody(d.cr, sd.DeviceCode)
	return workerFunc(func(ctx context.Context, hc *http.Client) (Outcome, error) {
		return c.poll(ctx, hc, body)
	}), nil
}

// --- CreateToken refresh with rotation

// refreshDriver gives each worker a token family of its own; the worker
// always presents the newest refresh token, so every call rotates (the
// successor is stored and the presented token marked used). Families
// outlive points: worker i of every point continues family i.
type refreshDriver struct {
	e      *env
	cs     callers
	cr     creds
	tokens familySlots
}

// familySlots keeps each worker's newest refresh token across points, so
// that worker i of every point continues family i.
type familySlots struct {
	mu     sync.Mutex
	tokens []string
}

// familyFunc starts a token family and returns its refresh token;
// refreshFunc presents tok and returns its successor.
type (
	familyFunc  func(ctx context.Context, c *caller, hc *http.Client) (string, error)
	refreshFunc func(ctx context.Context, c *caller, hc *http.Client, tok string) (string, error)
)

// worker is worker i of a refreshing operation: it continues family i
// (starting it first if no earlier point did) and always presents its
// newest token. After a failed call the family may be lost, so it starts
// a new one, and one failure does not turn the rest of the point into
// failures.
func (f *familySlots) worker(i int, c *caller, hc *http.Client, start familyFunc, refresh refreshFunc) (Worker, error) {
	f.mu.Lock()
	for len(f.tokens) <= i {
		f.tokens = append(f.tokens, "")
	}
	tok := f.tokens[i]
	f.mu.Unlock()
	save := func(t string) {
		tok = t
		f.mu.Lock()
		f.tokens[i] = t
		f.mu.Unlock()
	}
	if tok == "" {
		t, err := start(context.Background(), c, hc)
		if err != nil {
			return nil, err
		}
		save(t)
	}
	return workerFunc(func(ctx context.Context, hc *http.Client) (Outcome, error) {
		next, err := refresh(ctx, c, hc, tok)
		if err != nil {
			if ctx.Err() == nil {
				if t, ferr := start(ctx, c, hc); ferr == nil {
					save(t)
				}
			}
			return "", err
		}
		c.ok()
		save(next)
		return OK, nil
	}), nil
}

func setupRefresh(ctx context.Context, e *env) (driver, error) {
	cr, err := register(ctx, &caller{base: e.t.URL}, e.hc, "bench-refresh", scopes)
	return &refreshDriver{e: e, cr: cr}, err
}

func (d *refreshDriver) sizes() (int, int) { return d.cs.sizes() }
func (d *refreshDriver) note() string {
	return "each worker refreshes its own family and always presents its newest token (rotation: one read, one write)"
}

func (d *refreshDriver) newFamily(ctx context.Context, c *caller, hc *http.Client) (string, error) {
	tok, err := login(ctx, c, hc, d.e.t, d.cr)
	if err != nil {
		return "", fmt.Errorf("creating a token family: %w", err)
	}
	if tok.RefreshToken == nil {
		return "", errors.New("creating a token family: the token response has no refresh token")
	}
	return *tok.RefreshToken, nil
}

func (d *refreshDriver) worker(i int) (Worker, error) {
	return d.tokens.worker(i, d.cs.add(d.e.t.URL), d.e.hc, d.newFamily, d.refresh)
}

// refresh presents tok to CreateToken and returns its successor.
func (d *refreshDriver) refresh(ctx context.Context, c *caller, hc *http.Client, tok string) (string, error) {
	status, et, err := c.post(ctx, hc, wire.PathCreateToken, refreshBody(d.cr, tok))
	if err != nil {
		return "", err
	}
	if status != http.StatusOK {
		return "", c.bad("CreateToken", status, et)
	}
	var out struct {
		RefreshToken *string `json:"refreshToken"`
	}
	if err := json.Unmarshal(c.buf.Bytes(), &out); err != nil {
		return "", err
	}
	if out.RefreshToken == nil {
		return "", errors.New("CreateToken: the refresh response has no refresh token")
	}
	return *out.RefreshToken, nil
}

// --- the whole device flow

type flowDriver struct {
	e    *env
	cs   callers
	body []byte
}

func setupFlow(_ context.Context, e *env) (driver, error) {
	b, _ := json.Marshal(wire.RegisterClientRequest{ClientName: ptr("bench-flow"), ClientType: ptr(wire.ClientTypePublic), Scopes: scopes})
	return &flowDriver{e: e, body: b}, nil
}

func (d *flowDriver) sizes() (int, int) { return d.cs.sizes() }
func (d *flowDriver) note() string {
	return "register, start, approve (" + d.e.t.Approver.How() + "), one CreateToken; the floor is sized after the token response"
}

func (d *flowDriver) worker(int) (Worker, error) {
	c := d.cs.add(d.e.t.URL)
	var reg wire.RegisterClientResponse
	return workerFunc(func(ctx context.Context, hc *http.Client) (Outcome, error) {
		status, et, err := c.post(ctx, hc, wire.PathRegisterClient, d.body)
		if err != nil {
			return "", err
		}
		if status != http.StatusOK {
			return "", c.bad("RegisterClient", status, et)
		}
		if err := json.Unmarshal(c.buf.Bytes(), &reg); err != nil {
			return "", err
		}
		tok, err := login(ctx, c, hc, d.e.t, creds{reg.ClientID, reg.ClientSecret})
		if err != nil {
			return "", err
		}
		if tok.AccessToken == "" {
			return "", errors.New("CreateToken: no access token")
		}
		c.ok()
		return OK, nil
	}), nil
}
