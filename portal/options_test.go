package portal_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/ssooidc/ssooidc/portal"
)

// TestPerCallOptionsAndMetadata: every portal operation and paginator page
// takes per-call options (here: another endpoint), and every output
// carries the response's metadata.
func TestPerCallOptionsAndMetadata(t *testing.T) {
	isolateEnv(t)
	ctx := context.Background()
	pages := &pagedPortal{}
	other := httptest.NewServer(pages)
	defer other.Close()
	unused := newRecorder(t)
	c, err := portal.New(ctx, portal.WithRegion("us-east-1"), portal.WithEndpoint(unused.URL))
	if err != nil {
		t.Fatal(err)
	}
	there := func(o *portal.Options) { o.BaseEndpoint = other.URL }
	p := portal.NewListAccountsPaginator(c, &portal.ListAccountsInput{AccessToken: "tok"})
	n := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx, there)
		if err != nil {
			t.Fatal(err)
		}
		if out.ResultMetadata.StatusCode != 200 || out.ResultMetadata.Attempts != 1 || out.ResultMetadata.Header.Get("Content-Type") != "application/json" {
			t.Errorf("metadata %+v", out.ResultMetadata)
		}
		n += len(out.AccountList)
	}
	roles, err := c.ListAccountRoles(ctx, &portal.ListAccountRolesInput{AccessToken: "tok", AccountID: "1"}, there)
	if err != nil || len(roles.RoleList) == 0 {
		t.Fatalf("roles: %v", err)
	}
	if n != 5 || len(pages.take()) != 4 || len(unused.take()) != 0 {
		t.Errorf("%d accounts; the per-call endpoint was not used", n)
	}
	out, err := c.Logout(ctx, &portal.LogoutInput{AccessToken: "tok"})
	if err != nil || out.ResultMetadata.RequestID != out.RequestID || len(unused.take()) != 1 {
		t.Errorf("logout at the client's endpoint: %v %+v", err, out)
	}
}
