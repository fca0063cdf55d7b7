package access

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// Limits of a permission set's session duration, as in IAM Identity
// Center.
const (
	MinSessionDuration     = 15 * time.Minute
	MaxSessionDuration     = 12 * time.Hour
	DefaultSessionDuration = time.Hour
)

var (
	permissionSetPattern = regexp.MustCompile(`^[\w+=,.@-]{1,32}$`)
	// The Identity Store's ResourceId: a UUID, optionally after ten hex
	// digits and a dash.
	principalPattern = regexp.MustCompile(`^([0-9a-f]{10}-)?[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$`)
)

// Directory validates and stores the directory of access.
type Directory struct {
	store sso.AccessStore
}

// NewDirectory returns a Directory over store.
func NewDirectory(store sso.AccessStore) *Directory { return &Directory{store: store} }

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
	return d.store.PutAccount(ctx, a)
}

// PutPermissionSet validates and stores a permission set; a zero session
// duration is one hour.
func (d *Directory) PutPermissionSet(ctx context.Context, p sso.PermissionSet) error {
	if !permissionSetPattern.MatchString(p.Name) {
		return sso.Errorf(sso.CodeInvalidRequest, "permission set name %q must be 1 to 32 of letters, digits and +=,.@_-", p.Name)
	}
	if p.SessionDuration == 0 {
		p.SessionDuration = DefaultSessionDuration
	}
	if p.SessionDuration < MinSessionDuration || p.SessionDuration > MaxSessionDuration {
		return sso.Errorf(sso.CodeInvalidRequest, "permission set %s: session duration %s is outside 15m to 12h", p.Name, p.SessionDuration)
	}
	return d.store.PutPermissionSet(ctx, p)
}

// Assign validates and stores an assignment.
func (d *Directory) Assign(ctx context.Context, a sso.Assignment) error {
	if err := checkAssignment(a); err != nil {
		return err
	}
	err := d.store.PutAssignment(ctx, a)
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
	err := d.store.DeleteAssignment(ctx, a)
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
func (d *Directory) Store() sso.AccessStore { return d.store }
