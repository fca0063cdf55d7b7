package access

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/ssooidc/ssooidc/internal/audit"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// Limits of a permission set's session duration, as in IAM Identity
// Center.
const (
	MinSessionDuration     = 15 * time.Minute
	MaxSessionDuration     = 12 * time.Hour
	DefaultSessionDuration = time.Hour
)

// RequestRetention is how long the records of asynchronous SSO Admin
// requests answer the status operations.
const RequestRetention = 30 * 24 * time.Hour

var (
	permissionSetPattern = regexp.MustCompile(`^[\w+=,.@-]{1,32}$`)
	// The Identity Store's ResourceId: a UUID, optionally after ten hex
	// digits and a dash.
	principalPattern = regexp.MustCompile(`^([0-9a-f]{10}-)?[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$`)
	// RoleSuffixPattern is the form of the suffix of the role names
	// Identity Center gives a permission set's roles.
	roleSuffixPattern = regexp.MustCompile(`^[0-9a-f]{16}$`)
)

// DirectoryStore is what the directory of access keeps its records in:
// accounts, permission sets, assignments, request records and
// provisioning, and the people assignments name.
type DirectoryStore interface {
	sso.AccessStore
	sso.AdminStore
	GetUser(ctx context.Context, id string) (sso.User, error)
	GetGroup(ctx context.Context, id string) (sso.Group, error)
}

// DirectoryOptions configure a Directory.
type DirectoryOptions struct {
	// Audit records every change; nil records nothing (tests of the
	// directory alone).
	Audit *audit.Recorder
	Now   func() time.Time
}

// Directory validates and stores the directory of access: accounts,
// permission sets and assignments, for the config file, the admin
// commands and the SSO Admin API. Every change carries its audit event in
// its store write.
type Directory struct {
	store DirectoryStore
	rec   *audit.Recorder
	now   func() time.Time
}

// NewDirectory returns a Directory over store.
func NewDirectory(store DirectoryStore, opts DirectoryOptions) *Directory {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Directory{store: store, rec: opts.Audit, now: opts.Now}
}

// PutAccount validates and stores an account.
func (d *Directory) PutAccount(ctx context.Context, a sso.Account) error {
	if !sso.ValidAccountID(a.ID) {
		return sso.Errorf(sso.CodeInvalidRequest, "account id %q must be 12 digits", a.ID)
	}
	if a.Name == "" || len(a.Name) > 50 {
		return sso.Errorf(sso.CodeInvalidRequest, "account %s needs a name of 1 to 50 characters", a.ID)
	}
	if len(a.Email) > 254 {
		return sso.Errorf(sso.CodeInvalidRequest, "account %s: email is longer than 254 characters", a.ID)
	}
	switch a.Source {
	case "":
		a.Source = sso.SourceSTS
	case sso.SourceSTS, sso.SourceStatic:
	default:
		return sso.Errorf(sso.CodeInvalidRequest, "account %s: credential source %q is not sts or static", a.ID, a.Source)
	}
	if a.RoleARN != "" && !strings.HasPrefix(a.RoleARN, "arn:") {
		return sso.Errorf(sso.CodeInvalidRequest, "account %s: role ARN %q does not start with arn:", a.ID, a.RoleARN)
	}
	if old, err := d.store.GetAccount(ctx, a.ID); err == nil && old == a {
		return nil // declared again at a restart: no change, no event
	}
	ev := d.rec.Event(ctx, audit.AccountPut, sso.Target{Type: audit.TargetAccount, ID: a.ID, Name: a.Name})
	return d.rec.Do(ctx, func(ctx context.Context) error { return d.store.PutAccount(ctx, a) }, ev)
}

// PutPermissionSet declares a permission set by name (the config file,
// the admin command): a new one is created; an existing one gets p's
// description, session duration and, when given, role suffix, and keeps
// everything else (its ID, policies, tags set through the SSO Admin API).
// A zero session duration is one hour.
func (d *Directory) PutPermissionSet(ctx context.Context, p sso.PermissionSet) error {
	if p.SessionDuration == 0 {
		p.SessionDuration = DefaultSessionDuration
	}
	if p.RoleSuffix != "" && !roleSuffixPattern.MatchString(p.RoleSuffix) {
		return sso.Errorf(sso.CodeInvalidRequest, "permission set %s: role suffix %q is not 16 lower-case hex digits", p.Name, p.RoleSuffix)
	}
	if old, err := d.store.GetPermissionSet(ctx, p.Name); err == nil && old.Description == p.Description &&
		old.SessionDuration == p.SessionDuration && old.SessionDurationISO == "" && (p.RoleSuffix == "" || p.RoleSuffix == old.RoleSuffix) {
		return nil // declared again at a restart: no change, no event
	}
	for range 3 {
		_, err := d.UpdatePermissionSet(ctx, p.Name, func(old *sso.PermissionSet) error {
			if old.Description != p.Description || old.SessionDuration != p.SessionDuration {
				old.Version++
			}
			old.Description, old.SessionDuration, old.SessionDurationISO = p.Description, p.SessionDuration, ""
			if p.RoleSuffix != "" {
				old.RoleSuffix = p.RoleSuffix
			}
			return nil
		}, "declared")
		if sso.CodeOf(err) != sso.CodeResourceNotFound {
			return err
		}
		_, err = d.CreatePermissionSet(ctx, p)
		if sso.CodeOf(err) != sso.CodeConflict {
			return err
		}
	}
	return sso.Errorf(sso.CodeConflict, "the permission set %s changed while it was being declared; try again", p.Name)
}

// CheckPermissionSet validates what a client sets of a permission set.
func CheckPermissionSet(p sso.PermissionSet) error {
	if !permissionSetPattern.MatchString(p.Name) {
		return sso.Errorf(sso.CodeInvalidRequest, "permission set name %q must be 1 to 32 of letters, digits and +=,.@_-", p.Name)
	}
	if p.SessionDuration < MinSessionDuration || p.SessionDuration > MaxSessionDuration {
		return sso.Errorf(sso.CodeInvalidRequest, "permission set %s: session duration %s is outside 15m to 12h", p.Name, p.SessionDuration)
	}
	if len(p.Description) > 700 {
		return sso.Errorf(sso.CodeInvalidRequest, "permission set %s: the description is longer than 700 characters", p.Name)
	}
	return nil
}

// CreatePermissionSet validates p and stores it as a new permission set
// with a fresh ID (and role suffix, unless p has one) at version 1. A zero
// session duration is one hour. Errors: CodeInvalidRequest, CodeConflict
// (the name is taken).
func (d *Directory) CreatePermissionSet(ctx context.Context, p sso.PermissionSet) (sso.PermissionSet, error) {
	if p.SessionDuration == 0 {
		p.SessionDuration = DefaultSessionDuration
	}
	if err := CheckPermissionSet(p); err != nil {
		return sso.PermissionSet{}, err
	}
	p.ID, p.CreatedAt, p.Version = "ps-"+randomHex(8), d.now(), 1
	if p.RoleSuffix == "" {
		p.RoleSuffix = randomHex(8)
	}
	ev := d.rec.Event(ctx, audit.PermSetPut, permissionSetTarget(p), "change", "created")
	err := d.rec.Do(ctx, func(ctx context.Context) error { return d.store.CreatePermissionSet(ctx, p) }, ev)
	if errors.Is(err, sso.ErrConflict) {
		return sso.PermissionSet{}, &sso.Error{Code: sso.CodeConflict, Message: "A permission set named " + p.Name + " exists already.", Err: err}
	}
	if err != nil {
		return sso.PermissionSet{}, err
	}
	return p, nil
}

// UpdatePermissionSet runs change on the permission set name and stores
// the result with an event whose details name the change. change must
// raise Version when the permission set needs provisioning again. Errors:
// CodeResourceNotFound, CodeInvalidRequest, or change's own.
func (d *Directory) UpdatePermissionSet(ctx context.Context, name string, change func(*sso.PermissionSet) error, what string) (sso.PermissionSet, error) {
	var evs []sso.Event
	p, err := d.store.UpdatePermissionSet(d.late(ctx, &evs), name, func(old sso.PermissionSet) (sso.PermissionSet, error) {
		next := old
		if err := change(&next); err != nil {
			return sso.PermissionSet{}, err
		}
		if err := CheckPermissionSet(next); err != nil {
			return sso.PermissionSet{}, err
		}
		evs = append(evs[:0], d.rec.Event(ctx, audit.PermSetPut, permissionSetTarget(next), "change", what))
		return next, nil
	})
	if errors.Is(err, sso.ErrNotFound) {
		return sso.PermissionSet{}, &sso.Error{Code: sso.CodeResourceNotFound, Message: "There is no permission set named " + name + ".", Err: err}
	}
	if err != nil {
		return sso.PermissionSet{}, err
	}
	for _, e := range evs {
		d.rec.Log(ctx, e)
	}
	return p, nil
}

// DeletePermissionSet deletes the permission set name with, if
// withAssignments, its assignments; else one that has assignments is
// CodeConflict, as Identity Center refuses to delete a permission set
// provisioned to accounts. CodeResourceNotFound if none.
func (d *Directory) DeletePermissionSet(ctx context.Context, p sso.PermissionSet, withAssignments bool) error {
	ev := d.rec.Event(ctx, audit.PermSetDeleted, permissionSetTarget(p))
	err := d.rec.Do(ctx, func(ctx context.Context) error { return d.store.DeletePermissionSet(ctx, p.Name, withAssignments) }, ev)
	switch {
	case errors.Is(err, sso.ErrNotFound):
		return &sso.Error{Code: sso.CodeResourceNotFound, Message: "There is no permission set named " + p.Name + ".", Err: err}
	case errors.Is(err, sso.ErrConflict):
		return &sso.Error{Code: sso.CodeConflict, Message: "The permission set " + p.Name +
			" is assigned in accounts; delete its account assignments first.", Err: err}
	}
	return err
}

// Assign validates and stores an assignment (the config file, the admin
// command).
func (d *Directory) Assign(ctx context.Context, a sso.Assignment) error {
	if err := checkAssignment(a); err != nil {
		return err
	}
	ev := d.rec.Event(ctx, audit.AssignmentPut, assignmentTarget(a))
	err := d.rec.Do(ctx, func(ctx context.Context) error { return d.store.PutAssignment(ctx, a) }, ev)
	if errors.Is(err, sso.ErrNotFound) {
		return sso.Errorf(sso.CodeInvalidRequest, "account %s, permission set %s or the %s %s does not exist",
			a.AccountID, a.PermissionSet, strings.ToLower(a.PrincipalType), a.PrincipalID)
	}
	return err
}

// Unassign deletes an assignment.
func (d *Directory) Unassign(ctx context.Context, a sso.Assignment) error {
	if err := checkAssignment(a); err != nil {
		return err
	}
	ev := d.rec.Event(ctx, audit.AssignmentGone, assignmentTarget(a))
	err := d.rec.Do(ctx, func(ctx context.Context) error { return d.store.DeleteAssignment(ctx, a) }, ev)
	if errors.Is(err, sso.ErrNotFound) {
		return sso.Errorf(sso.CodeInvalidRequest, "there is no such assignment")
	}
	return err
}

func checkAssignment(a sso.Assignment) error {
	if !sso.ValidAccountID(a.AccountID) {
		return sso.Errorf(sso.CodeInvalidRequest, "account id %q must be 12 digits", a.AccountID)
	}
	if a.PrincipalType != sso.PrincipalUser && a.PrincipalType != sso.PrincipalGroup {
		return sso.Errorf(sso.CodeInvalidRequest, "principal type %q is not USER or GROUP", a.PrincipalType)
	}
	if !principalPattern.MatchString(a.PrincipalID) {
		return sso.Errorf(sso.CodeInvalidRequest, "principal ID %q is not a user or group ID", a.PrincipalID)
	}
	if !permissionSetPattern.MatchString(a.PermissionSet) {
		return sso.Errorf(sso.CodeInvalidRequest, "permission set name %q is not valid", a.PermissionSet)
	}
	return nil
}

// Store returns the underlying store, for listings.
func (d *Directory) Store() DirectoryStore { return d.store }

func (d *Directory) late(ctx context.Context, evs *[]sso.Event) context.Context {
	if d.rec == nil {
		return ctx
	}
	return sso.WithLateEvents(ctx, evs)
}

func permissionSetTarget(p sso.PermissionSet) sso.Target {
	return sso.Target{Type: audit.TargetPermissionSet, ID: p.ID, Name: p.Name}
}

func assignmentTarget(a sso.Assignment) sso.Target {
	return sso.Target{Type: audit.TargetAssignment, ID: a.PrincipalType + ":" + a.PrincipalID,
		Name: a.AccountID + "/" + a.PermissionSet + "/" + strings.ToLower(a.PrincipalType) + ":" + a.PrincipalID}
}

// randomHex returns n random bytes as 2n lower-case hex digits.
func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
