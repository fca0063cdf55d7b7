package directory

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ssooidc/ssooidc/internal/audit"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// Service manages the directory. It is safe for concurrent use.
type Service struct {
	users  sso.UserStore
	groups sso.GroupStore
	rec    *audit.Recorder
	now    func() time.Time
}

// New returns a Service over the stores. rec records every change.
func New(users sso.UserStore, groups sso.GroupStore, rec *audit.Recorder, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{users: users, groups: groups, rec: rec, now: now}
}

// Limits of the directory's fields, as the Identity Store sets them.
const (
	MaxUserName    = 128
	MaxGroupName   = 1024
	MaxText        = 1024
	MaxExternalIDs = 10
	MaxExternalID  = 256
	MaxListed      = 50 // emails, addresses, phone numbers, photos, roles each
)

// reserved are names the Identity Store keeps for itself, for users and
// groups alike.
var reserved = map[string]bool{"administrator": true, "awsadministrators": true}

// CheckUserName enforces the Identity Store's UserName rule: 1 to 128
// letters, marks, symbols, digits and punctuation (no spaces or control
// characters), and not a reserved name.
func CheckUserName(name string) error {
	if name == "" {
		return sso.Errorf(sso.CodeInvalidRequest, "A user name is required.")
	}
	if utf8.RuneCountInString(name) > MaxUserName || !utf8.ValidString(name) {
		return sso.Errorf(sso.CodeInvalidRequest, "A user name has 1 to %d characters.", MaxUserName)
	}
	for _, r := range name {
		if !(unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsSymbol(r) || unicode.IsNumber(r) || unicode.IsPunct(r)) {
			return sso.Errorf(sso.CodeInvalidRequest, "A user name may contain letters, digits, symbols and punctuation only (got %q).", name)
		}
	}
	if reserved[strings.ToLower(name)] {
		return sso.Errorf(sso.CodeInvalidRequest, "%q is a reserved name.", name)
	}
	return nil
}

// CheckGroupName enforces the Identity Store's DisplayName rule for groups:
// 1 to 1024 characters, spaces allowed, no other control characters, and
// not a reserved name.
func CheckGroupName(name string) error {
	if strings.TrimSpace(name) == "" {
		return sso.Errorf(sso.CodeInvalidRequest, "A group name is required.")
	}
	if err := checkText("group name", name); err != nil {
		return err
	}
	if reserved[strings.ToLower(name)] {
		return sso.Errorf(sso.CodeInvalidRequest, "%q is a reserved name.", name)
	}
	return nil
}

func checkText(what, s string) error {
	if utf8.RuneCountInString(s) > MaxText || !utf8.ValidString(s) {
		return sso.Errorf(sso.CodeInvalidRequest, "A %s has at most %d characters.", what, MaxText)
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r' {
			return sso.Errorf(sso.CodeInvalidRequest, "A %s may not contain control characters.", what)
		}
	}
	return nil
}

func checkExternalIDs(ids []sso.ExternalID) error {
	if len(ids) > MaxExternalIDs {
		return sso.Errorf(sso.CodeInvalidRequest, "At most %d external IDs.", MaxExternalIDs)
	}
	seen := map[sso.ExternalID]bool{}
	for _, e := range ids {
		if e.Issuer == "" || e.ID == "" || utf8.RuneCountInString(e.Issuer) > MaxExternalID || utf8.RuneCountInString(e.ID) > MaxExternalID {
			return sso.Errorf(sso.CodeInvalidRequest, "An external ID has an issuer and an ID of 1 to %d characters.", MaxExternalID)
		}
		if err := checkText("external ID", e.Issuer+e.ID); err != nil {
			return err
		}
		if seen[e] {
			return sso.Errorf(sso.CodeInvalidRequest, "External ID %s/%s is given twice.", e.Issuer, e.ID)
		}
		seen[e] = true
	}
	return nil
}

// CheckUser validates every field of u a person or a client can set.
func CheckUser(u sso.User) error {
	if err := CheckUserName(u.Name); err != nil {
		return err
	}
	if err := checkText("display name", u.DisplayName); err != nil {
		return err
	}
	if err := checkExternalIDs(u.ExternalIDs); err != nil {
		return err
	}
	p := u.Profile
	for _, f := range []struct{ what, v string }{
		{"nick name", p.NickName}, {"profile URL", p.ProfileURL}, {"user type", p.UserType}, {"title", p.Title},
		{"preferred language", p.PreferredLanguage}, {"locale", p.Locale}, {"time zone", p.Timezone},
		{"website", p.Website}, {"birth date", p.Birthdate},
	} {
		if err := checkText(f.what, f.v); err != nil {
			return err
		}
	}
	if p.Name != nil {
		n := p.Name
		if err := checkText("name", n.Formatted+n.FamilyName+n.GivenName+n.MiddleName+n.HonorificPrefix+n.HonorificSuffix); err != nil {
			return err
		}
	}
	if len(p.Emails) > MaxListed || len(p.Addresses) > MaxListed || len(p.PhoneNumbers) > MaxListed ||
		len(p.Photos) > MaxListed || len(p.Roles) > MaxListed {
		return sso.Errorf(sso.CodeInvalidRequest, "At most %d emails, addresses, phone numbers, photos or roles.", MaxListed)
	}
	primaries := 0
	for _, e := range p.Emails {
		if err := checkText("email", e.Value+e.Type); err != nil {
			return err
		}
		if e.Primary {
			primaries++
		}
	}
	if primaries > 1 {
		return sso.Errorf(sso.CodeInvalidRequest, "Only one email can be primary.")
	}
	return nil
}

// conflict maps a store conflict to the error a client sees.
func conflict(err error, msg string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sso.ErrConflict) {
		return &sso.Error{Code: sso.CodeConflict, Message: msg, Err: err}
	}
	return storeErr(err)
}

// storeErr maps a store error: not found stays a not-found error, anything
// else is internal.
func storeErr(err error) error {
	var se *sso.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &se):
		return err
	case errors.Is(err, sso.ErrNotFound):
		return &sso.Error{Code: sso.CodeResourceNotFound, Message: "Not found.", Err: err}
	}
	return &sso.Error{Code: sso.CodeInternal, Message: "Internal error.", Err: err}
}

// actorName is what CreatedBy and UpdatedBy record of the actor of ctx.
func actorName(ctx context.Context) string {
	a := sso.ActorFrom(ctx)
	switch {
	case a.Type == "":
		return sso.ActorSystem
	case a.Name != "" && a.Type == sso.ActorUser:
		return a.Name
	case a.ID != "":
		return a.ID
	}
	return a.Type
}

// CreateUser validates u and stores it as a new user with a fresh ID, its
// Email derived from its profile's emails (or the profile's emails from
// Email when it has none). Errors are *sso.Error: CodeInvalidRequest,
// CodeConflict (the name or an external ID is taken).
func (s *Service) CreateUser(ctx context.Context, u sso.User) (sso.User, error) {
	u = normalizeEmails(u)
	if err := CheckUser(u); err != nil {
		return sso.User{}, err
	}
	now := s.now()
	u.ID, u.CreatedAt, u.UpdatedAt = sso.RandomUUID(), now, now
	u.CreatedBy, u.UpdatedBy = actorName(ctx), actorName(ctx)
	ev := s.rec.Event(ctx, audit.UserCreated, audit.UserTarget(u))
	err := s.rec.Do(ctx, func(ctx context.Context) error { return s.users.CreateUser(ctx, u) }, ev)
	if err != nil {
		return sso.User{}, conflict(err, fmt.Sprintf("A user named %q or with one of these external IDs exists already.", u.Name))
	}
	return u, nil
}

// normalizeEmails keeps u.Email and the profile's emails in step: the
// profile wins; an Email alone becomes the primary email.
func normalizeEmails(u sso.User) sso.User {
	if len(u.Profile.Emails) > 0 {
		u.Email = sso.PrimaryEmail(u.Profile.Emails)
	} else if u.Email != "" {
		u.Profile.Emails = []sso.Email{{Value: u.Email, Primary: true}}
	}
	return u
}

// UpdateUser runs change on the user id and stores the result, with its
// event (user.updated, or user.disabled/enabled when Disabled changes).
// change may not alter ID or CreatedAt. Errors: CodeResourceNotFound,
// CodeInvalidRequest, CodeConflict, or change's own error as it is.
func (s *Service) UpdateUser(ctx context.Context, id string, change func(*sso.User) error) (sso.User, error) {
	now := s.now()
	var evs []sso.Event
	u, err := s.users.UpdateUser(s.late(ctx, &evs), id, func(old sso.User) (sso.User, error) {
		next := old
		if err := change(&next); err != nil {
			return sso.User{}, err
		}
		next = normalizeEmails(next)
		if err := CheckUser(next); err != nil {
			return sso.User{}, err
		}
		next.UpdatedAt, next.UpdatedBy = now, actorName(ctx)
		typ := audit.UserUpdated
		switch {
		case next.Disabled && !old.Disabled:
			typ = audit.UserDisabled
		case !next.Disabled && old.Disabled:
			typ = audit.UserEnabled
		}
		details := changedFields(old, next)
		if typ == audit.UserDisabled {
			details = append(details, ended...)
		}
		evs = append(evs[:0], s.rec.Event(ctx, typ, audit.UserTarget(next), details...))
		return next, nil
	})
	if err != nil {
		return sso.User{}, conflict(err, "The new user name or an external ID belongs to another user.")
	}
	for _, e := range evs {
		s.rec.Log(ctx, e)
	}
	return u, nil
}

// ended is what the event of disabling or deleting a user adds: the store
// ends the user's browser sessions and revokes their token families in
// the same transaction, so the one event records those too.
var ended = []string{"sessions", "ended", "token_families", "revoked"}

// late returns ctx carrying the events *evs will hold once a store update
// function has run (sso.WithLateEvents), or ctx as it is when the service
// records nothing.
func (s *Service) late(ctx context.Context, evs *[]sso.Event) context.Context {
	if s.rec == nil {
		return ctx
	}
	return sso.WithLateEvents(ctx, evs)
}

// changedFields names the fields an update changed, for the event's
// details (names only: values may be personal).
func changedFields(a, b sso.User) []string {
	var names []string
	add := func(name string, changed bool) {
		if changed {
			names = append(names, name)
		}
	}
	add("user_name", a.Name != b.Name)
	add("display_name", a.DisplayName != b.DisplayName)
	add("emails", a.Email != b.Email || fmt.Sprint(a.Profile.Emails) != fmt.Sprint(b.Profile.Emails))
	add("password", a.PasswordHash != b.PasswordHash)
	add("status", a.Disabled != b.Disabled)
	add("external_ids", fmt.Sprint(a.ExternalIDs) != fmt.Sprint(b.ExternalIDs))
	add("profile", fmt.Sprint(a.Profile) != fmt.Sprint(b.Profile))
	if len(names) == 0 {
		return nil
	}
	return []string{"fields", strings.Join(names, ",")}
}

// DeleteUser deletes the user id with its memberships, assignments and
// sessions, and revokes its tokens. Errors: CodeResourceNotFound.
func (s *Service) DeleteUser(ctx context.Context, id string) error {
	u, err := s.users.GetUser(ctx, id)
	if err != nil {
		return storeErr(err)
	}
	ev := s.rec.Event(ctx, audit.UserDeleted, audit.UserTarget(u), ended...)
	err = s.rec.Do(ctx, func(ctx context.Context) error { return s.users.DeleteUser(ctx, id, s.now()) }, ev)
	return storeErr(err)
}

// GetUser returns the user id. Errors: CodeResourceNotFound.
func (s *Service) GetUser(ctx context.Context, id string) (sso.User, error) {
	u, err := s.users.GetUser(ctx, id)
	return u, storeErr(err)
}

// GetUserByName returns the user named name. Errors: CodeResourceNotFound.
func (s *Service) GetUserByName(ctx context.Context, name string) (sso.User, error) {
	u, err := s.users.GetUserByName(ctx, name)
	return u, storeErr(err)
}

// GetUserByExternalID returns the user with the external ID. Errors:
// CodeResourceNotFound.
func (s *Service) GetUserByExternalID(ctx context.Context, issuer, id string) (sso.User, error) {
	u, err := s.users.GetUserByExternalID(ctx, issuer, id)
	return u, storeErr(err)
}

// ListUsers returns the users q selects, ordered by ID.
func (s *Service) ListUsers(ctx context.Context, q sso.UserQuery) ([]sso.User, error) {
	us, err := s.users.ListUsers(ctx, q)
	return us, storeErr(err)
}

// CountUsers returns how many users there are.
func (s *Service) CountUsers(ctx context.Context) (int, error) {
	n, err := s.users.CountUsers(ctx)
	return n, storeErr(err)
}
