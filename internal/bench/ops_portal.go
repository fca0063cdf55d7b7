package bench

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"

	"github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/wire"
)

// --- CreateToken with the authorization_code grant

// authCodeDriver redeems authorization codes. A code is single-use, so
// before each point the driver makes a pool of fresh codes through the
// consent page (one POST /authorize per code, as a browser's Allow), and
// the point makes at most as many operations as the pool holds.
type authCodeDriver struct {
	e        *env
	cs       callers
	cr       creds
	redirect string
	verifier string
	query    string // the authorization request, as the consent form carries it
	mu       sync.Mutex
	codes    [][]byte // request bodies of unredeemed codes
	next     atomic.Int64
}

func setupAuthCode(ctx context.Context, e *env) (driver, error) {
	if _, ok := e.t.Approver.(*pagesApprover); !ok {
		return nil, errSkip("the authorization code grant is approved on the web pages only (not with --decide)")
	}
	d := &authCodeDriver{e: e, redirect: "http://127.0.0.1:9/oauth/callback", verifier: sso.RandomSecret()}
	var out wire.RegisterClientResponse
	name := "bench-authcode"
	err := (&caller{base: e.t.URL}).postJSON(ctx, e.hc, "RegisterClient", wire.PathRegisterClient, wire.RegisterClientRequest{
		ClientName: &name, ClientType: ptr(wire.ClientTypePublic), Scopes: scopes,
		GrantTypes: []string{wire.GrantAuthorizationCode, wire.GrantRefreshToken}, RedirectURIs: []string{d.redirect},
	}, &out)
	if err != nil {
		return nil, err
	}
	d.cr = creds{out.ClientID, out.ClientSecret}
	sum := sha256.Sum256([]byte(d.verifier))
	d.query = url.Values{"response_type": {"code"}, "client_id": {d.cr.id}, "redirect_uri": {d.redirect},
		"state": {"bench"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"}, "scopes": {scopes[0]}}.Encode()
	return d, nil
}

// maxAuthCodes bounds the pool of codes made before each point: a point
// rarely redeems more, and making them costs a write each.
const maxAuthCodes = 20000

func (d *authCodeDriver) poolSize() int { return min(d.e.pool, maxAuthCodes) }

func (d *authCodeDriver) sizes() (int, int) { return d.cs.sizes() }
func (d *authCodeDriver) note() string {
	return fmt.Sprintf("each call redeems a fresh code (pool of up to %d made before each point through POST /authorize); "+
		"a redemption stores a new family (one write)", d.poolSize())
}

func (d *authCodeDriver) refill(ctx context.Context) (int, error) {
	pa := d.e.t.Approver.(*pagesApprover)
	d.mu.Lock()
	left := d.codes[min(int(d.next.Load()), len(d.codes)):]
	d.mu.Unlock()
	fresh := make([][]byte, max(d.poolSize()-len(left), 0))
	form := []byte(url.Values{"request": {d.query}, "decision": {"allow"}}.Encode())
	err := parallel(ctx, d.e, len(fresh), 8, func(ctx context.Context, c *caller, i int) error {
		status, et, err := c.send(ctx, d.e.hc, http.MethodPost, "/authorize", "application/x-www-form-urlencoded", form,
			http.Header{"Cookie": {pa.cookie}})
		if err != nil {
			return err
		}
		loc, _ := url.Parse(c.header.Get("Location"))
		if status != http.StatusSeeOther || loc == nil || loc.Query().Get("code") == "" {
			return c.bad("Authorize", status, et)
		}
		code := loc.Query().Get("code")
		fresh[i], _ = json.Marshal(wire.CreateTokenRequest{ClientID: &d.cr.id, ClientSecret: &d.cr.secret,
			GrantType: ptr(wire.GrantAuthorizationCode), Code: &code, RedirectURI: &d.redirect, CodeVerifier: &d.verifier})
		return nil
	})
	if err != nil {
		return 0, err
	}
	d.mu.Lock()
	d.codes = append(append([][]byte(nil), left...), fresh...)
	d.next.Store(0)
	n := len(d.codes)
	d.mu.Unlock()
	return n, nil
}

func (d *authCodeDriver) worker(int) (Worker, error) {
	c := d.cs.add(d.e.t.URL)
	return workerFunc(func(ctx context.Context, hc *http.Client) (Outcome, error) {
		i := int(d.next.Add(1) - 1)
		d.mu.Lock()
		codes := d.codes
		d.mu.Unlock()
		if i >= len(codes) {
			return "", errors.New("CreateToken: the pool of authorization codes ran out")
		}
		status, et, err := c.post(ctx, hc, wire.PathCreateToken, codes[i])
		if err != nil {
			return "", err
		}
		if status != http.StatusOK {
			return "", c.bad("CreateToken", status, et)
		}
		c.ok()
		return OK, nil
	}), nil
}

// --- The portal's reads: GetRoleCredentials and ListAccounts

// Portal is the directory of access the in-process server declares for
// the portal's reads: one account with static credentials and one with
// STS credentials (stsAccount, from benchSTS), one permission set,
// assigned to the bench group.
const (
	portalAccount = "111111111111"
	portalRole    = "BenchAccess"
)

// roleCredsSessions is how many login sessions the portal's reads spread
// their calls over: the portal allows a session 200 calls per 10 s on
// each node (access.RateLimit), so the sessions hold 40,960 calls/s
// between them, above what one node answers.
const roleCredsSessions = 2048

// portalDriver makes one portal read with a bearer token, round-robin over
// many login sessions of the bench user.
type portalDriver struct {
	e      *env
	cs     callers
	name   string
	what   string
	tokens []string
	path   string
	next   atomic.Uint64
}

func setupPortal(ctx context.Context, e *env, name, path, what string) (driver, error) {
	if !e.t.Portal {
		return nil, errSkip("the harness did not declare the server's accounts (--url): the portal has nothing to hand out")
	}
	cr, err := register(ctx, &caller{base: e.t.URL}, e.hc, "bench-portal", scopes)
	if err != nil {
		return nil, err
	}
	d := &portalDriver{e: e, name: name, what: what, path: path, tokens: make([]string, min(roleCredsSessions, max(e.pool, 1)))}
	err = parallel(ctx, e, len(d.tokens), 8, func(ctx context.Context, c *caller, i int) error {
		tok, err := login(ctx, c, e.hc, e.t, cr)
		d.tokens[i] = tok.AccessToken
		return err
	})
	return d, err
}

func roleCredsPath(account string) string {
	return wire.PathGetRoleCredentials + "?" + url.Values{wire.QueryRoleName: {portalRole}, wire.QueryAccountID: {account}}.Encode()
}

func setupRoleCreds(ctx context.Context, e *env) (driver, error) {
	return setupPortal(ctx, e, "GetRoleCredentials", roleCredsPath(portalAccount), "fixed credentials")
}

func setupRoleCredsSTS(ctx context.Context, e *env) (driver, error) {
	return setupPortal(ctx, e, "GetRoleCredentials", roleCredsPath(stsAccount),
		"STS credentials, from the server's cache after the first call (one AssumeRole per half lifetime)")
}

func setupListAccounts(ctx context.Context, e *env) (driver, error) {
	return setupPortal(ctx, e, "ListAccounts", wire.PathListAccounts, "two accounts")
}

func (d *portalDriver) sizes() (int, int) { return d.cs.sizes() }
func (d *portalDriver) note() string {
	return fmt.Sprintf("%s; calls spread round-robin over %d login sessions (the portal allows one session %d calls per 10 s on a node)",
		d.what, len(d.tokens), 200)
}

func (d *portalDriver) worker(int) (Worker, error) {
	c := d.cs.add(d.e.t.URL)
	return workerFunc(func(ctx context.Context, hc *http.Client) (Outcome, error) {
		tok := d.tokens[d.next.Add(1)%uint64(len(d.tokens))]
		status, et, err := c.send(ctx, hc, http.MethodGet, d.path, "", nil, http.Header{wire.HeaderBearerToken: {tok}})
		if err != nil {
			return "", err
		}
		if status != http.StatusOK {
			return "", c.bad(d.name, status, et)
		}
		c.ok()
		return OK, nil
	}), nil
}

// The portal's reads of issue 18, and their targets: 0.5x the floor at 8
// connections on SQLite, 0.3x on PostgreSQL (postgresMin).
func init() {
	Ops = append(Ops,
		Op{Key: "rolecreds-sts", Name: "GetRoleCredentials, STS (cached)", Approves: true, PerOp: 1,
			What:  "GET /federation/credentials with a bearer access token (an STS account: the server's cache)",
			setup: setupRoleCredsSTS},
		Op{Key: "listaccounts", Name: "ListAccounts", Approves: true, PerOp: 1,
			What:  "GET /assignment/accounts with a bearer access token (two accounts)",
			setup: setupListAccounts},
	)
	ratioTargets = append(ratioTargets,
		ratioTarget{"rolecreds", 0.5, ">= 0.5x floor (PostgreSQL: 0.3x)"},
		ratioTarget{"rolecreds-sts", 0.5, ">= 0.5x floor (PostgreSQL: 0.3x)"},
		ratioTarget{"listaccounts", 0.5, ">= 0.5x floor (PostgreSQL: 0.3x)"},
	)
	for _, k := range []string{"rolecreds", "rolecreds-sts", "listaccounts"} {
		postgresMin[k] = 0.3
	}
}

// errSkip is a setup failure that means "this operation cannot run
// here", reported as a skip rather than an error.
type errSkip string

func (e errSkip) Error() string { return string(e) }
