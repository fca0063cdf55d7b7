package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/sqlite"
	"github.com/ssooidc/ssooidc/internal/upstreamtest"
)

// upstreamYAML configures the providers the README shows, as Okta,
// Keycloak, Dex (OpenID Connect) and Entra ID (SAML) are set up: nothing
// in it is one provider's quirk.
const upstreamYAML = `
local_passwords: false
identity_providers:
  - id: okta
    name: Okta
    type: oidc
    issuer: https://example.okta.com
    client_id: 0oa1example
    client_secret_env: SSOOIDC_TEST_OKTA_SECRET
    scopes: [profile, email, groups]
    require_verified_email: true
    allowed_email_domains: [Example.com]
  - id: keycloak
    name: Keycloak
    type: oidc
    issuer: https://keycloak.example.com/realms/corp
    client_id: ssooidc
    client_secret_file: SECRET_FILE
    claims:
      groups: realm_access.roles
    link_by: user_name
  - id: dex
    name: Dex
    type: oidc
    issuer: https://dex.example.com
    client_id: ssooidc
    client_secret_env: SSOOIDC_TEST_OKTA_SECRET
    scopes: [profile, email, groups, offline_access]
  - id: entra
    name: Contoso
    type: saml
    idp_metadata_file: METADATA_FILE
    name_id_format: persistent
    subject_attribute: http://schemas.microsoft.com/identity/claims/objectidentifier
    attributes:
      user_name: http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name
      email: http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress
      display_name: http://schemas.microsoft.com/identity/claims/displayname
      groups: http://schemas.microsoft.com/ws/2008/06/identity/claims/groups
`

// writeUpstreamConfig writes doc with its files and returns the config
// path.
func writeUpstreamConfig(t *testing.T, doc string) string {
	t.Helper()
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	meta := filepath.Join(dir, "idp.xml")
	if err := os.WriteFile(secret, []byte("keycloak-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(meta, upstreamtest.NewSAMLForge(t).Metadata, 0o600); err != nil {
		t.Fatal(err)
	}
	doc = strings.NewReplacer("SECRET_FILE", secret, "METADATA_FILE", meta).Replace(doc)
	path := filepath.Join(dir, "ssooidc.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestUpstreamConfig: the documented shapes decode strictly and build,
// and a server starts with them and with passwords off.
func TestUpstreamConfig(t *testing.T) {
	t.Setenv("SSOOIDC_TEST_OKTA_SECRET", "okta-secret")
	fc, err := loadConfigFile(writeUpstreamConfig(t, upstreamYAML))
	if err != nil {
		t.Fatal(err)
	}
	build, noPasswords, err := fc.upstreams()
	if err != nil || !noPasswords {
		t.Fatalf("upstreams: %v, passwords off %v", err, noPasswords)
	}
	ps, err := build("https://sso.example.com/")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, p := range ps {
		ids = append(ids, p.ID+":"+p.Connector.Kind())
	}
	if strings.Join(ids, ",") != "okta:oidc,keycloak:oidc,dex:oidc,entra:saml" {
		t.Errorf("providers %v", ids)
	}
	if d := ps[0].Policy.AllowedEmailDomains; len(d) != 1 || d[0] != "example.com" {
		t.Errorf("domains %v", d)
	}
	if !ps[1].Policy.LinkByUserName || ps[0].Policy.LinkByUserName {
		t.Error("link_by")
	}
	md, err := ps[3].Connector.(interface {
		Metadata(context.Context) ([]byte, error)
	}).Metadata(context.Background())
	if err != nil || !strings.Contains(string(md), `entityID="https://sso.example.com/upstream/entra/metadata"`) ||
		!strings.Contains(string(md), `Location="https://sso.example.com/upstream/entra/acs"`) {
		t.Errorf("SP metadata %v:\n%s", err, md)
	}
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if _, err := server.New(ctx, store, server.Config{Upstreams: build, NoLocalPasswords: noPasswords}, nil); err != nil {
		t.Fatalf("server.New: %v", err)
	}
}

func TestUpstreamConfigErrors(t *testing.T) {
	for name, tc := range map[string]struct{ from, to, want string }{
		"secret env empty":      {"SSOOIDC_TEST_OKTA_SECRET\n    scopes: [profile, email, groups]\n", "SSOOIDC_TEST_UNSET_VARIABLE\n", "is empty"},
		"two secrets":           {"client_secret_file:", "client_secret_env: X\n    client_secret_file:", "one of client_secret_env"},
		"unknown type":          {"type: saml", "type: ws-fed", "not oidc or saml"},
		"saml setting on oidc":  {"    link_by: user_name\n", "    attributes: {email: mail}\n", "does not use"},
		"oidc setting on saml":  {"    name_id_format: persistent\n", "    name_id_format: persistent\n    client_id: x\n", "does not use"},
		"unknown member":        {"require_verified_email", "require_verified_mail", "require_verified_mail"},
		"bad link_by":           {"link_by: user_name", "link_by: email", "not external_id or user_name"},
		"duplicate id":          {"id: dex", "id: okta", "used twice"},
		"bad id":                {"id: dex", "id: Dex!", "lower-case"},
		"no name":               {"    name: Dex\n", "", "name is required"},
		"alg none":              {"    scopes: [profile, email, groups, offline_access]\n", "    signing_algorithms: [none]\n", "not accepted"},
		"transient, no subject": {"    subject_attribute: http://schemas.microsoft.com/identity/claims/objectidentifier\n", "", "xx"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Setenv("SSOOIDC_TEST_OKTA_SECRET", "okta-secret")
			doc := strings.Replace(upstreamYAML, tc.from, tc.to, 1)
			if name == "transient, no subject" {
				doc = strings.Replace(doc, "name_id_format: persistent", "name_id_format: transient", 1)
				tc.want = "transient NameID"
			}
			if doc == upstreamYAML {
				t.Fatalf("the case changed nothing")
			}
			fc, err := loadConfigFile(writeUpstreamConfig(t, doc))
			if err == nil {
				b, _, e := fc.upstreams()
				err = e
				if err == nil {
					_, err = b("https://sso.example.com")
				}
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
	var fc fileConfig
	off := false
	fc.LocalPasswords = &off
	if _, _, err := fc.upstreams(); err == nil || !strings.Contains(err.Error(), "needs at least one") {
		t.Errorf("passwords off with no provider: %v", err)
	}
}
