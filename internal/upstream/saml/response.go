package saml

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	crewsaml "github.com/crewjam/saml"

	"github.com/ssooidc/ssooidc/internal/upstream"
)

// maxResponse bounds the decoded SAMLResponse: an IdP's answer with a
// few hundred groups is tens of kilobytes.
const maxResponse = 512 << 10

// HandlePOST verifies a SAMLResponse posted to the assertion consumer
// service with crewjam/saml, which checks: the XML round-trips (no parser
// differential), the Response or the Assertion is signed by a key of the
// IdP's metadata (with no SHA-1 unless allowed), the signature covers what
// is read (no wrapping), Destination and the bearer confirmation's
// Recipient are our ACS URL, InResponseTo is requestID (or absent when
// requestID is "" and unsolicited responses are allowed), the issuer is
// the IdP's entity ID, the audience is our entity ID, IssueInstant,
// NotBefore and NotOnOrAfter with ClockSkew, and the status is Success.
// The assertion's ID is consumed in replay until it expires.
func (c *Connector) HandlePOST(ctx context.Context, samlResponse, requestID string, replay upstream.ReplayCache) (upstream.Identity, error) {
	idp, err := c.metadata(ctx)
	if err != nil {
		return upstream.Identity{}, err
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(samlResponse))
	if err != nil || len(raw) > maxResponse {
		return upstream.Identity{}, c.refuse("malformed", fmt.Errorf("the SAMLResponse is not base64 of at most %d bytes", maxResponse))
	}
	sp := c.sp(idp)
	sp.ReplayCache = replayAdapter{ctx: ctx, cache: replay, issuer: idp.EntityID}
	var ids []string
	if requestID != "" {
		ids = []string{requestID}
	} else {
		sp.AllowIDPInitiated = c.cfg.AllowIDPInitiated
	}
	a, err := sp.ParseXMLResponse(raw, ids, c.acs)
	if err != nil {
		return upstream.Identity{}, c.classify(err)
	}
	return c.identity(idp, a)
}

// replayAdapter is the upstream replay cache in crewjam's shape, with
// assertion IDs kept per issuer.
type replayAdapter struct {
	ctx    context.Context
	cache  upstream.ReplayCache
	issuer string
}

func (r replayAdapter) Consume(id string, expiresAt time.Time) error {
	err := r.cache.Consume(r.ctx, r.issuer+"\x00"+id, expiresAt)
	if errors.Is(err, upstream.ErrReplayed) {
		return crewsaml.ErrAssertionReplayed
	}
	return err
}

// classify turns crewjam's verdict into a refusal that tells the person
// what to do, with the library's reason for the log (its Error() is a
// fixed "Authentication failed"; the detail is in PrivateErr).
func (c *Connector) classify(err error) error {
	cause := err
	var ire *crewsaml.InvalidResponseError
	if errors.As(err, &ire) && ire.PrivateErr != nil {
		cause = ire.PrivateErr
	}
	var bad crewsaml.ErrBadStatus
	switch {
	case errors.Is(cause, crewsaml.ErrAssertionReplayed):
		return upstream.Refuse("replayed",
			fmt.Sprintf("This answer from %s was already used. Go back to the sign-in page and start again.", c.cfg.Name), cause)
	case errors.Is(cause, crewsaml.ErrExpired), errors.Is(cause, crewsaml.ErrNotYetValid):
		return upstream.Refuse("expired",
			fmt.Sprintf("%s's answer has expired or is not valid yet. Go back to the sign-in page and start again; if it happens again, the clocks of %s and this service may differ: tell your administrator.", c.cfg.Name, c.cfg.Name), cause)
	case errors.Is(cause, crewsaml.ErrAudienceMismatch), errors.Is(cause, crewsaml.ErrDestinationMismatch):
		return upstream.Refuse("wrong_audience",
			fmt.Sprintf("%s's answer was meant for another service, so you were not signed in. Tell your administrator: the IdP's settings for this service may be wrong.", c.cfg.Name), cause)
	case errors.Is(cause, crewsaml.ErrIssuerMismatch):
		return upstream.Refuse("wrong_issuer",
			fmt.Sprintf("This answer does not come from %s, so you were not signed in. Go back to the sign-in page and start again.", c.cfg.Name), cause)
	case errors.Is(cause, crewsaml.ErrRequestIDMismatch):
		return upstream.Refuse("request_mismatch",
			fmt.Sprintf("This answer from %s is not for the sign-in you started. Go back to the sign-in page and start again.", c.cfg.Name), cause)
	case errors.As(cause, &bad):
		return upstream.Refuse("provider_error",
			fmt.Sprintf("%s did not sign you in. Try again, or ask your administrator whether you may use this service.", c.cfg.Name), cause)
	case errors.Is(cause, crewsaml.ErrInvalidSignature), errors.Is(cause, crewsaml.ErrUntrustedCertificate),
		errors.Is(cause, crewsaml.ErrCertificateNotValidNow):
		return c.refuse("signature_invalid", cause)
	case strings.Contains(cause.Error(), "signature element not present"):
		// Neither the Response nor the Assertion is signed (crewjam keeps
		// this error unexported).
		return c.refuse("unsigned", cause)
	}
	return c.refuse("assertion_invalid", cause)
}

// refuse refuses an answer that did not verify.
func (c *Connector) refuse(reason string, cause error) error {
	return upstream.Refuse(reason,
		fmt.Sprintf("%s's answer could not be verified, so you were not signed in. Go back to the sign-in page and try again; if it happens again, tell your administrator.", c.cfg.Name),
		cause)
}

// identity maps a verified assertion to the person.
func (c *Connector) identity(idp *crewsaml.EntityDescriptor, a *crewsaml.Assertion) (upstream.Identity, error) {
	at := c.cfg.Attributes
	idn := upstream.Identity{Issuer: idp.EntityID}
	var nameID, format string
	if a.Subject != nil && a.Subject.NameID != nil {
		nameID, format = strings.TrimSpace(a.Subject.NameID.Value), a.Subject.NameID.Format
	}
	if c.cfg.Subject != "" {
		idn.Subject = first(a, c.cfg.Subject)
	} else if format == string(crewsaml.TransientNameIDFormat) {
		return upstream.Identity{}, upstream.Refuse("transient_name_id",
			fmt.Sprintf("%s identified you with a one-time name, which cannot find your account again. Ask your administrator to send a persistent NameID or a subject attribute.", c.cfg.Name),
			errors.New("the NameID is transient and no subject attribute is configured"))
	} else {
		idn.Subject = nameID
	}
	idn.UserName = nameID
	if at.UserName != "" {
		idn.UserName = first(a, at.UserName)
	}
	if at.Email != "" {
		idn.Email = first(a, at.Email)
	} else if format == string(crewsaml.EmailAddressNameIDFormat) {
		idn.Email = nameID
	}
	if at.DisplayName != "" {
		idn.DisplayName = first(a, at.DisplayName)
	}
	if at.Groups != "" {
		// An IdP leaves out an attribute with no values (a person in no
		// group): absent is the empty list.
		idn.GroupsManaged, idn.Groups = true, values(a, at.Groups)
	}
	return idn, nil
}

// values returns the values of the attributes whose Name or FriendlyName
// is name, in every attribute statement.
func values(a *crewsaml.Assertion, name string) []string {
	var out []string
	for _, st := range a.AttributeStatements {
		for _, attr := range st.Attributes {
			if attr.Name != name && attr.FriendlyName != name {
				continue
			}
			for _, v := range attr.Values {
				if s := strings.TrimSpace(v.Value); s != "" {
					out = append(out, s)
				}
			}
		}
	}
	return out
}

// first returns the first value of the attribute name, or "".
func first(a *crewsaml.Assertion, name string) string {
	if v := values(a, name); len(v) > 0 {
		return v[0]
	}
	return ""
}
