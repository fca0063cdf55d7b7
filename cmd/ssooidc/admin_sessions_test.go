package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssooidc/ssooidc/internal/identity"
	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/sqlite"
	"github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/wire"
)

// TestAdminSessions lists alice's browser and CLI sessions with the
// command, revokes the CLI's by its ID (its refresh is refused at once by
// a server on the same store), then all of hers.
func TestAdminSessions(t *testing.T) {
	dir := t.TempDir()
	dd := "--data-dir=" + dir
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(dir, "ssooidc.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	srv, err := server.New(ctx, store, server.Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	alice, err := srv.Identity().AddUser(ctx, identity.UserSpec{Name: "alice", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := srv.Identity().StartSession(sso.WithUserAgent(ctx, "Mozilla/5.0 Firefox/130.0"), alice, "password"); err != nil {
		t.Fatal(err)
	}
	post := func(path string, in, out any) int {
		t.Helper()
		b, _ := json.Marshal(in)
		resp, err := http.Post(ts.URL+path, "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if out != nil {
			_ = json.NewDecoder(resp.Body).Decode(out)
		}
		return resp.StatusCode
	}
	s := func(v string) *string { return &v }
	var reg wire.RegisterClientResponse
	post(wire.PathRegisterClient, wire.RegisterClientRequest{ClientName: s("botocore-client-my-sso"), ClientType: s("public"),
		Scopes: []string{"sso:account:access"}}, &reg)
	var start wire.StartDeviceAuthorizationResponse
	post(wire.PathStartDeviceAuthorization, wire.StartDeviceAuthorizationRequest{ClientID: &reg.ClientID,
		ClientSecret: &reg.ClientSecret, StartURL: s(server.DefaultStartURL)}, &start)
	if err := srv.Devices().Decide(ctx, start.UserCode, alice.ID, true); err != nil {
		t.Fatal(err)
	}
	var tok wire.CreateTokenResponse
	if code := post(wire.PathCreateToken, wire.CreateTokenRequest{ClientID: &reg.ClientID, ClientSecret: &reg.ClientSecret,
		GrantType: s(wire.GrantDeviceCode), DeviceCode: &start.DeviceCode}, &tok); code != 200 {
		t.Fatalf("CreateToken: %d", code)
	}

	list := mustRun(t, "", "admin", "sessions", "list", dd)
	bs, ts2, err := srv.Sessions().List(ctx, alice.ID, "")
	if err != nil || len(bs) != 1 || len(ts2) != 1 {
		t.Fatalf("sessions: %v %v %v", bs, ts2, err)
	}
	for _, want := range []string{"cli", "browser", "alice", ts2[0].ID, bs[0].ID, "botocore-client-my-sso", "Mozilla/5.0 Firefox/130.0"} {
		if !strings.Contains(list, want) {
			t.Errorf("admin sessions list lacks %q:\n%s", want, list)
		}
	}
	if l := mustRun(t, "", "admin", "sessions", "list", "--user", "alice", dd); l != list {
		t.Errorf("--user alice lists otherwise:\n%s", l)
	}
	for _, bad := range [][]string{{}, {"revoke"}, {"revoke", "--user", "nobody"}, {"revoke", "--user", "alice", "--id", "f00"},
		{"list", "alice"}, {"kill"}, {"list", "--user", "nobody"}} {
		if _, _, err := runCmd(t, "", append(append([]string{"admin", "sessions"}, bad...), dd)...); err == nil {
			t.Errorf("admin sessions %v succeeded", bad)
		}
	}

	out := mustRun(t, "", "admin", "sessions", "revoke", "--user", "alice", "--id", ts2[0].ID, dd)
	if !strings.Contains(out, "Signed out the CLI or SDK session "+ts2[0].ID+" of alice") {
		t.Errorf("revoke printed %q", out)
	}
	var oerr wire.OIDCError
	if code := post(wire.PathCreateToken, wire.CreateTokenRequest{ClientID: &reg.ClientID, ClientSecret: &reg.ClientSecret,
		GrantType: s(wire.GrantRefreshToken), RefreshToken: tok.RefreshToken}, &oerr); code != 400 || oerr.Type != "InvalidGrantException" {
		t.Errorf("refresh after revoke: %d %+v", code, oerr)
	}
	out = mustRun(t, "", "admin", "sessions", "revoke", "--user", "alice", dd)
	if !strings.Contains(out, "1 browser session and 0 CLI or SDK sessions ended") {
		t.Errorf("revoke all printed %q", out)
	}
	if l := mustRun(t, "", "admin", "sessions", "list", dd); strings.Contains(l, "alice") {
		t.Errorf("alice's sessions after revoking all:\n%s", l)
	}
	// Both are in the audit trail, by the admin.
	evs, err := store.ListEvents(ctx, sso.EventQuery{User: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	for _, e := range evs {
		if e.Actor.Type == sso.ActorAdmin {
			seen = append(seen, e.Type)
		}
	}
	if strings.Join(seen, ",") != "signin.signed_out,token.family_revoked" {
		t.Errorf("admin events about alice: %v", seen)
	}
}
