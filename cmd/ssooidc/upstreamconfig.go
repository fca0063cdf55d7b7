package main

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/ssooidc/ssooidc/internal/upstream"
	"github.com/ssooidc/ssooidc/internal/upstream/oidc"
	"github.com/ssooidc/ssooidc/internal/upstream/saml"
)

// identityProviderConfig is one entry of the config file's
// "identity_providers" section: an organization's identity provider that
// people sign in with ("Sign in with NAME" on the sign-in page).
//
//	local_passwords: false            # only the identity providers below (default true)
//	identity_providers:
//	  - id: okta                      # in URLs: PUBLIC_URL/upstream/okta/callback
//	    name: Okta                    # the button: "Sign in with Okta"
//	    type: oidc
//	    issuer: https://example.okta.com
//	    client_id: 0oa1example
//	    client_secret_env: OKTA_CLIENT_SECRET   # or client_secret_file: /run/secrets/okta
//	    scopes: [profile, email, groups]        # besides openid; default [profile, email]
//	    claims:                                 # dotted paths for nested claims
//	      user_name: preferred_username         # default; the email when absent
//	      email: email
//	      display_name: name
//	      groups: groups                        # default; "-" manages no groups
//	    require_verified_email: true            # email_verified must be true
//	    get_user_info: false                    # also read the UserInfo endpoint
//	    signing_algorithms: [RS256]             # default: what discovery lists
//	    link_by: external_id                    # or user_name: adopt a local user of the same name
//	    allowed_email_domains: [example.com]
//	  - id: entra
//	    name: Contoso
//	    type: saml
//	    idp_metadata_url: https://login.microsoftonline.com/TENANT/federationmetadata/2007-06/federationmetadata.xml?appid=APP
//	    # idp_metadata_file: /etc/ssooidc/idp.xml
//	    # idp_entity_id: https://idp.example.com/  # when the metadata lists several
//	    # entity_id: defaults to PUBLIC_URL/upstream/entra/metadata
//	    name_id_format: persistent              # unspecified (default), persistent, email, transient, or a URN
//	    # subject_attribute: http://schemas.microsoft.com/identity/claims/objectidentifier
//	    attributes:                             # by Name (URI) or FriendlyName
//	      user_name: http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name
//	      email: http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress
//	      display_name: http://schemas.microsoft.com/identity/claims/displayname
//	      groups: http://schemas.microsoft.com/ws/2008/06/identity/claims/groups
//	    # sp_key_file / sp_cert_file: sign AuthnRequests, decrypt assertions
//	    # allow_idp_initiated: false
type identityProviderConfig struct {
	ID                  string   `yaml:"id"`
	Name                string   `yaml:"name"`
	Type                string   `yaml:"type"`
	LinkBy              string   `yaml:"link_by"`
	AllowedEmailDomains []string `yaml:"allowed_email_domains"`

	// OpenID Connect.
	Issuer               string       `yaml:"issuer"`
	ClientID             string       `yaml:"client_id"`
	ClientSecretEnv      string       `yaml:"client_secret_env"`
	ClientSecretFile     string       `yaml:"client_secret_file"`
	Scopes               []string     `yaml:"scopes"`
	Claims               claimsConfig `yaml:"claims"`
	RequireVerifiedEmail bool         `yaml:"require_verified_email"`
	GetUserInfo          bool         `yaml:"get_user_info"`
	SigningAlgorithms    []string     `yaml:"signing_algorithms"`

	// SAML 2.0.
	IDPMetadataURL    string           `yaml:"idp_metadata_url"`
	IDPMetadataFile   string           `yaml:"idp_metadata_file"`
	IDPEntityID       string           `yaml:"idp_entity_id"`
	MetadataRefresh   time.Duration    `yaml:"metadata_refresh"`
	EntityID          string           `yaml:"entity_id"`
	NameIDFormat      string           `yaml:"name_id_format"`
	SubjectAttribute  string           `yaml:"subject_attribute"`
	Attributes        attributesConfig `yaml:"attributes"`
	AllowIDPInitiated bool             `yaml:"allow_idp_initiated"`
	AllowSHA1         bool             `yaml:"allow_sha1"`
	SPKeyFile         string           `yaml:"sp_key_file"`
	SPCertFile        string           `yaml:"sp_cert_file"`
}

type claimsConfig struct {
	UserName      string `yaml:"user_name"`
	Email         string `yaml:"email"`
	EmailVerified string `yaml:"email_verified"`
	DisplayName   string `yaml:"display_name"`
	Groups        string `yaml:"groups"`
}

type attributesConfig struct {
	UserName    string `yaml:"user_name"`
	Email       string `yaml:"email"`
	DisplayName string `yaml:"display_name"`
	Groups      string `yaml:"groups"`
}

// upstreams returns what the server needs to build the identity
// providers of the file (they need the public URL for their endpoints),
// and whether local passwords are off. Secrets and key files are read
// when the server starts.
func (fc fileConfig) upstreams() (func(publicURL string) ([]upstream.Provider, error), bool, error) {
	noPasswords := fc.LocalPasswords != nil && !*fc.LocalPasswords
	if len(fc.IdentityProviders) == 0 {
		if noPasswords {
			return nil, false, errors.New("local_passwords: false needs at least one entry under identity_providers")
		}
		return nil, false, nil
	}
	seen := map[string]bool{}
	for i, c := range fc.IdentityProviders {
		if err := upstream.CheckID(c.ID); err != nil {
			return nil, false, fmt.Errorf("identity_providers[%d]: %w", i, err)
		}
		if seen[c.ID] {
			return nil, false, fmt.Errorf("identity_providers: id %q is used twice", c.ID)
		}
		seen[c.ID] = true
	}
	build := func(publicURL string) ([]upstream.Provider, error) {
		var out []upstream.Provider
		for _, c := range fc.IdentityProviders {
			p, err := c.provider(strings.TrimRight(publicURL, "/"))
			if err != nil {
				return nil, fmt.Errorf("identity provider %q: %w", c.ID, err)
			}
			out = append(out, p)
		}
		return out, nil
	}
	return build, noPasswords, nil
}

// provider builds the configured provider.
func (c identityProviderConfig) provider(publicURL string) (upstream.Provider, error) {
	p := upstream.Provider{ID: c.ID, Name: c.Name}
	if c.Name == "" {
		return p, errors.New("name is required (the button says \"Sign in with NAME\")")
	}
	switch c.LinkBy {
	case "", "external_id":
	case "user_name":
		p.Policy.LinkByUserName = true
	default:
		return p, fmt.Errorf("link_by %q is not external_id or user_name", c.LinkBy)
	}
	for _, d := range c.AllowedEmailDomains {
		d = strings.ToLower(strings.TrimSpace(d))
		if d == "" || strings.ContainsAny(d, "@ ") {
			return p, fmt.Errorf("allowed_email_domains: %q is not a domain", d)
		}
		p.Policy.AllowedEmailDomains = append(p.Policy.AllowedEmailDomains, d)
	}
	base := publicURL + "/upstream/" + c.ID
	var err error
	switch c.Type {
	case upstream.KindOIDC:
		if err := c.only("oidc", c.IDPMetadataURL, c.IDPMetadataFile, c.IDPEntityID, c.EntityID, c.NameIDFormat,
			c.SubjectAttribute, c.SPKeyFile, c.SPCertFile, c.Attributes.UserName, c.Attributes.Email,
			c.Attributes.DisplayName, c.Attributes.Groups); err != nil {
			return p, err
		}
		p.Connector, err = c.oidc(base + "/callback")
	case upstream.KindSAML:
		if err := c.only("saml", c.Issuer, c.ClientID, c.ClientSecretEnv, c.ClientSecretFile, c.Claims.UserName,
			c.Claims.Email, c.Claims.EmailVerified, c.Claims.DisplayName, c.Claims.Groups); err != nil {
			return p, err
		}
		p.Connector, err = c.saml(base)
	default:
		return p, fmt.Errorf("type %q is not oidc or saml", c.Type)
	}
	return p, err
}

// only refuses settings of the other type: a typo'd provider should not
// start with some of its settings silently ignored.
func (c identityProviderConfig) only(kind string, others ...string) error {
	for _, v := range others {
		if v != "" {
			return fmt.Errorf("%q is set, which a provider of type %s does not use", v, kind)
		}
	}
	return nil
}

func (c identityProviderConfig) oidc(redirect string) (*oidc.Connector, error) {
	secret, err := readSecret(c.ClientSecretEnv, c.ClientSecretFile)
	if err != nil {
		return nil, err
	}
	return oidc.New(oidc.Config{Name: c.Name, Issuer: c.Issuer, ClientID: c.ClientID, ClientSecret: secret,
		RedirectURL: redirect, Scopes: c.Scopes, RequireVerifiedEmail: c.RequireVerifiedEmail, UserInfo: c.GetUserInfo,
		SigningAlgorithms: c.SigningAlgorithms,
		Claims: oidc.Claims{UserName: c.Claims.UserName, Email: c.Claims.Email, EmailVerified: c.Claims.EmailVerified,
			DisplayName: c.Claims.DisplayName, Groups: c.Claims.Groups}})
}

// readSecret reads the client secret from the environment variable env
// or the file path (one trailing newline dropped); neither is a public
// client.
func readSecret(env, path string) (string, error) {
	switch {
	case env != "" && path != "":
		return "", errors.New("give one of client_secret_env and client_secret_file")
	case env != "":
		v := os.Getenv(env)
		if v == "" {
			return "", fmt.Errorf("client_secret_env: the environment variable %s is empty or not set", env)
		}
		return v, nil
	case path != "":
		b, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("client_secret_file: %w", err)
		}
		v := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
		if v == "" {
			return "", fmt.Errorf("client_secret_file %s is empty", path)
		}
		return v, nil
	}
	return "", nil
}

func (c identityProviderConfig) saml(base string) (*saml.Connector, error) {
	cfg := saml.Config{Name: c.Name, MetadataURL: base + "/metadata", ACSURL: base + "/acs", EntityID: c.EntityID,
		IDPMetadataURL: c.IDPMetadataURL, IDPEntityID: c.IDPEntityID, MetadataRefresh: c.MetadataRefresh,
		NameIDFormat: c.NameIDFormat, Subject: c.SubjectAttribute, AllowIDPInitiated: c.AllowIDPInitiated, AllowSHA1: c.AllowSHA1,
		Attributes: saml.Attributes{UserName: c.Attributes.UserName, Email: c.Attributes.Email,
			DisplayName: c.Attributes.DisplayName, Groups: c.Attributes.Groups}}
	if c.IDPMetadataFile != "" {
		b, err := os.ReadFile(c.IDPMetadataFile)
		if err != nil {
			return nil, fmt.Errorf("idp_metadata_file: %w", err)
		}
		cfg.IDPMetadata = b
	}
	if c.SPKeyFile != "" || c.SPCertFile != "" {
		var err error
		if cfg.Key, cfg.Certificate, err = loadKeyPair(c.SPKeyFile, c.SPCertFile); err != nil {
			return nil, err
		}
	}
	return saml.New(cfg)
}

// loadKeyPair reads a PEM private key (PKCS#8, PKCS#1 or SEC 1) and its
// PEM certificate.
func loadKeyPair(keyFile, certFile string) (crypto.Signer, *x509.Certificate, error) {
	if keyFile == "" || certFile == "" {
		return nil, nil, errors.New("sp_key_file and sp_cert_file go together")
	}
	kb, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, nil, fmt.Errorf("sp_key_file: %w", err)
	}
	cb, err := os.ReadFile(certFile)
	if err != nil {
		return nil, nil, fmt.Errorf("sp_cert_file: %w", err)
	}
	kblock, _ := pem.Decode(kb)
	cblock, _ := pem.Decode(cb)
	if kblock == nil || cblock == nil {
		return nil, nil, errors.New("sp_key_file and sp_cert_file must be PEM")
	}
	var key any
	if key, err = x509.ParsePKCS8PrivateKey(kblock.Bytes); err != nil {
		if key, err = x509.ParsePKCS1PrivateKey(kblock.Bytes); err != nil {
			if key, err = x509.ParseECPrivateKey(kblock.Bytes); err != nil {
				return nil, nil, errors.New("sp_key_file: not a PKCS#8, PKCS#1 or SEC 1 private key")
			}
		}
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, nil, fmt.Errorf("sp_key_file: a %T cannot sign", key)
	}
	cert, err := x509.ParseCertificate(cblock.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("sp_cert_file: %w", err)
	}
	return signer, cert, nil
}
