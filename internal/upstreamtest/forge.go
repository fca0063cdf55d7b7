package upstreamtest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/go-jose/go-jose/v4"
	dsig "github.com/russellhaering/goxmldsig"
)

// The forges below are not identity providers: they answer with whatever
// the test asks for (a token signed with "none", an assertion for another
// audience), so that every bad answer a real provider would never send
// can be tried. The real providers are OP and SAMLIdP.

// OIDCForge is an OpenID Provider on loopback whose ID tokens the test
// shapes: discovery, JWKS, an authorization endpoint that answers at once
// (no login page) and a token endpoint that checks the PKCE verifier.
type OIDCForge struct {
	Issuer       string
	ClientID     string
	ClientSecret string

	key   *rsa.PrivateKey
	other *rsa.PrivateKey // a key the JWKS does not list

	mu sync.Mutex
	// Alg signs ID tokens: RS256 (default), "none" or HS256 (keyed
	// with the client secret).
	alg string
	// otherKey signs with a key the JWKS does not list.
	otherKey bool
	// shape changes the claims of the next ID tokens.
	shape func(claims map[string]any)
	codes map[string]forgeCode
}

type forgeCode struct {
	nonce, challenge string
}

// NewOIDCForge starts an OIDCForge and stops it when tb ends.
func NewOIDCForge(tb testing.TB) *OIDCForge {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	f := &OIDCForge{Issuer: "http://" + l.Addr().String(), ClientID: "forge-client", ClientSecret: "forge-client-secret-0123456789abcdef",
		codes: map[string]forgeCode{}, alg: "RS256"}
	if f.key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		tb.Fatal(err)
	}
	if f.other, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		tb.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", f.discovery)
	mux.HandleFunc("GET /keys", f.keys)
	mux.HandleFunc("GET /authorize", f.authorize)
	mux.HandleFunc("POST /token", f.token)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return f
}

// Shape makes the next ID tokens signed with alg ("RS256", "none",
// "HS256"; otherKey: RS256 with a key the JWKS does not list) and their
// claims changed by shape (nil: as they are).
func (f *OIDCForge) Shape(alg string, otherKey bool, shape func(claims map[string]any)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.alg, f.otherKey, f.shape = alg, otherKey, shape
}

func (f *OIDCForge) discovery(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, map[string]any{"issuer": f.Issuer, "authorization_endpoint": f.Issuer + "/authorize",
		"token_endpoint": f.Issuer + "/token", "jwks_uri": f.Issuer + "/keys",
		"id_token_signing_alg_values_supported": []string{"RS256"}, "response_types_supported": []string{"code"},
		"subject_types_supported": []string{"public"}, "code_challenge_methods_supported": []string{"S256"}})
}

func (f *OIDCForge) keys(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &f.key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
}

func (f *OIDCForge) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != f.ClientID || q.Get("code_challenge_method") != "S256" || q.Get("response_type") != "code" {
		http.Error(w, "bad authorization request", http.StatusBadRequest)
		return
	}
	code := randomHex()
	f.mu.Lock()
	f.codes[code] = forgeCode{nonce: q.Get("nonce"), challenge: q.Get("code_challenge")}
	f.mu.Unlock()
	back, err := url.Parse(q.Get("redirect_uri"))
	if err != nil {
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	v := back.Query()
	v.Set("code", code)
	v.Set("state", q.Get("state"))
	back.RawQuery = v.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

func (f *OIDCForge) token(w http.ResponseWriter, r *http.Request) {
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
	}
	f.mu.Lock()
	c, found := f.codes[r.PostFormValue("code")]
	delete(f.codes, r.PostFormValue("code"))
	alg, other, shape := f.alg, f.otherKey, f.shape
	f.mu.Unlock()
	sum := sha256.Sum256([]byte(r.PostFormValue("code_verifier")))
	if id != f.ClientID || secret != f.ClientSecret || !found || base64.RawURLEncoding.EncodeToString(sum[:]) != c.challenge {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
		return
	}
	now := time.Now()
	claims := map[string]any{"iss": f.Issuer, "sub": "forge-subject-1", "aud": f.ClientID, "iat": now.Unix(),
		"exp": now.Add(5 * time.Minute).Unix(), "nonce": c.nonce, "preferred_username": "eve",
		"email": "eve@example.com", "email_verified": true, "name": "Eve Forge", "groups": []string{"devs"}}
	if shape != nil {
		shape(claims)
	}
	tok, err := f.sign(alg, other, claims)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeJSON(w, map[string]any{"access_token": "forge-access-" + randomHex(), "token_type": "Bearer", "expires_in": 300, "id_token": tok})
}

func (f *OIDCForge) sign(alg string, other bool, claims map[string]any) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	switch alg {
	case "none":
		h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
		return h + "." + base64.RawURLEncoding.EncodeToString(payload) + ".", nil
	case "HS256":
		s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: []byte(f.ClientSecret)}, (&jose.SignerOptions{}).WithType("JWT"))
		if err != nil {
			return "", err
		}
		return sign(s, payload)
	case "RS256":
		key := f.key
		if other {
			key = f.other
		}
		s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: "k1"}},
			(&jose.SignerOptions{}).WithType("JWT"))
		if err != nil {
			return "", err
		}
		return sign(s, payload)
	}
	return "", fmt.Errorf("no alg %q", alg)
}

func sign(s jose.Signer, payload []byte) (string, error) {
	jws, err := s.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func randomHex() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x", b)
}

// SAMLForge is a SAML identity provider that exists only as metadata and
// a signing key: the test builds the responses it "sends".
type SAMLForge struct {
	EntityID string
	SSOURL   string // where its metadata says AuthnRequests go (never contacted)
	Metadata []byte
	cert     tls.Certificate
	other    tls.Certificate // a key its metadata does not list
}

// NewSAMLForge makes a SAMLForge with a fresh RSA key.
func NewSAMLForge(tb testing.TB) *SAMLForge {
	tb.Helper()
	f := &SAMLForge{EntityID: "https://idp.forge.test/metadata", SSOURL: "https://idp.forge.test/sso"}
	var err error
	if f.cert, err = selfSigned("forge idp"); err != nil {
		tb.Fatal(err)
	}
	if f.other, err = selfSigned("someone else"); err != nil {
		tb.Fatal(err)
	}
	f.Metadata = []byte(fmt.Sprintf(`<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="%s">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>%s</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="%s"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`, f.EntityID, base64.StdEncoding.EncodeToString(f.cert.Certificate[0]), f.SSOURL))
	return f
}

func selfSigned(cn string) (tls.Certificate, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(48 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// Answer is a SAML Response the forge builds.
type Answer struct {
	InResponseTo string // "" for an unsolicited response
	Destination  string // the ACS URL it is sent to
	Audience     string // the SP's entity ID
	Issuer       string // default the forge's entity ID
	NameID       string
	Attributes   map[string][]string
	IssueInstant time.Time     // default now
	Lifetime     time.Duration // NotOnOrAfter - IssueInstant; default 5 minutes
	AssertionID  string        // default random
	// Unsigned sends it without any signature; OtherKey signs it with a
	// key the metadata does not list.
	Unsigned, OtherKey bool
}

// Response returns the base64 SAMLResponse of a, its assertion signed
// (rsa-sha256, exclusive c14n).
func (f *SAMLForge) Response(a Answer) (string, error) {
	if a.Issuer == "" {
		a.Issuer = f.EntityID
	}
	if a.IssueInstant.IsZero() {
		a.IssueInstant = time.Now()
	}
	if a.Lifetime == 0 {
		a.Lifetime = 5 * time.Minute
	}
	if a.AssertionID == "" {
		a.AssertionID = "_a" + randomHex()
	}
	ts := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }
	irt := ""
	if a.InResponseTo != "" {
		irt = fmt.Sprintf(` InResponseTo="%s"`, a.InResponseTo)
	}
	var attrs strings.Builder
	for name, vals := range a.Attributes {
		fmt.Fprintf(&attrs, `<saml:Attribute Name="%s" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri">`, name)
		for _, v := range vals {
			fmt.Fprintf(&attrs, `<saml:AttributeValue xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="xs:string">%s</saml:AttributeValue>`, v)
		}
		attrs.WriteString(`</saml:Attribute>`)
	}
	doc := fmt.Sprintf(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r%[1]s" Version="2.0" IssueInstant="%[2]s" Destination="%[3]s"%[4]s><saml:Issuer>%[5]s</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status><saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="%[6]s" Version="2.0" IssueInstant="%[2]s"><saml:Issuer>%[5]s</saml:Issuer><saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">%[7]s</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="%[8]s" Recipient="%[3]s"%[4]s/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="%[2]s" NotOnOrAfter="%[8]s"><saml:AudienceRestriction><saml:Audience>%[9]s</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="%[2]s" SessionIndex="_s1"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:Password</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement><saml:AttributeStatement>%[10]s</saml:AttributeStatement></saml:Assertion></samlp:Response>`,
		randomHex(), ts(a.IssueInstant), a.Destination, irt, a.Issuer, a.AssertionID, a.NameID, ts(a.IssueInstant.Add(a.Lifetime)),
		a.Audience, attrs.String())
	if a.Unsigned {
		return base64.StdEncoding.EncodeToString([]byte(doc)), nil
	}
	cert := f.cert
	if a.OtherKey {
		cert = f.other
	}
	signed, err := signAssertion(doc, cert)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(signed), nil
}

// signAssertion signs the Assertion of the Response doc.
func signAssertion(doc string, cert tls.Certificate) ([]byte, error) {
	d := etree.NewDocument()
	if err := d.ReadFromString(doc); err != nil {
		return nil, err
	}
	a := d.Root().SelectElement("Assertion")
	if a == nil {
		return nil, errors.New("no Assertion")
	}
	ctx := dsig.NewDefaultSigningContext(dsig.TLSCertKeyStore(cert))
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	if err := ctx.SetSignatureMethod(dsig.RSASHA256SignatureMethod); err != nil {
		return nil, err
	}
	sig, err := ctx.ConstructSignature(a, true)
	if err != nil {
		return nil, err
	}
	a.InsertChildAt(1, sig) // after the Issuer (saml-core 5.4.1)
	return d.WriteToBytes()
}
