package saml

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	crewsaml "github.com/crewjam/saml"
	"github.com/crewjam/saml/samlsp"
	"github.com/jonboulle/clockwork"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/ssooidc/ssooidc/internal/upstream"
)

// ClockSkew is how far the IdP's clock may be from ours: crewjam/saml's
// default, as Shibboleth has it.
var ClockSkew = crewsaml.MaxClockSkew

func init() {
	// crewjam/saml refuses an assertion issued more than MaxIssueDelay
	// (90 s) ago. An IdP whose clock is ClockSkew behind ours issues
	// assertions that look that much older, so the delay a person's
	// browser takes to post the answer comes on top of the skew.
	crewsaml.MaxIssueDelay = ClockSkew + 90*time.Second
}

// Name ID formats by the short names the config file may use.
var nameIDFormats = map[string]crewsaml.NameIDFormat{
	"":            crewsaml.UnspecifiedNameIDFormat,
	"unspecified": crewsaml.UnspecifiedNameIDFormat,
	"persistent":  crewsaml.PersistentNameIDFormat,
	"email":       crewsaml.EmailAddressNameIDFormat,
	"transient":   crewsaml.TransientNameIDFormat,
}

// Config configures a SAML 2.0 upstream. This server is the service
// provider (SP); the upstream is the identity provider (IdP).
type Config struct {
	// Name is the provider's display name, for messages to the person.
	Name string
	// MetadataURL is where this SP's metadata is served
	// (PUBLIC_URL/upstream/ID/metadata); ACSURL is the assertion consumer
	// service (PUBLIC_URL/upstream/ID/acs).
	MetadataURL, ACSURL string
	// EntityID is this SP's entity ID, the audience assertions must name;
	// default MetadataURL.
	EntityID string
	// IDPMetadata is the IdP's metadata (from a file), or IDPMetadataURL
	// where to fetch it (again every MetadataRefresh).
	IDPMetadata    []byte
	IDPMetadataURL string
	// IDPEntityID picks the IdP out of metadata that lists several.
	IDPEntityID string
	// MetadataRefresh is how often IDPMetadataURL is fetched again;
	// default 24 hours.
	MetadataRefresh time.Duration
	// NameIDFormat is asked for in the AuthnRequest: unspecified (the
	// default: the IdP chooses), persistent, email, transient, or a URN.
	NameIDFormat string
	// Subject is the attribute that identifies the person for good; ""
	// takes the NameID (which must not be transient).
	Subject string
	// Attributes name the attributes the directory takes.
	Attributes Attributes
	// AllowIDPInitiated accepts unsolicited responses (saml-profiles
	// 4.1.5). Off by default: such a response is bound to no request and
	// no browser, so a captured one signs in whoever posts it first.
	AllowIDPInitiated bool
	// AllowSHA1 accepts SHA-1 signatures (off: refused).
	AllowSHA1 bool
	// Key and Certificate, when set, sign AuthnRequests (RSA-SHA256 or
	// ECDSA-SHA256), are published in the metadata, and decrypt encrypted
	// assertions (RSA).
	Key         crypto.Signer
	Certificate *x509.Certificate
	// HTTPClient fetches IDPMetadataURL; default one with a 10 s timeout.
	HTTPClient *http.Client
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Attributes name, by Name (often a URI such as
// urn:oid:0.9.2342.19200300.100.1.3 or
// http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress) or
// FriendlyName, the attributes the directory takes.
type Attributes struct {
	UserName    string // default: the NameID
	Email       string // default: the NameID when its format is emailAddress
	DisplayName string
	Groups      string // "": groups are not managed
}

// Connector is a SAML 2.0 upstream. It implements upstream.SAMLConnector.
type Connector struct {
	cfg     Config
	format  crewsaml.NameIDFormat
	acs     url.URL
	meta    url.URL
	signAlg string

	mu        sync.Mutex
	idp       *crewsaml.EntityDescriptor
	fetchedAt time.Time
	failedAt  time.Time
	lastErr   error
}

// retryAfter spaces fetches of unreachable IdP metadata.
const retryAfter = 10 * time.Second

// New checks cfg and returns a Connector. Metadata from a file is parsed
// now; metadata from a URL is fetched at the first sign-in.
func New(cfg Config) (*Connector, error) {
	c := &Connector{cfg: cfg}
	var ok bool
	if c.format, ok = nameIDFormats[cfg.NameIDFormat]; !ok {
		if !strings.HasPrefix(cfg.NameIDFormat, "urn:") {
			return nil, fmt.Errorf("name_id_format %q is not unspecified, persistent, email, transient or a URN", cfg.NameIDFormat)
		}
		c.format = crewsaml.NameIDFormat(cfg.NameIDFormat)
	}
	if c.format == crewsaml.TransientNameIDFormat && cfg.Subject == "" {
		return nil, errors.New("a transient NameID changes at every sign-in: name a subject attribute, or ask for another name_id_format")
	}
	for _, u := range []struct {
		dst *url.URL
		v   string
	}{{&c.acs, cfg.ACSURL}, {&c.meta, cfg.MetadataURL}} {
		p, err := url.Parse(u.v)
		if err != nil || p.Scheme == "" || p.Host == "" {
			return nil, fmt.Errorf("%q is not an absolute URL", u.v)
		}
		*u.dst = *p
	}
	if (cfg.IDPMetadata == nil) == (cfg.IDPMetadataURL == "") {
		return nil, errors.New("give exactly one of idp_metadata_url and idp_metadata_file")
	}
	if (cfg.Key == nil) != (cfg.Certificate == nil) {
		return nil, errors.New("sp_key_file and sp_cert_file go together")
	}
	switch cfg.Key.(type) {
	case nil:
	case *rsa.PrivateKey:
		c.signAlg = dsig.RSASHA256SignatureMethod
	case *ecdsa.PrivateKey:
		c.signAlg = dsig.ECDSASHA256SignatureMethod
	default:
		return nil, fmt.Errorf("the SP key is a %T, not RSA or ECDSA", cfg.Key)
	}
	if c.cfg.MetadataRefresh <= 0 {
		c.cfg.MetadataRefresh = 24 * time.Hour
	}
	if c.cfg.HTTPClient == nil {
		c.cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if c.cfg.Now == nil {
		c.cfg.Now = time.Now
	}
	if cfg.IDPMetadata != nil {
		idp, err := c.parse(cfg.IDPMetadata)
		if err != nil {
			return nil, fmt.Errorf("IdP metadata: %w", err)
		}
		c.idp = idp
	}
	return c, nil
}

// Kind is upstream.KindSAML.
func (c *Connector) Kind() string { return upstream.KindSAML }

// IDPInitiated reports whether unsolicited responses are accepted.
func (c *Connector) IDPInitiated() bool { return c.cfg.AllowIDPInitiated }

func (c *Connector) parse(data []byte) (*crewsaml.EntityDescriptor, error) {
	var idp *crewsaml.EntityDescriptor
	var err error
	if c.cfg.IDPEntityID != "" {
		idp, err = samlsp.ParseMetadataByEntityID(data, c.cfg.IDPEntityID)
	} else {
		idp, err = samlsp.ParseMetadata(data)
	}
	if err != nil {
		return nil, err
	}
	if len(idp.IDPSSODescriptors) == 0 {
		return nil, fmt.Errorf("entity %q is no identity provider (no IDPSSODescriptor)", idp.EntityID)
	}
	return idp, nil
}

// metadata returns the IdP's metadata, fetching it when it is missing or
// older than MetadataRefresh. A failed refresh keeps the copy it has.
func (c *Connector) metadata(ctx context.Context) (*crewsaml.EntityDescriptor, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cfg.IDPMetadataURL == "" || (c.idp != nil && time.Since(c.fetchedAt) < c.cfg.MetadataRefresh) {
		return c.idp, nil
	}
	if !c.failedAt.IsZero() && time.Since(c.failedAt) < retryAfter {
		if c.idp != nil {
			return c.idp, nil
		}
		return nil, c.lastErr
	}
	u, err := url.Parse(c.cfg.IDPMetadataURL)
	var idp *crewsaml.EntityDescriptor
	if err == nil {
		if c.cfg.IDPEntityID != "" {
			idp, err = samlsp.FetchMetadataByEntityID(ctx, c.cfg.HTTPClient, *u, c.cfg.IDPEntityID)
		} else {
			idp, err = samlsp.FetchMetadata(ctx, c.cfg.HTTPClient, *u)
		}
	}
	if err == nil && len(idp.IDPSSODescriptors) == 0 {
		err = fmt.Errorf("entity %q is no identity provider (no IDPSSODescriptor)", idp.EntityID)
	}
	if err != nil {
		c.failedAt, c.lastErr = time.Now(), upstream.Unavailable("fetching IdP metadata from "+c.cfg.IDPMetadataURL, err)
		if c.idp != nil {
			return c.idp, nil
		}
		return nil, c.lastErr
	}
	c.idp, c.fetchedAt, c.failedAt = idp, time.Now(), time.Time{}
	return idp, nil
}

// sp is the crewjam service provider for one request.
func (c *Connector) sp(idp *crewsaml.EntityDescriptor) *crewsaml.ServiceProvider {
	sp := &crewsaml.ServiceProvider{
		EntityID: c.cfg.EntityID, MetadataURL: c.meta, AcsURL: c.acs, IDPMetadata: idp,
		AuthnNameIDFormat: c.format, SendUnspecifiedNameIDFormat: true,
		AssertionConsumerServiceBindings: []string{crewsaml.HTTPPostBinding},
		RejectSHA1Signatures:             !c.cfg.AllowSHA1,
		Clock:                            dsig.NewFakeClock(nowClock{Clock: clockwork.NewRealClock(), now: c.cfg.Now}),
		MetadataValidDuration:            7 * 24 * time.Hour,
	}
	if c.cfg.Key != nil {
		sp.Key, sp.Certificate, sp.SignatureMethod = c.cfg.Key, c.cfg.Certificate, c.signAlg
	}
	return sp
}

// nowClock is the real clock but for Now, which is the configured one.
type nowClock struct {
	clockwork.Clock
	now func() time.Time
}

func (n nowClock) Now() time.Time                  { return n.now() }
func (n nowClock) Since(t time.Time) time.Duration { return n.now().Sub(t) }
func (n nowClock) Until(t time.Time) time.Duration { return t.Sub(n.now()) }

// AuthnRequest makes an AuthnRequest and returns its HTTP-Redirect
// binding URL (saml-bindings 3.4), signed when the SP has a key.
func (c *Connector) AuthnRequest(ctx context.Context, relayState string) (string, string, error) {
	idp, err := c.metadata(ctx)
	if err != nil {
		return "", "", err
	}
	sp := c.sp(idp)
	loc := sp.GetSSOBindingLocation(crewsaml.HTTPRedirectBinding)
	if loc == "" {
		return "", "", fmt.Errorf("saml: the IdP %q has no HTTP-Redirect SingleSignOnService", idp.EntityID)
	}
	req, err := sp.MakeAuthenticationRequest(loc, crewsaml.HTTPRedirectBinding, crewsaml.HTTPPostBinding)
	if err != nil {
		return "", "", err
	}
	u, err := req.Redirect(relayState, sp)
	if err != nil {
		return "", "", err
	}
	return u.String(), req.ID, nil
}

// Metadata returns this SP's metadata.
func (c *Connector) Metadata(context.Context) ([]byte, error) {
	b, err := xml.MarshalIndent(c.sp(nil).Metadata(), "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), b...), nil
}
