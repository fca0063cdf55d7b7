package server

import (
	"context"
	"net/url"

	"github.com/ssooidc/ssooidc/internal/audit"
	"github.com/ssooidc/ssooidc/internal/authcode"
	"github.com/ssooidc/ssooidc/internal/clients"
	"github.com/ssooidc/ssooidc/internal/device"
	"github.com/ssooidc/ssooidc/internal/directory"
	"github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/internal/web"
)

// Every approval or denial goes through decisions, whoever makes it: a
// person on the consent pages, "ssooidc admin approve", --auto-approve and
// the test kit. Each one is made by the service the pages use
// (device.Service.Decide; authcode's Validate, Approve and Deny), which
// write its audit event (device.approved/denied, authorize.approved/denied)
// in the store step that records the decision, with the actor the caller
// put in the context: the person, the admin's OS user, or auto-approve.

// decisions makes and audits the decisions of the device and
// authorization code flows.
type decisions struct {
	devices *device.Service
	codes   *authcode.Service
	people  *directory.Service
	clients *clients.Service
	store   sso.DeviceStore
	digest  *sso.Digester
	audit   *audit.Recorder
}

// DeviceDecision is what a decision of a device authorization decided.
type DeviceDecision struct {
	UserCode   string // as formatted on the pages: XXXX-XXXX
	ClientID   string
	ClientName string
	StartURL   string
	User       string // the name of the person it was decided for
	Approved   bool
}

// user returns the person named name who may be decided for: one who
// exists and is not disabled.
func (d *decisions) user(ctx context.Context, name string) (sso.User, error) {
	u, err := d.people.GetUserByName(ctx, name)
	if sso.CodeOf(err) == sso.CodeResourceNotFound {
		return u, sso.Errorf(sso.CodeResourceNotFound, "no user is named %q", name)
	}
	if err != nil {
		return u, err
	}
	if u.Disabled {
		return u, sso.Errorf(sso.CodeAccessDenied, "the user %q is disabled", name)
	}
	return u, nil
}

// device approves or denies the pending device authorization of userCode
// on behalf of u.
func (d *decisions) device(ctx context.Context, userCode string, u sso.User, approve bool) (DeviceDecision, error) {
	dec := DeviceDecision{UserCode: userCode, User: u.Name, Approved: approve}
	// What the event names: read before the decision. The decision itself
	// reads again and is the authority on whether the code is pending; a
	// failed decision stores no event.
	if canonical, ok := sso.NormalizeUserCode(userCode); ok {
		dec.UserCode = sso.FormatUserCode(canonical)
		if da, err := d.store.GetDeviceAuthByUserCode(ctx, d.digest.Digest(sso.KindUserCode, canonical)); err == nil {
			dec.ClientID, dec.StartURL = da.ClientID, da.StartURL
			if c, err := d.clients.Get(ctx, da.ClientID); err == nil {
				dec.ClientName = c.Name
			}
		}
	}
	// device.Service.Decide stores the decision's event with the decision
	// (only the request that moves the code from pending records one),
	// naming the actor ctx carries.
	err := d.devices.Decide(ctx, userCode, u.ID, approve)
	return dec, err
}

// authorize validates the /authorize request q and answers it on behalf
// of u: the redirect URI with a code (approve) or with access_denied;
// decided tells those from the redirect of an invalid request, which
// decides nothing. A request that cannot be answered with a redirect is an
// error, as for the page (see web.Authorizer).
func (d *decisions) authorize(ctx context.Context, q url.Values, u sso.User, approve bool) (redirect string, decided bool, err error) {
	r, err := d.codes.Validate(ctx, q)
	if redirect, ok := redirectOf(err); ok {
		return redirect, false, nil
	}
	if err != nil {
		return "", false, err
	}
	// authcode stores the decision's event: an approval with its code, a
	// denial on its own (it changes nothing stored).
	if !approve {
		return d.codes.Deny(ctx, r, u.ID), true, nil
	}
	redirect, err = d.codes.Approve(ctx, r, u.ID)
	return redirect, err == nil, err
}

// personOf returns the person of a page's decision, named in the audit
// trail as its actor.
func (d *decisions) personOf(ctx context.Context, userID string) (context.Context, sso.User, error) {
	u, err := d.people.GetUser(ctx, userID)
	if err != nil {
		return ctx, u, err
	}
	return sso.WithActor(ctx, sso.Actor{Type: sso.ActorUser, ID: u.ID, Name: u.Name}), u, nil
}

// pageDevices is the device flow as the pages call it: their decisions
// are audited with the signed-in person as the actor.
type pageDevices struct {
	web.Devices
	d *decisions
}

func (p pageDevices) Decide(ctx context.Context, userCode, userID string, approve bool) error {
	ctx, u, err := p.d.personOf(ctx, userID)
	if err != nil {
		return err
	}
	_, err = p.d.device(ctx, userCode, u, approve)
	return err
}

// DecideDevice approves (or denies) the pending device authorization of
// userCode on behalf of the user named userName, as the verification page
// does when that person presses Allow (or Deny); the audit event names the
// actor ctx carries (sso.WithActor). Errors are *sso.Error:
// CodeResourceNotFound (no such user), CodeAccessDenied (the user is
// disabled), CodeInvalidGrant (no pending authorization has that code, or
// it was decided already), CodeExpiredToken.
func (s *Server) DecideDevice(ctx context.Context, userCode, userName string, approve bool) (DeviceDecision, error) {
	u, err := s.decisions.user(ctx, userName)
	if err != nil {
		return DeviceDecision{}, err
	}
	return s.decisions.device(ctx, userCode, u, approve)
}

// DecideAuthorize answers the /authorize request whose query is q on
// behalf of the user named userName, as the consent page does: it returns
// where to send the browser (the redirect URI with a code, or with
// access_denied). A request whose client or redirect URI is not valid is
// an *sso.Error, never a redirect.
func (s *Server) DecideAuthorize(ctx context.Context, q url.Values, userName string, approve bool) (string, error) {
	u, err := s.decisions.user(ctx, userName)
	if err != nil {
		return "", err
	}
	redirect, _, err := s.decisions.authorize(ctx, q, u, approve)
	return redirect, err
}
