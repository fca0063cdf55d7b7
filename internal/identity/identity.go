package identity

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ssooidc/ssooidc/internal/audit"
	"github.com/ssooidc/ssooidc/internal/directory"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// DefaultSessionTTL is how long a browser stays signed in to the web pages.
const DefaultSessionTTL = 8 * time.Hour

// Options configure a Service. The zero value of each field picks its
// default.
type Options struct {
	// Now is the clock; default time.Now.
	Now func() time.Time
	// SessionTTL is the lifetime of a browser session; default 8 hours.
	SessionTTL time.Duration
	// Logger receives sign-in and directory events; default slog.Default().
	Logger *slog.Logger
	// Throttle limits sign-in attempts; zero fields take the defaults of
	// DefaultThrottle.
	Throttle Throttle
	// HashMemory is the memory, in bytes, that password verifications may
	// hold at once; default DefaultHashMemory (four argon2id hashes).
	// Sign-ins beyond it wait up to HashWait, then are refused with
	// CodeTooManyRequests.
	HashMemory int64
	// HashWait is how long a sign-in waits for room under HashMemory;
	// default DefaultHashWait.
	HashWait time.Duration
	// Directory is the directory users are created and changed in;
	// default one over the users store (and its groups, when the store
	// keeps them too), recording nothing.
	Directory *directory.Service
	// Audit records sign-ins and password changes; nil records nothing.
	Audit *audit.Recorder
}

// Service manages passwords, sign-in and browser sessions, over the
// directory of users. It is safe for concurrent use.
type Service struct {
	users    sso.UserStore
	sessions sso.SessionStore
	limits   sso.LimitStore
	digester *sso.Digester
	dir      *directory.Service
	rec      *audit.Recorder
	now      func() time.Time
	ttl      time.Duration
	log      *slog.Logger
	throttle Throttle
	gate     *hashGate
}

// New returns a Service over the given stores. digester computes the
// digests under which sessions are stored.
func New(users sso.UserStore, sessions sso.SessionStore, limits sso.LimitStore, digester *sso.Digester, opts Options) *Service {
	s := &Service{
		users: users, sessions: sessions, limits: limits, digester: digester,
		now: opts.Now, ttl: opts.SessionTTL, log: opts.Logger, dir: opts.Directory, rec: opts.Audit,
		throttle: opts.Throttle.withDefaults(),
		gate:     newHashGate(opts.HashMemory, opts.HashWait),
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.ttl <= 0 {
		s.ttl = DefaultSessionTTL
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.dir == nil {
		groups, _ := users.(sso.GroupStore)
		s.dir = directory.New(users, groups, nil, s.now)
	}
	return s
}

// Directory returns the directory the service works on.
func (s *Service) Directory() *directory.Service { return s.dir }

// UserSpec describes a user to create or update.
type UserSpec struct {
	Name        string
	Password    string // plain text; UpsertUser also accepts a PHC or bcrypt hash
	Email       string
	DisplayName string
	// Groups are group names (created when missing). AddUser makes the
	// user a member of each; UpsertUser makes them exactly the user's
	// groups from the config file (memberships from other sources stay).
	Groups []string
}

// ConfigSource is the Source of memberships the config file declares.
const ConfigSource = "config"

// AddUser creates a user with a password. It returns an *sso.Error:
// CodeInvalidRequest when a field is invalid, CodeConflict when the name
// is taken.
func (s *Service) AddUser(ctx context.Context, spec UserSpec) (sso.User, error) {
	u, err := s.newUser(spec)
	if err != nil {
		return sso.User{}, err
	}
	if err := checkPassword(spec.Password); err != nil {
		return sso.User{}, err
	}
	if u.PasswordHash, err = hashPassword(spec.Password, defaultParams); err != nil {
		return sso.User{}, internal("hash password", err)
	}
	return s.create(ctx, u, spec.Groups, "")
}

// UpsertUser creates the user spec.Name or, when it exists, replaces its
// email, display name and config-file groups (and its password when
// spec.Password is not empty). It is meant for users declared in a config
// file, so spec.Password may be plain text or an existing hash: an
// argon2id PHC string ($argon2id$v=19$...) or a bcrypt hash ($2a$, $2b$,
// $2y$). A new user needs a password. A plain-text password that the
// stored hash already matches keeps the stored hash, so loading the same
// config twice does no hashing work and changes nothing.
func (s *Service) UpsertUser(ctx context.Context, spec UserSpec) (sso.User, error) {
	u, err := s.newUser(spec)
	if err != nil {
		return sso.User{}, err
	}
	hash, err := passwordOrHash(spec.Password)
	if err != nil {
		return sso.User{}, err
	}
	old, err := s.users.GetUserByName(ctx, spec.Name)
	switch {
	case errors.Is(err, sso.ErrNotFound):
		if spec.Password == "" {
			return sso.User{}, sso.Errorf(sso.CodeInvalidRequest, "User %q needs a password or a password hash.", spec.Name)
		}
		if hash == "" {
			if u.PasswordHash, err = hashPassword(spec.Password, defaultParams); err != nil {
				return sso.User{}, internal("hash password", err)
			}
		} else {
			u.PasswordHash = hash
		}
		return s.create(ctx, u, spec.Groups, ConfigSource)
	case err != nil:
		return sso.User{}, internal("get user", err)
	}
	newHash := ""
	switch {
	case hash != "":
		newHash = hash
	case spec.Password != "" && !verifyPassword(old.PasswordHash, spec.Password):
		if newHash, err = hashPassword(spec.Password, defaultParams); err != nil {
			return sso.User{}, internal("hash password", err)
		}
	}
	same := old.DisplayName == u.DisplayName && old.Email == u.Email && (newHash == "" || newHash == old.PasswordHash)
	if !same {
		old, err = s.dir.UpdateUser(ctx, old.ID, func(cur *sso.User) error {
			cur.DisplayName = u.DisplayName
			if cur.Email != u.Email {
				cur.Email, cur.Profile.Emails = u.Email, nil
			}
			if newHash != "" {
				cur.PasswordHash = newHash
			}
			return nil
		})
		if err != nil {
			return sso.User{}, err
		}
	}
	if err := s.dir.SyncGroups(ctx, old.ID, ConfigSource, spec.Groups); err != nil {
		return sso.User{}, err
	}
	return public(old), nil
}

// SetPassword replaces the password of the user name and ends the user's
// browser sessions. It returns an *sso.Error with CodeInvalidRequest for a
// too-short password and CodeResourceNotFound when there is no such user.
func (s *Service) SetPassword(ctx context.Context, name, password string) error {
	if err := checkPassword(password); err != nil {
		return err
	}
	u, err := s.users.GetUserByName(ctx, name)
	if err != nil {
		return storeErr("get user", name, err)
	}
	hash, err := hashPassword(password, defaultParams)
	if err != nil {
		return internal("hash password", err)
	}
	if _, err := s.dir.UpdateUser(ctx, u.ID, func(cur *sso.User) error { cur.PasswordHash = hash; return nil }); err != nil {
		return err
	}
	// A new password ends every browser session signed in with the old one.
	n, err := s.sessions.DeleteUserSessions(ctx, u.ID, nil)
	if err != nil {
		return internal("end sessions", err)
	}
	s.log.InfoContext(ctx, "password changed", slog.String("user", name), slog.Int("sessions_ended", n))
	return nil
}

// DeleteUser deletes the user name with its memberships, assignments and
// sessions, and revokes its tokens. It returns an *sso.Error with
// CodeResourceNotFound when there is no such user.
func (s *Service) DeleteUser(ctx context.Context, name string) error {
	u, err := s.users.GetUserByName(ctx, name)
	if err != nil {
		return storeErr("get user", name, err)
	}
	if err := s.dir.DeleteUser(ctx, u.ID); err != nil {
		return err
	}
	s.log.InfoContext(ctx, "user deleted", slog.String("user", name))
	return nil
}

// ListUsers returns every user, ordered by name, without password hashes.
func (s *Service) ListUsers(ctx context.Context) ([]sso.User, error) {
	us, err := s.users.ListUsers(ctx, sso.UserQuery{})
	if err != nil {
		return nil, internal("list users", err)
	}
	for i := range us {
		us[i] = public(us[i])
	}
	slices.SortFunc(us, func(a, b sso.User) int { return strings.Compare(a.Name, b.Name) })
	return us, nil
}

// GetUser returns the user with id, without its password hash. It returns
// an *sso.Error with CodeResourceNotFound (wrapping sso.ErrNotFound) when
// there is none.
func (s *Service) GetUser(ctx context.Context, id string) (sso.User, error) {
	u, err := s.users.GetUser(ctx, id)
	if err != nil {
		return sso.User{}, storeErr("get user", "", err)
	}
	return public(u), nil
}

// DevUserName is the user EnsureDevUser creates.
const DevUserName = "dev"

// EnsureDevUser creates the user "dev" with a random, readable password
// when the directory is empty, and returns that password; the caller prints
// it once, nothing stores it in plain text. When any user exists it creates
// nothing and returns created == false.
func (s *Service) EnsureDevUser(ctx context.Context) (password string, created bool, err error) {
	n, err := s.users.CountUsers(ctx)
	if err != nil {
		return "", false, internal("count users", err)
	}
	if n > 0 {
		return "", false, nil
	}
	password = randomPassword()
	u := sso.User{Name: DevUserName, DisplayName: "Developer"}
	if u.PasswordHash, err = hashPassword(password, defaultParams); err != nil {
		return "", false, internal("hash password", err)
	}
	if _, err := s.dir.CreateUser(ctx, u); err != nil {
		if sso.CodeOf(err) == sso.CodeConflict {
			// Another process created it first: its password is not ours
			// to print.
			return "", false, nil
		}
		return "", false, err
	}
	s.log.InfoContext(ctx, "development user created", slog.String("user", u.Name))
	return password, true, nil
}

// newUser validates everything in spec but the password and returns the
// record to create.
func (s *Service) newUser(spec UserSpec) (sso.User, error) {
	if err := checkName(spec.Name); err != nil {
		return sso.User{}, err
	}
	if err := checkEmail(spec.Email); err != nil {
		return sso.User{}, err
	}
	if err := checkText("display name", spec.DisplayName, 128); err != nil {
		return sso.User{}, err
	}
	if _, err := checkGroups(spec.Groups); err != nil {
		return sso.User{}, err
	}
	return sso.User{Name: spec.Name, DisplayName: spec.DisplayName, Email: spec.Email}, nil
}

// create stores u through the directory and makes it a member of groups
// (memberships of source).
func (s *Service) create(ctx context.Context, u sso.User, groups []string, source string) (sso.User, error) {
	u, err := s.dir.CreateUser(ctx, u)
	if err != nil {
		if sso.CodeOf(err) == sso.CodeConflict {
			return sso.User{}, &sso.Error{Code: sso.CodeConflict, Message: "A user named " + quote(u.Name) + " already exists.", Err: err}
		}
		return sso.User{}, err
	}
	if len(groups) > 0 {
		if err := s.dir.SyncGroups(ctx, u.ID, source, groups); err != nil {
			return sso.User{}, err
		}
	}
	s.log.InfoContext(ctx, "user created", slog.String("user", u.Name))
	return public(u), nil
}

// public returns u without its password hash: nothing outside this package
// needs it, and a hash that is never handed out is never printed or logged.
func public(u sso.User) sso.User {
	u.PasswordHash = ""
	return u
}

// checkName enforces the directory's user name rule.
func checkName(name string) error { return directory.CheckUserName(name) }

// MinPasswordLen is the shortest password accepted (NIST SP 800-63B 5.1.1.1).
const MinPasswordLen = 8

func checkPassword(p string) error {
	if utf8.RuneCountInString(p) < MinPasswordLen {
		return sso.Errorf(sso.CodeInvalidRequest, "A password has at least %d characters.", MinPasswordLen)
	}
	if len(p) > maxPasswordBytes {
		return sso.Errorf(sso.CodeInvalidRequest, "A password has at most %d bytes.", maxPasswordBytes)
	}
	if !utf8.ValidString(p) {
		return sso.Errorf(sso.CodeInvalidRequest, "A password must be valid UTF-8 text.")
	}
	return nil
}

// passwordOrHash returns p when it is a hash we can verify, "" when it is a
// plain-text password (checked), or an error.
func passwordOrHash(p string) (string, error) {
	switch {
	case p == "":
		return "", nil
	case strings.HasPrefix(p, "$argon2") || strings.HasPrefix(p, "$2"):
		if err := checkHash(p); err != nil {
			return "", &sso.Error{Code: sso.CodeInvalidRequest,
				Message: "The password hash is not an argon2id PHC string or a bcrypt hash with acceptable parameters.", Err: err}
		}
		return p, nil
	}
	return "", checkPassword(p)
}

func checkEmail(e string) error {
	if e == "" {
		return nil
	}
	at := strings.IndexByte(e, '@')
	if len(e) > 254 || at < 1 || at == len(e)-1 || strings.ContainsFunc(e, unicode.IsSpace) || strings.ContainsFunc(e, unicode.IsControl) {
		return sso.Errorf(sso.CodeInvalidRequest, "%q is not an email address.", e)
	}
	return nil
}

func checkText(what, s string, max int) error {
	if utf8.RuneCountInString(s) > max {
		return sso.Errorf(sso.CodeInvalidRequest, "A %s has at most %d characters.", what, max)
	}
	if !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsControl) {
		return sso.Errorf(sso.CodeInvalidRequest, "A %s may not contain control characters.", what)
	}
	return nil
}

// checkGroups validates group names and drops duplicates, keeping order.
func checkGroups(groups []string) ([]string, error) {
	var out []string
	seen := make(map[string]bool, len(groups))
	for _, g := range groups {
		if strings.TrimSpace(g) == "" {
			return nil, sso.Errorf(sso.CodeInvalidRequest, "A group name may not be empty.")
		}
		if err := checkText("group name", g, 128); err != nil {
			return nil, err
		}
		if !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
	}
	return out, nil
}

func quote(s string) string { return "\"" + s + "\"" }

// internal wraps a backend failure: the message is fixed, the cause is kept
// for the log.
func internal(op string, err error) error {
	return &sso.Error{Code: sso.CodeInternal, Message: "Internal error.", Err: errors.Join(errors.New(op), err)}
}

// storeErr maps a store error on a user lookup to an *sso.Error.
func storeErr(op, name string, err error) error {
	switch {
	case errors.Is(err, sso.ErrNotFound):
		msg := "No such user."
		if name != "" {
			msg = "No user named " + quote(name) + "."
		}
		return &sso.Error{Code: sso.CodeResourceNotFound, Message: msg, Err: err}
	case errors.Is(err, sso.ErrConflict):
		return &sso.Error{Code: sso.CodeInvalidRequest, Message: "The user was changed or renamed concurrently; try again.", Err: err}
	}
	return internal(op, err)
}
