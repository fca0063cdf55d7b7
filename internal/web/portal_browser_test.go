package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/browsertest"
)

// TestPortalPagesAccessible opens every page this issue added or changed
// in Chromium, signed in as alice over the fakes, and has axe-core check
// each in light and dark at 390 and 1280 pixels, and that it fits 320;
// with JavaScript, the copy buttons appear and the filter filters.
func TestPortalPagesAccessible(t *testing.T) {
	s := newSite(t, withPortal(&fakePortal{}, &fakeSecurity{}), func(o *Options) { o.Authorizer = fakeAuthorizer{} })
	b := browsertest.New(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	if err := b.Navigate(ctx, s.srv.URL+"/signin?next=/start"); err != nil {
		t.Fatal(err)
	}
	if err := b.SignIn(ctx, "alice", alicePassword); err != nil {
		t.Fatal(err)
	}
	for _, page := range []string{"/start", "/start?q=nothing-matches", "/start/credentials?account_id=111111111111&role_name=Admin",
		"/start/credentials?account_id=222222222222&role_name=ReadOnly", "/security", "/security?done=tool",
		"/authorize?client_id=good", "/authorize?client_id=nope", "/start/credentials?account_id=999999999999&role_name=Admin"} {
		if err := b.Navigate(ctx, s.srv.URL+page); err != nil {
			t.Fatal(err)
		}
		b.CheckLooks(ctx, page, nil)
	}
	// The script: a copy button per snippet, and the live filter.
	if err := b.SetViewport(ctx, 1280, 900, false); err != nil {
		t.Fatal(err)
	}
	if err := b.Navigate(ctx, s.srv.URL+"/start/credentials?account_id=111111111111&role_name=Admin"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := b.HasButton(ctx, "Copy"); !ok {
		t.Error("no copy button with JavaScript on")
	}
	if err := b.Navigate(ctx, s.srv.URL+"/start"); err != nil {
		t.Fatal(err)
	}
	if err := b.Fill(ctx, "Filter accounts by name, ID or email", "sandbox"); err != nil {
		t.Fatal(err)
	}
	text, _ := b.Text(ctx)
	if strings.Contains(text, "Production") || !strings.Contains(text, "1 account shown of 2") {
		t.Errorf("the live filter left:\n%s", text)
	}
}
