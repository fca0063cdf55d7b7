package identity

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

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
}

// Service manages users, passwords, sign-in and browser sessions. It is
// safe for concurrent use.
type Service struct {
	users    sso.UserStore
	sessions sso.SessionStore
	limits   sso.LimitStore
	digester *sso.Digester
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
		now: opts.Now, ttl: opts.SessionTTL, log: opts.Logger,
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
	return s
}

// UserSpec describes a user to create or update.
type UserSpec struct {
	Name        string
	Password    string // plain text; UpsertUser also accepts a PHC or bcrypt hash
	Email       string
	DisplayName string
	Groups      []string
}

// AddUser creates a user. It returns an *sso.Error with CodeInvalidRequest
// when a field is invalid or the name is taken.
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
	return s.create(ctx, u)
}

// UpsertUser creates the user spec.Name or, when it exists, replaces its
// email, display name and groups (and its password when spec.Password is
// not empty). It is meant for users declared in a config file, so
// spec.Password may be plain text or an existing hash: an argon2id PHC
// string ($argon2id$v=19$...) or a bcrypt hash ($2a$, $2b$, $2y$). A new
// user needs a password. A plain-text password that the stored hash already
// matches keeps the stored hash, so loading the same config twice does no
// hashing work and changes nothing.
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
		return s.create(ctx, u)
	case err != nil:
		return sso.User{}, internal("get user", err)
	}
	u.ID, u.CreatedAt, u.PasswordHash = old.ID, old.CreatedAt, old.PasswordHash
	switch {
	case hash != "":
		u.PasswordHash = hash
	case spec.Password != "" && !verifyPassword(old.PasswordHash, spec.Password):
		if u.PasswordHash, err = hashPassword(spec.Password, defaultParams); err != nil {
			return sso.User{}, internal("hash password", err)
		}
	}
	if err := s.users.UpdateUser(ctx, u); err != nil {
		return sso.User{}, storeErr("update user", u.Name, err)
	}
	s.log.InfoContext(ctx, "user updated", slog.String("user", u.Name))
	return public(u), nil
}

// SetPassword replaces the password of the user name. It returns an
// *sso.Error with CodeInvalidRequest for a too-short password and
// CodeResourceNotFound when there is no such user.
func (s *Service) SetPassword(ctx context.Context, name, password string) error {
	if err := checkPassword(password); err != nil {
		return err
	}
	u, err := s.users.GetUserByName(ctx, name)
	if err != nil {
		return storeErr("get user", name, err)
	}
	if u.PasswordHash, err = hashPassword(password, defaultParams); err != nil {
		return internal("hash password", err)
	}
	if err := s.users.UpdateUser(ctx, u); err != nil {
		return storeErr("update user", name, err)
	}
	// A new password ends every browser session signed in with the old one.
	n, err := s.sessions.DeleteUserSessions(ctx, u.ID, nil)
	if err != nil {
		return internal("end sessions", err)
	}
	s.log.InfoContext(ctx, "password changed", slog.String("user", name), slog.Int("sessions_ended", n))
	return nil
}

// DeleteUser deletes the user name and its sessions. It returns an
// *sso.Error with CodeResourceNotFound when there is no such user.
func (s *Service) DeleteUser(ctx context.Context, name string) error {
	u, err := s.users.GetUserByName(ctx, name)
	if err != nil {
		return storeErr("get user", name, err)
	}
	if err := s.users.DeleteUser(ctx, u.ID); err != nil {
		return storeErr("delete user", name, err)
	}
	s.log.InfoContext(ctx, "user deleted", slog.String("user", name))
	return nil
}

// ListUsers returns every user, ordered by name, without password hashes.
func (s *Service) ListUsers(ctx context.Context) ([]sso.User, error) {
	us, err := s.users.ListUsers(ctx)
	if err != nil {
		return nil, internal("list users", err)
	}
	for i := range us {
		us[i] = public(us[i])
	}
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
	us, err := s.users.ListUsers(ctx)
	if err != nil {
		return "", false, internal("list users", err)
	}
	if len(us) > 0 {
		return "", false, nil
	}
	password = randomPassword()
	u := sso.User{ID: sso.RandomID(), Name: DevUserName, DisplayName: "Developer", CreatedAt: s.now()}
	if u.PasswordHash, err = hashPassword(password, defaultParams); err != nil {
		return "", false, internal("hash password", err)
	}
	if err := s.users.CreateUser(ctx, u); err != nil {
		if errors.Is(err, sso.ErrConflict) {
			// Another process created it first: its password is not ours
			// to print.
			return "", false, nil
		}
		return "", false, internal("create user", err)
	}
	s.log.InfoContext(ctx, "development user created", slog.String("user", u.Name))
	return password, true, nil
}

// newUser validates everything in spec but the password and returns the
// record to store, with a fresh id and creation time.
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
	groups, err := checkGroups(spec.Groups)
	if err != nil {
		return sso.User{}, err
	}
	return sso.User{
		ID: sso.RandomID(), Name: spec.Name, DisplayName: spec.DisplayName,
		Email: spec.Email, Groups: groups, CreatedAt: s.now(),
	}, nil
}

func (s *Service) create(ctx context.Context, u sso.User) (sso.User, error) {
	if err := s.users.CreateUser(ctx, u); err != nil {
		if errors.Is(err, sso.ErrConflict) {
			return sso.User{}, &sso.Error{Code: sso.CodeInvalidRequest,
				Message: "A user named " + quote(u.Name) + " already exists.", Err: err}
		}
		return sso.User{}, internal("create user", err)
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

// checkName enforces the username rule: 1-64 characters from ASCII letters,
// digits and . _ @ -. Usernames are case-sensitive; the narrow set keeps out
// look-alike Unicode names and anything that needs escaping in a log line.
func checkName(name string) error {
	if name == "" {
		return sso.Errorf(sso.CodeInvalidRequest, "A username is required.")
	}
	if len(name) > 64 {
		return sso.Errorf(sso.CodeInvalidRequest, "A username has at most 64 characters.")
	}
	for _, r := range name {
		if !validNameRune(r) {
			return sso.Errorf(sso.CodeInvalidRequest,
				"A username may contain only letters, digits and the characters . _ @ - (got %q).", name)
		}
	}
	return nil
}

func validNameRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
		r == '.' || r == '_' || r == '@' || r == '-'
}

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
