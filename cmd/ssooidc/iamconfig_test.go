package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/sqlite"
)

const iamYAML = `
iam:
  key_rotation: 24h
  identity_store_id: d-1234567890
  principals:
    - arn: arn:aws:iam::123456789012:role/web-app
      access_key_id: AKIAIOSFODNN7EXAMPLE
      secret_access_key_env: SSOOIDC_TEST_WEB_APP_SECRET
    - arn: arn:aws:sts::123456789012:assumed-role/batch/s1
      account: "123456789012"
      access_key_id: ASIAEXAMPLE
      secret_access_key: batch-secret
      session_token: batch-token
  applications:
    - arn: arn:aws:sso::123456789012:application/ssoins-1111111111111111/apl-2222222222222222
      name: Web app
      grant_types: [authorization_code, refresh_token, jwt-bearer, token-exchange]
      redirect_uris: [https://app.example.com/callback]
      scopes: [app:read]
      principals: [arn:aws:iam::123456789012:role/web-app, "123456789012"]
      trusted_token_issuers:
        - name: entra
          issuer_url: https://login.example.com/tenant/v2.0
          jwks: '{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","kid":"k1"}]}'
          audiences: [api://web-app]
          user_claim: preferred_username
`

func decodeIAM(t *testing.T, doc string) iamFileConfig {
	t.Helper()
	var fc struct {
		IAM iamFileConfig `yaml:"iam"`
	}
	dec := yaml.NewDecoder(bytes.NewReader([]byte(doc)))
	dec.KnownFields(true)
	if err := dec.Decode(&fc); err != nil {
		t.Fatal(err)
	}
	return fc.IAM
}

// TestIAMConfig: the documented shape decodes strictly, converts, and a
// server starts with it.
func TestIAMConfig(t *testing.T) {
	t.Setenv("SSOOIDC_TEST_WEB_APP_SECRET", "web-secret")
	c, err := decodeIAM(t, iamYAML).serverConfig()
	if err != nil {
		t.Fatal(err)
	}
	if c.KeyRotation != 24*time.Hour || c.IdentityStoreID != "d-1234567890" || len(c.Principals) != 2 || len(c.Applications) != 1 {
		t.Fatalf("%+v", c)
	}
	if p := c.Principals[0]; p.SecretAccessKey != "web-secret" || p.Account != "123456789012" {
		t.Errorf("principal %+v", p)
	}
	if p := c.Principals[1]; p.SessionToken != "batch-token" {
		t.Errorf("principal %+v", p)
	}
	if a := c.Applications[0]; len(a.TrustedTokenIssuers) != 1 || len(a.TrustedTokenIssuers[0].JWKS) == 0 {
		t.Errorf("application %+v", a)
	}
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if _, err := server.New(ctx, store, server.Config{IAM: c}, nil); err != nil {
		t.Fatalf("server.New: %v", err)
	}
}

func TestIAMConfigErrors(t *testing.T) {
	for name, tc := range map[string]struct{ from, to, want string }{
		"env empty":      {"SSOOIDC_TEST_WEB_APP_SECRET", "SSOOIDC_TEST_UNSET_VARIABLE", "is empty"},
		"both secrets":   {"account: \"123456789012\"", "secret_access_key_env: X", "not both"},
		"no key id":      {"access_key_id: ASIAEXAMPLE", "", "required"},
		"unknown member": {"name: Web app", "nom: Web app", "nom"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Setenv("SSOOIDC_TEST_WEB_APP_SECRET", "web-secret")
			doc := strings.Replace(iamYAML, tc.from, tc.to, 1)
			var fc struct {
				IAM iamFileConfig `yaml:"iam"`
			}
			dec := yaml.NewDecoder(bytes.NewReader([]byte(doc)))
			dec.KnownFields(true)
			err := dec.Decode(&fc)
			if err == nil {
				_, err = fc.IAM.serverConfig()
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
	if got := arnAccount("arn:aws:iam::123456789012:role/x"); got != "123456789012" {
		t.Errorf("arnAccount %q", got)
	}
	if got := arnAccount("nope"); got != "" {
		t.Errorf("arnAccount %q", got)
	}
}
