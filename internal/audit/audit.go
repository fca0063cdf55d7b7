package audit

import (
	"context"
	"log/slog"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// Event types. A type says what happened; the target says to what, the
// actor who did it, the details how.
const (
	SignInSucceeded    = "signin.succeeded"
	SignInFailed       = "signin.failed"
	SignInLocked       = "signin.locked"
	SignedOut          = "signin.signed_out"
	PasswordChanged    = "user.password_changed"
	MFAEnrolled        = "mfa.enrolled"
	MFARenamed         = "mfa.renamed"
	MFARemoved         = "mfa.removed"
	MFAReset           = "mfa.reset"
	MFAFailed          = "mfa.failed"
	MFAVerified        = "mfa.verified" // a second factor accepted at sign-in (issue 15)
	RecoveryUsed       = "mfa.recovery_code_used"
	RecoveryRenewed    = "mfa.recovery_codes_renewed"
	DeviceApproved     = "device.approved"
	DeviceDenied       = "device.denied"
	AuthorizeAllowed   = "authorize.approved"
	AuthorizeDenied    = "authorize.denied"
	FamilyIssued       = "token.family_issued"
	FamilyRevoked      = "token.family_revoked"
	ReuseDetected      = "token.reuse_detected"
	UserCreated        = "user.created"
	UserUpdated        = "user.updated"
	UserDeleted        = "user.deleted"
	UserDisabled       = "user.disabled"
	UserEnabled        = "user.enabled"
	GroupCreated       = "group.created"
	GroupUpdated       = "group.updated"
	GroupDeleted       = "group.deleted"
	MemberAdded        = "membership.created"
	MemberRemoved      = "membership.deleted"
	MembersChanged     = "membership.changed"
	AccountPut         = "account.put"
	AccountDeleted     = "account.deleted"
	PermSetPut         = "permission_set.put"
	PermSetDeleted     = "permission_set.deleted"
	PermSetProvisioned = "permission_set.provisioned"
	AssignmentPut      = "assignment.created"
	AssignmentGone     = "assignment.deleted"
	AppPut             = "application.put"
	AppDeleted         = "application.deleted"
	AppAssignmentPut   = "application_assignment.created"
	AppAssignmentGone  = "application_assignment.deleted"
	IssuerPut          = "trusted_token_issuer.put"
	IssuerDeleted      = "trusted_token_issuer.deleted"
	SCIMTokenCreated   = "scim_token.created"
	SCIMTokenRevoked   = "scim_token.revoked"
)

// Target types.
const (
	TargetUser          = "user"
	TargetGroup         = "group"
	TargetMembership    = "membership"
	TargetAccount       = "account"
	TargetPermissionSet = "permission_set"
	TargetAssignment    = "assignment"
	TargetApplication   = "application"
	TargetAppAssignment = "application_assignment"
	TargetIssuer        = "trusted_token_issuer"
	TargetFamily        = "family"
	TargetDevice        = "device_authorization"
	TargetClient        = "client"
	TargetSCIMToken     = "scim_token"
	TargetFactor        = "mfa_factor"
)

// Recorder makes events and logs them. The zero value is not usable; a
// nil *Recorder records nothing (for tests of a service alone).
type Recorder struct {
	now   func() time.Time
	log   *slog.Logger
	app   sso.AuditStore
	names *Names
}

// New returns a Recorder. store takes the events that record no change
// (Append); log receives every event once it is stored, as one line. When
// store also keeps users (it has sso.UserStore's GetUser, as every backend
// does), UserName names users by ID from it.
func New(store sso.AuditStore, log *slog.Logger, now func() time.Time) *Recorder {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &Recorder{now: now, log: log, app: store}
	if users, ok := store.(UserGetter); ok {
		r.names = NewNames(users, now)
	}
	return r
}

// WithNames has r name users from names, a cache it shares (the server's
// log uses the same one), and returns r.
func (r *Recorder) WithNames(names *Names) *Recorder {
	r.names = names
	return r
}

// Event returns an event of typ about target, made now by the actor and
// from the address ctx names (sso.WithActor, sso.WithAddress). details
// are key, value pairs.
func (r *Recorder) Event(ctx context.Context, typ string, target sso.Target, details ...string) sso.Event {
	if target.Type == TargetUser && target.User == "" {
		target.User = target.Name
	}
	e := sso.Event{Type: typ, Actor: sso.ActorFrom(ctx), Target: target, Address: sso.AddressFrom(ctx)}
	if r != nil {
		e.Time = r.now()
	}
	if len(details) > 1 {
		e.Details = make(map[string]string, len(details)/2)
		for i := 0; i+1 < len(details); i += 2 {
			e.Details[details[i]] = details[i+1]
		}
	}
	return e
}

// Do runs write with a context carrying evs: the store writes them in the
// transaction of write's one store call. When write succeeds, the events
// are logged.
func (r *Recorder) Do(ctx context.Context, write func(ctx context.Context) error, evs ...sso.Event) error {
	if r == nil {
		return write(ctx)
	}
	if err := write(sso.WithEvent(ctx, evs...)); err != nil {
		return err
	}
	for _, e := range evs {
		r.Log(ctx, e)
	}
	return nil
}

// Append stores evs on their own (events that record no change, such as a
// refused sign-in) and logs them. A failure to store is logged, not
// returned: the request it records has its own answer.
func (r *Recorder) Append(ctx context.Context, evs ...sso.Event) {
	if r == nil {
		return
	}
	if err := r.app.AppendEvents(sso.WithoutEvents(ctx), evs...); err != nil {
		r.log.ErrorContext(ctx, "storing audit events failed", slog.String("error", err.Error()))
		return
	}
	for _, e := range evs {
		r.Log(ctx, e)
	}
}

// Log writes e as one "audit" line at info.
func (r *Recorder) Log(ctx context.Context, e sso.Event) {
	if r == nil {
		return
	}
	attrs := []slog.Attr{slog.String("event", e.Type), slog.String("actor_type", e.Actor.Type)}
	add := func(k, v string) {
		if v != "" {
			attrs = append(attrs, slog.String(k, v))
		}
	}
	add("actor_id", e.Actor.ID)
	add("actor", e.Actor.Name)
	add("target_type", e.Target.Type)
	add("target_id", e.Target.ID)
	add("target", e.Target.Name)
	add("user", e.Target.User)
	add("client_addr", e.Address)
	for k, v := range e.Details {
		attrs = append(attrs, slog.String("detail_"+k, v))
	}
	r.log.LogAttrs(ctx, slog.LevelInfo, "audit", attrs...)
}

// Retention is how long events are kept unless the config says otherwise.
const Retention = 365 * 24 * time.Hour

// UserTarget is the target of an event about a user.
func UserTarget(u sso.User) sso.Target {
	return sso.Target{Type: TargetUser, ID: u.ID, Name: u.Name, User: u.Name}
}
