package identity

import (
	"context"
	"strconv"

	"github.com/ssooidc/ssooidc/internal/audit"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// The audit events of signing in and out (issue 19). A refused sign-in
// changes nothing in the store, so its event is appended on its own; the
// throttle bounds how many there can be (only attempts that did password
// work are recorded: a throttled one is refused before, and counted by the
// metrics instead). A successful sign-in is recorded with the session it
// creates, a sign-out with the session it deletes.

// Reasons of a refused sign-in, as the events name them.
const (
	reasonWrongPassword = "wrong_password"
	reasonUnknownUser   = "unknown_user"
	reasonDisabled      = "disabled"
)

// methodPassword is the sign-in method of this package.
const methodPassword = "password"

// asUser returns ctx naming u as the actor: a person signing in acts for
// themself, whoever the browser was signed in as before.
func asUser(ctx context.Context, u sso.User) context.Context {
	return sso.WithActor(ctx, sso.Actor{Type: sso.ActorUser, ID: u.ID, Name: u.Name})
}

// recordRefused appends the event of a refused password sign-in from addr
// and of the limits it used up. The name typed is recorded only when it
// names a user: a name that does not exist is often a password typed into
// the wrong field, and the trail holds no secret.
func (s *Service) recordRefused(ctx context.Context, u sso.User, addr, reason string, locked []slot) {
	if s.rec == nil {
		return
	}
	ctx = sso.WithAddress(ctx, addr)
	target := sso.Target{Type: audit.TargetUser}
	if u.ID == "" {
		reason = reasonUnknownUser
		ctx = sso.WithActor(ctx, sso.Actor{Type: sso.ActorUser})
	} else {
		target = audit.UserTarget(u)
		ctx = asUser(ctx, u)
	}
	evs := []sso.Event{s.rec.Event(ctx, audit.SignInFailed, target, "method", methodPassword, "reason", reason)}
	for _, sl := range locked {
		evs = append(evs, s.rec.Event(ctx, audit.SignInLocked, target, "method", methodPassword,
			"scope", sl.scope, "limit", strconv.Itoa(sl.limit), "window", s.throttle.Window.String()))
	}
	s.rec.Append(ctx, evs...)
}

// recordSignIn runs create (the session's creation) with the event of u's
// sign-in by method.
func (s *Service) recordSignIn(ctx context.Context, u sso.User, method string, create func(ctx context.Context) error) error {
	ctx = asUser(ctx, u)
	return s.rec.Do(ctx, create, s.rec.Event(ctx, audit.SignInSucceeded, audit.UserTarget(u), "method", method))
}

// recordSignOut runs end (the session's deletion) with the event of its
// person signing out, when the context names them (the pages set the
// signed-in person as the actor); a session nobody is known to hold ends
// without one.
func (s *Service) recordSignOut(ctx context.Context, end func(ctx context.Context) error) error {
	a := sso.ActorFrom(ctx)
	if a.Type != sso.ActorUser || a.ID == "" {
		return end(ctx)
	}
	return s.rec.Do(ctx, end, s.rec.Event(ctx, audit.SignedOut,
		sso.Target{Type: audit.TargetUser, ID: a.ID, Name: a.Name, User: a.Name}))
}
