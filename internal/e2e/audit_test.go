package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/identitystore/document"
	idtypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	admintypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"

	"github.com/ssooidc/ssooidc/internal/audit"
	"github.com/ssooidc/ssooidc/internal/identity"
	"github.com/ssooidc/ssooidc/internal/postgres"
	"github.com/ssooidc/ssooidc/internal/rolecreds"
	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/servertest"
	"github.com/ssooidc/ssooidc/internal/sigv4"
	"github.com/ssooidc/ssooidc/internal/sqlite"
	dom "github.com/ssooidc/ssooidc/internal/sso"
)

const (
	auditPassword      = "alice's audit passphrase"
	auditWrongPassword = "not-alices-password-Zq7"
	// A password typed into the name field: an unknown name the trail
	// must not keep.
	auditTypoName = "Hunter2-typed-as-a-name"
)

// auditServer starts a server on backend ("sqlite" or "postgres") with
// alice, the static account, the SSO Admin principal and the portal. Its
// log, at the level serve runs at, goes to the returned buffer.
func auditServer(t *testing.T, backend string) (*servertest.Server, dom.Store, *servertest.Buffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var store interface {
		dom.Store
		Close() error
	}
	var err error
	switch backend {
	case "sqlite":
		store, err = sqlite.Open(ctx, filepath.Join(t.TempDir(), "ssooidc.db"))
	case "postgres":
		store, err = postgres.Open(ctx, pgSchemaDSN(t), postgres.Options{})
	}
	if err != nil {
		t.Fatalf("opening the %s store: %v", backend, err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + l.Addr().String()
	logs := &servertest.Buffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	cfg := server.Config{Addr: l.Addr().String(), PublicURL: u, GCInterval: time.Hour,
		Issuer: rolecreds.New(rolecreds.Config{Static: map[string]rolecreds.Static{
			acctStatic: {AccessKeyID: "AKIASTATICEXAMPLE", SecretAccessKey: "static-secret"}}}),
		Directory: server.Directory{
			Accounts:       []dom.Account{{ID: acctStatic, Name: "Sandbox", Source: dom.SourceStatic}},
			PermissionSets: []dom.PermissionSet{{Name: "ReadOnly", SessionDuration: time.Hour}},
			Users:          []identity.UserSpec{{Name: "alice", Password: auditPassword}},
			Assignments:    []server.AssignmentDecl{{AccountID: acctStatic, PermissionSet: "ReadOnly", User: "alice"}},
		}}
	cfg.IAM.Principals = []sigv4.Principal{ssoAdmin}
	srv, err := server.New(ctx, store, cfg, log)
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, l) }()
	t.Cleanup(func() {
		if tr, ok := http.DefaultTransport.(*http.Transport); ok {
			tr.CloseIdleConnections()
		}
		cancel()
		if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
		store.Close()
	})
	return &servertest.Server{URL: u, Srv: srv}, store, logs
}

// TestAuditTrail walks a scenario through real HTTP with real clients and
// checks that every security event is stored once with its actor, target,
// user and address, is logged once as an "audit" JSON line, and that no
// secret is in either; on SQLite and on PostgreSQL.
func TestAuditTrail(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) { testAuditTrail(t, backend) })
	}
}

// wantEvent is an event the scenario must have caused.
type wantEvent struct {
	typ       string
	actorType string
	actor     string // the actor's name, else its ID
	target    string // the target's name, else its ID
	user      string // Target.User
	network   bool   // made by a request from 127.0.0.1
	details   map[string]string
	count     int // how many such events; 0 means 1
}

func testAuditTrail(t *testing.T, backend string) {
	srv, store, logs := auditServer(t, backend)
	ctx := context.Background()
	var secrets []string // everything that must never be in the trail or the log
	secret := func(s ...string) { secrets = append(secrets, s...) }
	secret(auditPassword, auditWrongPassword, auditTypoName, ssoAdmin.SecretAccessKey)

	// Sign-in: refused twice (a wrong password, a name that is no user),
	// then accepted, in a browser with a cookie jar.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	signIn := func(name, password string, want int) {
		t.Helper()
		resp, err := browser.PostForm(srv.URL+"/signin", url.Values{"username": {name}, "password": {password}, "next": {"/device"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("sign in as %q: %d, want %d", name, resp.StatusCode, want)
		}
	}
	signIn("alice", auditWrongPassword, http.StatusUnauthorized)
	signIn(auditTypoName, auditWrongPassword, http.StatusUnauthorized)
	signIn("alice", auditPassword, http.StatusSeeOther)
	for _, c := range jar.Cookies(mustParse(t, srv.URL)) {
		secret(c.Value)
	}

	// The device flow, approved on the pages; the token issued; a refresh
	// chain whose first token is presented again: reuse.
	c := sdk(srv)
	r := register(t, c, "sso:account:access")
	secret(r.secret)
	st := start(t, c, r)
	secret(*st.DeviceCode, *st.UserCode, strings.ReplaceAll(*st.UserCode, "-", ""))
	approve := func(code string) {
		t.Helper()
		resp, err := browser.PostForm(srv.URL+"/device/decide", url.Values{"user_code": {code}, "decision": {"allow"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("approve: %d", resp.StatusCode)
		}
	}
	approve(*st.UserCode)
	tok, err := poll(c, r, *st.DeviceCode)
	if err != nil {
		t.Fatal(err)
	}
	secret(*tok.AccessToken, *tok.RefreshToken)
	first := *tok.RefreshToken
	next := first
	for range 2 {
		out, err := refresh(c, r, next)
		if err != nil {
			t.Fatal(err)
		}
		next = *out.RefreshToken
		secret(*out.AccessToken, next)
	}
	if _, err := refresh(c, r, first); err == nil {
		t.Fatal("a reused refresh token was accepted")
	}

	// A second login, signed out through the portal's Logout.
	st2 := start(t, c, r)
	secret(*st2.DeviceCode, *st2.UserCode)
	approve(*st2.UserCode)
	tok2, err := poll(c, r, *st2.DeviceCode)
	if err != nil {
		t.Fatal(err)
	}
	secret(*tok2.AccessToken, *tok2.RefreshToken)
	if _, err := portalClient(srv).Logout(ctx, &sso.LogoutInput{AccessToken: tok2.AccessToken}); err != nil {
		t.Fatal(err)
	}

	// The Identity Store API: carol created, then disabled.
	creds := credentials.NewStaticCredentialsProvider(ssoAdmin.AccessKeyID, ssoAdmin.SecretAccessKey, "")
	ids := identitystore.New(identitystore.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1, Credentials: creds})
	storeID := aws.String(srv.Srv.Config().IAM.IdentityStoreID)
	carol, err := ids.CreateUser(ctx, &identitystore.CreateUserInput{IdentityStoreId: storeID, UserName: aws.String("carol"),
		DisplayName: aws.String("Carol"), Name: &idtypes.Name{GivenName: aws.String("Carol"), FamilyName: aws.String("Danvers")}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ids.UpdateUser(ctx, &identitystore.UpdateUserInput{IdentityStoreId: storeID, UserId: carol.UserId,
		Operations: []idtypes.AttributeOperation{{AttributePath: aws.String("userStatus"), AttributeValue: document.NewLazyDocument("DISABLED")}}}); err != nil {
		t.Fatal(err)
	}

	// Changes that fail record nothing: a second carol, a second
	// approval and a second redemption of the first code, an assignment
	// to an account that does not exist.
	if _, err := ids.CreateUser(ctx, &identitystore.CreateUserInput{IdentityStoreId: storeID, UserName: aws.String("carol"),
		DisplayName: aws.String("Carol"), Name: &idtypes.Name{GivenName: aws.String("C"), FamilyName: aws.String("D")}}); err == nil {
		t.Fatal("a second carol was created")
	}
	resp, err := browser.PostForm(srv.URL+"/device/decide", url.Values{"user_code": {*st.UserCode}, "decision": {"deny"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		t.Fatal("a decided code was decided again")
	}
	if _, err := poll(c, r, *st.DeviceCode); err == nil {
		t.Fatal("a device code was redeemed twice")
	}

	// SSO Admin: a permission set, and alice assigned to it.
	admin := ssoadmin.New(ssoadmin.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1, Credentials: creds})
	inst, err := admin.ListInstances(ctx, &ssoadmin.ListInstancesInput{})
	if err != nil || len(inst.Instances) != 1 {
		t.Fatalf("ListInstances: %v %v", inst, err)
	}
	arn := inst.Instances[0].InstanceArn
	ps, err := admin.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{InstanceArn: arn, Name: aws.String("Auditor")})
	if err != nil {
		t.Fatal(err)
	}
	aliceUser, err := srv.Srv.People().GetUserByName(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.CreateAccountAssignment(ctx, &ssoadmin.CreateAccountAssignmentInput{InstanceArn: arn,
		PermissionSetArn: ps.PermissionSet.PermissionSetArn, TargetId: aws.String(acctStatic), TargetType: admintypes.TargetTypeAwsAccount,
		PrincipalType: admintypes.PrincipalTypeUser, PrincipalId: aws.String(aliceUser.ID)}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.CreateAccountAssignment(ctx, &ssoadmin.CreateAccountAssignmentInput{InstanceArn: arn,
		PermissionSetArn: ps.PermissionSet.PermissionSetArn, TargetId: aws.String("999999999999"), TargetType: admintypes.TargetTypeAwsAccount,
		PrincipalType: admintypes.PrincipalTypeUser, PrincipalId: aws.String(aliceUser.ID)}); err == nil {
		t.Fatal("an assignment to an account that does not exist was made")
	}

	// A SCIM token made by an administrator (the admin command's call),
	// then used by a SCIM client to create dave.
	scimTok, bearer, err := srv.Srv.SCIMTokens().Create(dom.WithActor(ctx, dom.Actor{Type: dom.ActorAdmin, ID: "os:auditor"}), 0)
	if err != nil {
		t.Fatal(err)
	}
	secret(bearer)
	req, _ := http.NewRequest("POST", srv.URL+"/scim/v2/Users", bytes.NewReader([]byte(
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"dave","displayName":"Dave","name":{"givenName":"Dave","familyName":"Lister"},"active":true}`)))
	req.Header.Set("Authorization", "Bearer "+bearer)
	req.Header.Set("Content-Type", "application/scim+json")
	sresp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	sresp.Body.Close()
	if sresp.StatusCode != http.StatusCreated {
		t.Fatalf("SCIM create dave: %d", sresp.StatusCode)
	}

	// Alice signs out of the browser.
	resp, err = browser.PostForm(srv.URL+"/signout", url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	iam := ssoAdmin.ARN
	want := []wantEvent{
		{typ: audit.SignInFailed, actorType: "user", actor: "alice", target: "alice", user: "alice", network: true,
			details: map[string]string{"method": "password", "reason": "wrong_password"}},
		{typ: audit.SignInFailed, actorType: "user", network: true, details: map[string]string{"method": "password", "reason": "unknown_user"}},
		{typ: audit.SignInSucceeded, actorType: "user", actor: "alice", target: "alice", user: "alice", network: true,
			details: map[string]string{"method": "password"}},
		{typ: audit.DeviceApproved, actorType: "user", actor: "alice", target: "e2e", user: "alice", network: true, count: 2},
		{typ: audit.FamilyIssued, actorType: "client", actor: "e2e", target: "e2e", user: "alice", network: true,
			details: map[string]string{"grant": "urn:ietf:params:oauth:grant-type:device_code", "client_id": r.id}, count: 2},
		{typ: audit.ReuseDetected, actorType: "client", actor: "e2e", user: "alice", network: true,
			details: map[string]string{"reason": "refresh_token_reused"}},
		{typ: audit.FamilyRevoked, actorType: "user", actor: "alice", user: "alice", network: true,
			details: map[string]string{"reason": "logout"}},
		{typ: audit.UserCreated, actorType: "iam", actor: iam, target: "carol", user: "carol", network: true},
		{typ: audit.UserDisabled, actorType: "iam", actor: iam, target: "carol", user: "carol", network: true,
			details: map[string]string{"token_families": "revoked"}},
		{typ: audit.PermSetPut, actorType: "iam", actor: iam, target: "Auditor", network: true},
		{typ: audit.AssignmentPut, actorType: "iam", actor: iam, target: acctStatic + "/Auditor/user:" + aliceUser.ID, user: "alice", network: true},
		{typ: audit.SCIMTokenCreated, actorType: "admin", actor: "os:auditor", target: scimTok.ID},
		{typ: audit.UserCreated, actorType: "scim", actor: scimTok.ID, target: "dave", user: "dave", network: true},
		{typ: audit.SignedOut, actorType: "user", actor: "alice", target: "alice", user: "alice", network: true},
	}
	stored, err := store.ListEvents(ctx, dom.EventQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range want {
		found := 0
		for _, e := range stored {
			if w.matches(e) {
				found++
			}
		}
		if found != max(w.count, 1) {
			t.Errorf("%s by %s %q on %q: %d stored events match, want %d", w.typ, w.actorType, w.actor, w.target, found, max(w.count, 1))
		}
	}
	// Nothing else was recorded since the configuration was applied: not
	// the refresh rotations, not the changes that failed.
	total, scenario := 0, 0
	for _, w := range want {
		total += max(w.count, 1)
	}
	for _, e := range stored {
		if e.Actor.Type != dom.ActorConfig {
			scenario++
		}
	}
	if scenario != total {
		for _, e := range stored {
			t.Logf("stored: %s %s %s/%s %s", e.Type, e.Actor.Type, e.Target.Type, e.Target.Name, e.Details)
		}
		t.Errorf("%d events recorded by the scenario, want %d", scenario, total)
	}
	// Every stored event is logged once as an audit line, and no audit
	// line is logged for anything not stored.
	storedKeys := map[string]int{}
	for _, e := range stored {
		storedKeys[eventKey(e)]++
	}
	logged := map[string]int{}
	for _, m := range auditLines(t, logs.String()) {
		logged[lineKey(m)]++
	}
	for k, n := range storedKeys {
		if logged[k] != n {
			t.Errorf("stored %d times, logged %d times: %s", n, logged[k], k)
		}
	}
	for k, n := range logged {
		if storedKeys[k] == 0 {
			t.Errorf("logged %d times, never stored: %s", n, k)
		}
	}

	trail, _ := json.Marshal(stored)
	log := logs.String()
	for _, s := range secrets {
		if s == "" {
			continue
		}
		if bytes.Contains(trail, []byte(s)) {
			t.Errorf("the stored trail holds a secret: %q", s)
		}
		if strings.Contains(log, s) {
			t.Errorf("the log holds a secret: %q", s)
		}
	}
}

func (w wantEvent) matches(e dom.Event) bool {
	name := func(n, id string) string {
		if n != "" {
			return n
		}
		return id
	}
	if e.Type != w.typ || e.Actor.Type != w.actorType || name(e.Actor.Name, e.Actor.ID) != w.actor || e.Target.User != w.user {
		return false
	}
	if w.target != "" && name(e.Target.Name, e.Target.ID) != w.target {
		return false
	}
	if w.network != (e.Address == "127.0.0.1") || e.Time.IsZero() {
		return false
	}
	for k, v := range w.details {
		if e.Details[k] != v {
			return false
		}
	}
	return true
}

// auditLines returns the log's "audit" lines as maps.
func auditLines(t *testing.T, log string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(log))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("a log line is not JSON: %s", sc.Text())
		}
		if m["msg"] == "audit" {
			out = append(out, m)
		}
	}
	return out
}

// eventKey and lineKey say an event, stored or logged, as one string.
func eventKey(e dom.Event) string {
	var d []string
	for k, v := range e.Details {
		d = append(d, k+"="+v)
	}
	slices.Sort(d)
	return strings.Join([]string{e.Type, e.Actor.Type, e.Actor.ID, e.Actor.Name, e.Target.Type, e.Target.ID, e.Target.Name,
		e.Target.User, e.Address, strings.Join(d, " ")}, "|")
}

func lineKey(m map[string]any) string {
	str := func(k string) string { s, _ := m[k].(string); return s }
	var d []string
	for k, v := range m {
		if name, ok := strings.CutPrefix(k, "detail_"); ok {
			s, _ := v.(string)
			d = append(d, name+"="+s)
		}
	}
	slices.Sort(d)
	return strings.Join([]string{str("event"), str("actor_type"), str("actor_id"), str("actor"), str("target_type"), str("target_id"),
		str("target"), str("user"), str("client_addr"), strings.Join(d, " ")}, "|")
}

func mustParse(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestAuditAuthorize: /authorize approvals and denials on the consent
// page, the family an authorization code issues and the reuse of the code
// are recorded with the person, the client and the address, and the code,
// the verifier, the state and the tokens are in neither the trail nor the
// log.
func TestAuditAuthorize(t *testing.T) {
	h := newPKCEHarness(t)
	verifier := cliVerifier()
	challenge := strings.TrimRight(cliChallenge(verifier), "=")
	cb := "http://127.0.0.1:49152/oauth/callback"
	state := "state-" + uuid4()
	code := h.code(h.client.id, cb, challenge, state)
	resp, err := h.http.PostForm(h.srv.URL+"/authorize", url.Values{"request": {h.query(h.client.id, cb, challenge, "S256", state).Encode()},
		"decision": {"deny"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); !strings.Contains(loc, "error=access_denied") {
		t.Fatalf("deny: %d %q", resp.StatusCode, loc)
	}
	tok, err := sdk(h.srv).CreateToken(context.Background(), &ssooidc.CreateTokenInput{
		ClientId: &h.client.id, ClientSecret: &h.client.secret, GrantType: aws.String("authorization_code"),
		Code: &code, RedirectUri: &cb, CodeVerifier: &verifier,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.exchange(h.client, code, cb, verifier); err == nil {
		t.Fatal("a code was redeemed twice")
	}
	evs, err := h.srv.Store.ListEvents(context.Background(), dom.EventQuery{User: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	want := []wantEvent{
		{typ: audit.AuthorizeAllowed, actorType: "user", actor: "alice", target: "pkce", user: "alice", network: true,
			details: map[string]string{"redirect_uri": cb, "scopes": "sso:account:access"}},
		{typ: audit.AuthorizeDenied, actorType: "user", actor: "alice", target: "pkce", user: "alice", network: true},
		{typ: audit.FamilyIssued, actorType: "client", actor: "pkce", target: "pkce", user: "alice", network: true,
			details: map[string]string{"grant": "authorization_code"}},
		{typ: audit.ReuseDetected, actorType: "client", actor: "pkce", user: "alice", network: true,
			details: map[string]string{"reason": "authorization_code_reused"}},
	}
	for _, w := range want {
		n := 0
		for _, e := range evs {
			if w.matches(e) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s: %d events match, want 1: %+v", w.typ, n, evs)
		}
	}
	trail, _ := json.Marshal(evs)
	for _, s := range []string{code, verifier, challenge, state, *tok.AccessToken, *tok.RefreshToken, h.client.secret, "correct horse battery"} {
		if bytes.Contains(trail, []byte(s)) || strings.Contains(h.srv.Logs(), s) {
			t.Errorf("a secret is in the trail or the log: %q", s)
		}
	}
}
