package server_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssooidc/ssooidc/internal/audit"
	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/servertest"
	"github.com/ssooidc/ssooidc/internal/sqlite"
	"github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/wire"
)

// post sends a JSON body to the API and decodes the answer.
func post(t *testing.T, u string, in, out any) int {
	t.Helper()
	b, _ := json.Marshal(in)
	resp, err := http.Post(u, "application/json", strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		_ = json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

// startDevice registers a client named name and starts a device
// authorization; it returns the user code.
func startDevice(t *testing.T, srv *servertest.Server, name string) string {
	t.Helper()
	var reg wire.RegisterClientResponse
	if st := post(t, srv.URL+wire.PathRegisterClient, map[string]any{"clientName": name, "clientType": "public"}, &reg); st != 200 {
		t.Fatalf("RegisterClient: %d", st)
	}
	var auth wire.StartDeviceAuthorizationResponse
	if st := post(t, srv.URL+wire.PathStartDeviceAuthorization, map[string]any{"clientId": reg.ClientID,
		"clientSecret": reg.ClientSecret, "startUrl": servertest.StartURL}, &auth); st != 200 {
		t.Fatalf("StartDeviceAuthorization: %d", st)
	}
	return auth.UserCode
}

// events returns the audit events of type typ, oldest first.
func events(t *testing.T, srv *servertest.Server, typ string) []sso.Event {
	t.Helper()
	all, err := srv.Store.ListEvents(context.Background(), sso.EventQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var out []sso.Event
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].Type == typ {
			out = append(out, all[i])
		}
	}
	return out
}

// TestDecisionsAudited: a decision on the page, by DecideDevice (the admin
// command, the test kit) or by auto-approve is one audit event, written
// with the decision, naming its actor, the person and the client; a
// decision that fails writes none.
func TestDecisionsAudited(t *testing.T) {
	srv := servertest.New(t)
	srv.AddUser(t, "alice", "correct horse battery")

	// The page: alice signs in and presses Allow.
	code := startDevice(t, srv, "page-client")
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.PostForm(srv.URL+"/signin", url.Values{"username": {"alice"}, "password": {"correct horse battery"}, "next": {"/device"}})
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: %v %v", err, resp)
	}
	resp.Body.Close()
	resp, err = hc.PostForm(srv.URL+"/device/decide", url.Values{"user_code": {code}, "decision": {"allow"}})
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("decide on the page: %v %v", err, resp)
	}
	resp.Body.Close()

	// The admin command's path, as a deny.
	admin := sso.WithActor(context.Background(), sso.Actor{Type: sso.ActorAdmin, ID: "os:ops"})
	code2 := startDevice(t, srv, "admin-client")
	d, err := srv.Srv.DecideDevice(admin, strings.ToLower(strings.ReplaceAll(code2, "-", "")), "alice", false)
	if err != nil {
		t.Fatal(err)
	}
	if d.UserCode != code2 || d.ClientName != "admin-client" || d.User != "alice" || d.Approved || d.StartURL != servertest.StartURL {
		t.Errorf("decision %+v", d)
	}
	// Failed decisions: decided already, an unknown user, a typo.
	if _, err := srv.Srv.DecideDevice(admin, code2, "alice", true); sso.CodeOf(err) != sso.CodeInvalidGrant {
		t.Errorf("deciding twice: %v", err)
	}
	if _, err := srv.Srv.DecideDevice(admin, startDevice(t, srv, "x"), "mallory", true); sso.CodeOf(err) != sso.CodeResourceNotFound {
		t.Errorf("an unknown user: %v", err)
	}
	if _, err := srv.Srv.DecideDevice(admin, "BCDF-GHJK", "alice", true); sso.CodeOf(err) != sso.CodeInvalidGrant {
		t.Errorf("an unknown code: %v", err)
	}

	approved, denied := events(t, srv, audit.DeviceApproved), events(t, srv, audit.DeviceDenied)
	if len(approved) != 1 || len(denied) != 1 {
		t.Fatalf("%d approved and %d denied events, want one each", len(approved), len(denied))
	}
	a, n := approved[0], denied[0]
	if a.Actor.Type != sso.ActorUser || a.Actor.Name != "alice" || a.Target.Type != audit.TargetClient ||
		a.Target.Name != "page-client" || a.Target.User != "alice" || a.Target.ID == "" {
		t.Errorf("the page's event %+v", a)
	}
	if n.Actor != (sso.Actor{Type: sso.ActorAdmin, ID: "os:ops"}) || n.Target.Name != "admin-client" || n.Target.User != "alice" {
		t.Errorf("the admin's event %+v", n)
	}
}

// TestDisabledUserCannotApprove: a disabled person decides nothing.
func TestDisabledUserCannotApprove(t *testing.T) {
	srv := servertest.New(t)
	srv.AddUser(t, "alice", "correct horse battery")
	ctx := context.Background()
	u, err := srv.Srv.People().GetUserByName(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Srv.People().UpdateUser(ctx, u.ID, func(u *sso.User) error { u.Disabled = true; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Srv.DecideDevice(ctx, startDevice(t, srv, "c"), "alice", true); sso.CodeOf(err) != sso.CodeAccessDenied {
		t.Errorf("a disabled user approved: %v", err)
	}
	if _, err := srv.Srv.DecideAuthorize(ctx, url.Values{}, "alice", true); sso.CodeOf(err) != sso.CodeAccessDenied {
		t.Errorf("a disabled user authorized: %v", err)
	}
}

// TestAutoApproveOnlyOnLoopback: Serve refuses a listener that is not
// loopback when auto-approve is on.
func TestAutoApproveOnlyOnLoopback(t *testing.T) {
	for _, tc := range []struct {
		addr string
		ok   bool
	}{
		{"127.0.0.1:8080", true}, {"127.1.2.3:8080", true}, {"[::1]:8080", true}, {"[::ffff:127.0.0.1]:8080", true},
		{"0.0.0.0:8080", false}, {"[::]:8080", false}, {"192.0.2.7:8080", false}, {"[2001:db8::1]:8080", false},
	} {
		a, err := net.ResolveTCPAddr("tcp", tc.addr)
		if err != nil {
			t.Fatal(err)
		}
		if err := server.CheckLoopback(a); (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.addr, err)
		}
	}
	// Serve checks the listener it is given.
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	srv, err := server.New(ctx, store, server.Config{AutoApprove: "ci"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := srv.Serve(ctx, l); err == nil || !strings.Contains(err.Error(), "only on a loopback address") {
		t.Errorf("Serve on every address with auto-approve: %v", err)
	}
	// The auto-approve person was created, with a password nobody knows.
	if u, err := srv.People().GetUserByName(ctx, "ci"); err != nil || u.Disabled {
		t.Errorf("the auto-approve user: %+v %v", u, err)
	}
}

// TestAutoApproveWithoutItsUser: when the auto-approve person is gone,
// StartDeviceAuthorization fails at once (InternalServerException, the
// cause in the log) rather than leaving a login pending that nobody will
// approve, and GET /authorize says why with a 403, never a code.
func TestAutoApproveWithoutItsUser(t *testing.T) {
	srv := servertest.New(t, servertest.WithConfig(func(c *server.Config) { c.AutoApprove = "ci" }))
	if err := srv.Srv.Identity().DeleteUser(sso.WithActor(context.Background(), sso.Actor{Type: sso.ActorAdmin, ID: "os:ops"}), "ci"); err != nil {
		t.Fatal(err)
	}
	var reg wire.RegisterClientResponse
	post(t, srv.URL+wire.PathRegisterClient, map[string]any{"clientName": "c", "clientType": "public",
		"grantTypes": []string{"authorization_code"}, "redirectUris": []string{"http://127.0.0.1/oauth/callback"}}, &reg)
	var dev wire.RegisterClientResponse
	post(t, srv.URL+wire.PathRegisterClient, map[string]any{"clientName": "d", "clientType": "public"}, &dev)
	var errBody map[string]any
	if st := post(t, srv.URL+wire.PathStartDeviceAuthorization, map[string]any{"clientId": dev.ClientID,
		"clientSecret": dev.ClientSecret, "startUrl": servertest.StartURL}, &errBody); st != http.StatusInternalServerError {
		t.Errorf("StartDeviceAuthorization: %d %v", st, errBody)
	}
	if !strings.Contains(srv.Logs(), `no user is named \"ci\"`) {
		t.Errorf("the log does not say why:\n%s", srv.Logs())
	}
	q := url.Values{"response_type": {"code"}, "client_id": {reg.ClientID}, "redirect_uri": {"http://127.0.0.1:5000/oauth/callback"},
		"state": {"s"}, "code_challenge": {strings.Repeat("A", 43)}, "code_challenge_method": {"S256"}}
	resp, err := http.Get(srv.URL + "/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b := make([]byte, 512)
	n, _ := resp.Body.Read(b)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(b[:n]), `no user is named "ci"`) {
		t.Errorf("GET /authorize: %d %q", resp.StatusCode, b[:n])
	}
}
