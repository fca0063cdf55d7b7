package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/ssooidc/ssooidc/internal/testnpm"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/servertest"
	"github.com/ssooidc/ssooidc/internal/sigv4"
	dom "github.com/ssooidc/ssooidc/internal/sso"
)

// TestSSOAdminJSSDK: the JS SDK v3's SSO Admin client manages permission
// sets, assignments and an application (documents, unions, dates,
// paginators) and maps our errors to its exception classes.
func TestSSOAdminJSSDK(t *testing.T) {
	modules := testnpm.Modules(t)
	srv := servertest.New(t, servertest.WithConfig(func(c *server.Config) {
		c.IAM.Principals = []sigv4.Principal{ssoAdmin}
		c.Directory.Accounts = []dom.Account{{ID: acctSTS, Name: "Production"}}
	}))
	srv.AddUser(t, "alice", "correct horse battery")
	alice, err := srv.Srv.People().GetUserByName(context.Background(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	in, _ := json.Marshal(map[string]string{"endpoint": srv.URL, "user_id": alice.ID, "account": acctSTS, "caller_arn": ssoAdmin.ARN})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join("testdata", "ssoadmin_js.cjs"))
	cmd.Env = pythonEnv(t, "NODE_PATH="+modules, "AWS_ACCESS_KEY_ID="+ssoAdmin.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+ssoAdmin.SecretAccessKey)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, stderr.String())
	}
	var r struct {
		Created           map[string]any            `json:"created"`
		CreatedDateIsDate bool                      `json:"createdDateIsDate"`
		Described         map[string]any            `json:"described"`
		InlineExact       bool                      `json:"inlineExact"`
		Status            string                    `json:"status"`
		ForPrincipal      []map[string]any          `json:"forPrincipal"`
		Tags              []map[string]any          `json:"tags"`
		Paged             []int                     `json:"paged"`
		Grant             map[string]any            `json:"grant"`
		Policy            map[string]any            `json:"policy"`
		Errors            map[string]map[string]any `json:"errors"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("node output %q: %v", out, err)
	}
	if r.Created["SessionDuration"] != "PT8H" || !r.CreatedDateIsDate || r.Described["Description"] != "Reads the warehouse" {
		t.Errorf("permission set %v / %v", r.Created, r.Described)
	}
	if !r.InlineExact || r.Status != "SUCCEEDED" || len(r.ForPrincipal) != 1 || len(r.Tags) != 1 {
		t.Errorf("inline exact %v, status %s, assignments %v, tags %v", r.InlineExact, r.Status, r.ForPrincipal, r.Tags)
	}
	if len(r.Paged) != 2 || r.Paged[0] != 2 || r.Paged[1] != 2 {
		t.Errorf("pages of two: %v", r.Paged)
	}
	if code, _ := r.Grant["AuthorizationCode"].(map[string]any); code == nil {
		t.Errorf("grant %v", r.Grant)
	}
	if stmts, _ := r.Policy["Statement"].([]any); len(stmts) != 1 {
		t.Errorf("actor policy %v", r.Policy)
	}
	for name, want := range map[string]string{"unknown": "ResourceNotFoundException", "invalid": "ValidationException",
		"conflict": "ConflictException", "refused": "ValidationException"} {
		got := r.Errors[name]
		if got["name"] != want || got["status"] != float64(400) || strings.TrimSpace(got["message"].(string)) == "" {
			t.Errorf("%s: %v, want %s", name, got, want)
		}
	}
}
