package identity

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// Throttle limits sign-in attempts. Counting happens in the shared
// sso.LimitStore, so the limits hold across every node of a deployment.
//
// Failed sign-ins are what is limited, per username and per client address:
// a person who types the right password is never held back by their own
// successes (an office behind one NAT signs in every morning). Every limit
// is reserved before the password is checked: each attempt takes a slot
// under each of its keys with one atomic LimitStore.Take, and an attempt
// that finds a key full is refused without any password work. A failed
// attempt keeps its failure slots, which are the failures counted; a
// successful one gives them back (LimitStore.Release). So however many
// attempts run at once, one username or one address gets at most its
// limit of password checks per window, and a correct guess made while
// throttled is refused exactly like a wrong one.
type Throttle struct {
	// Window is the fixed window every limit counts in; default 15 minutes.
	Window time.Duration
	// UserFailures is how many failed sign-ins one username may have per
	// window, from any address; default 10. Ten lets a person mistype a
	// few times and lets an online guesser try at most 960 passwords a
	// day per user: hopeless against anything but the most common
	// passwords. The price is the usual one: anyone can lock a user out
	// for a window by failing ten times. Names that do not exist are
	// limited the same way, so the limit tells nothing about which exist.
	UserFailures int
	// AddressFailures is how many failed sign-ins one client address may
	// have per window, over all usernames; default 30: enough for the
	// typos of a shared office NAT, few enough that spraying one password
	// over many names is slow. IPv6 addresses count per /64, the block a
	// single subscriber usually holds.
	AddressFailures int
	// AddressAttempts is how many sign-ins, successful or not, one client
	// address may attempt per window; default 200. It bounds the argon2id
	// work (about 50 ms each) one address can cause with a valid password,
	// and leaves room for a large office signing in at nine.
	AddressAttempts int
}

// DefaultThrottle is the throttle with every default filled in.
var DefaultThrottle = Throttle{Window: 15 * time.Minute, UserFailures: 10, AddressFailures: 30, AddressAttempts: 200}

// withDefaults fills zero fields. A negative limit turns that limit off.
func (t Throttle) withDefaults() Throttle {
	if t.Window <= 0 {
		t.Window = DefaultThrottle.Window
	}
	if t.UserFailures == 0 {
		t.UserFailures = DefaultThrottle.UserFailures
	}
	if t.AddressFailures == 0 {
		t.AddressFailures = DefaultThrottle.AddressFailures
	}
	if t.AddressAttempts == 0 {
		t.AddressAttempts = DefaultThrottle.AddressAttempts
	}
	return t
}

// Messages shown to the person; the web pages display them as they are.
const (
	msgWrongCredentials = "Incorrect username or password."
	msgThrottled        = "Too many sign-in attempts. Wait a few minutes and try again."
	msgSignIn           = "Sign in to continue."
	msgDisabled         = "Your account is disabled. Ask your administrator to enable it."
)

// SignIn checks username and password for a person at remoteAddr (an
// http.Request.RemoteAddr: "host:port" or a bare address).
//
// It returns the user (without its password hash), or an *sso.Error:
// CodeTooManyRequests when remoteAddr or username has used up its attempts
// (see Throttle) or when password hashing is at its memory budget (see
// Options.HashMemory; RetryAfter says when to try again), CodeAccessDenied
// with the message "Incorrect username or password." for an unknown user
// or a wrong password alike, CodeInternal when a store fails. Unknown
// users cost the same argon2id work as known ones, so the response time
// does not tell them apart.
func (s *Service) SignIn(ctx context.Context, username, password, remoteAddr string) (sso.User, error) {
	now := s.now()
	addr := sso.AddressBucket(remoteAddr)
	a := attempt{s: s, now: now, addr: addr}
	if err := a.reserve(ctx, username); err != nil {
		return sso.User{}, err
	}
	ok := false
	defer func() { a.finish(ctx, ok) }()

	u, err := s.lookup(ctx, username)
	if err != nil {
		a.refused = true
		return sso.User{}, err
	}
	hash := u.PasswordHash
	if hash == "" {
		hash = dummyHash()
	}
	leave, err := s.gate.enter(ctx, hash)
	if err != nil {
		a.refused = true
		if errors.Is(err, errGateFull) {
			return sso.User{}, busy()
		}
		return sso.User{}, internal("wait for password hashing", err)
	}
	defer leave()
	// Always verify, also for an unknown user (against the dummy hash):
	// equal work, equal time.
	if verifyPassword(hash, password) && u.PasswordHash != "" {
		ok = true // the password is right: the failure slots go back
		if u.Disabled {
			// The password is right, so saying why tells its holder
			// nothing they could not learn from an administrator.
			s.log.InfoContext(ctx, "sign-in refused: user disabled", slog.String("user", u.Name), slog.String("client_addr", addr))
			s.recordRefused(ctx, u, addr, reasonDisabled, nil)
			return sso.User{}, sso.Errorf(sso.CodeAccessDenied, msgDisabled)
		}
		if needsRehash(u.PasswordHash) {
			s.rehash(ctx, u, password)
		}
		s.log.InfoContext(ctx, "signed in", slog.String("user", u.Name), slog.String("client_addr", addr))
		return public(u), nil
	}

	attrs := []any{slog.String("client_addr", addr)}
	if u.ID != "" {
		// Only the names of real users are logged: a name that does not
		// exist is often a password typed into the wrong field.
		attrs = append(attrs, slog.String("user", u.Name))
	}
	s.log.InfoContext(ctx, "sign-in failed", attrs...)
	s.recordRefused(ctx, u, addr, reasonWrongPassword, a.logLockouts(ctx, u))
	return sso.User{}, sso.Errorf(sso.CodeAccessDenied, msgWrongCredentials)
}

// attempt is one sign-in's reservations in the limit store.
type attempt struct {
	s    *Service
	now  time.Time
	addr string
	// slots taken, in order: the address's attempts, then the address's
	// and the username's failures.
	slots []slot
	// refused: the attempt did no password work after all (the hash gate
	// refused it), so every slot goes back.
	refused bool
}

type slot struct {
	key     string
	n       int  // the count the Take returned: the slot's number
	failure bool // a failure slot: given back on success
	limit   int
	scope   string
}

// reserve takes a slot under every limit of the attempt, or refuses it
// (giving back what it took) when one is full. Each key is read first: a
// full one refuses without a write, which is what a flood finds.
func (a *attempt) reserve(ctx context.Context, username string) error {
	t := a.s.throttle
	for _, l := range []slot{
		{key: "signin-attempt:addr:" + a.addr, limit: t.AddressAttempts, scope: "address attempts"},
		{key: "signin:addr:" + a.addr, limit: t.AddressFailures, failure: true, scope: "address failures"},
		{key: "signin:user:" + nameKey(username), limit: t.UserFailures, failure: true, scope: "username failures"},
	} {
		if l.limit < 0 {
			continue
		}
		n, err := a.s.limits.Count(ctx, l.key, a.now)
		taken := false
		if err == nil && n < l.limit {
			n, taken, err = a.s.limits.Take(ctx, l.key, l.limit, t.Window, a.now)
		}
		if err != nil {
			a.giveBack(ctx, a.slots)
			return internal("reserve a sign-in attempt", err)
		}
		if !taken {
			a.giveBack(ctx, a.slots)
			return &sso.Error{Code: sso.CodeTooManyRequests, Message: msgThrottled, RetryAfter: t.Window}
		}
		l.n = n
		a.slots = append(a.slots, l)
		if !l.failure && n == l.limit {
			a.s.logThrottled(ctx, l.scope, l.limit, a.addr, "")
		}
	}
	return nil
}

// finish gives back the failure slots of a successful attempt, and every
// slot of one that did no password work.
func (a *attempt) finish(ctx context.Context, ok bool) {
	var back []slot
	for _, sl := range a.slots {
		if a.refused || (ok && sl.failure) {
			back = append(back, sl)
		}
	}
	a.giveBack(ctx, back)
}

// giveBack releases slots. The attempt's answer is already decided, so a
// failure only leaves a slot counted until its window ends: logged, not
// returned.
func (a *attempt) giveBack(ctx context.Context, slots []slot) {
	for _, sl := range slots {
		if err := a.s.limits.Release(context.WithoutCancel(ctx), sl.key, a.now); err != nil {
			a.s.log.WarnContext(ctx, "giving back a sign-in slot failed", slog.Any("error", err))
		}
	}
}

// logLockouts logs once per lock-out: the failed attempt that held the last
// failure slot of a key locks it. It returns the slots it locked.
func (a *attempt) logLockouts(ctx context.Context, u sso.User) []slot {
	var locked []slot
	for _, sl := range a.slots {
		if sl.failure && sl.n == sl.limit {
			a.s.logThrottled(ctx, sl.scope, sl.limit, a.addr, u.Name)
			locked = append(locked, sl)
		}
	}
	return locked
}

// logThrottled logs a limit that has just been used up: its scope, the
// address and, for a user that exists, the user's name (issue 19: an
// operator must see whose account is being guessed at, and from where).
func (s *Service) logThrottled(ctx context.Context, scope string, limit int, addr, user string) {
	attrs := []any{slog.String("scope", scope), slog.Int("limit", limit), slog.Duration("window", s.throttle.Window),
		slog.String("client_addr", addr)}
	if user != "" {
		attrs = append(attrs, slog.String("user", user))
	}
	s.log.WarnContext(ctx, "sign-in throttled", attrs...)
}

// lookup returns the user named username, or a zero User when there is
// none (or the name cannot exist).
func (s *Service) lookup(ctx context.Context, username string) (sso.User, error) {
	if checkName(username) != nil {
		return sso.User{}, nil
	}
	u, err := s.users.GetUserByName(ctx, username)
	switch {
	case errors.Is(err, sso.ErrNotFound):
		return sso.User{}, nil
	case err != nil:
		return sso.User{}, internal("get user", err)
	}
	return u, nil
}

// rehash replaces a hash made with older parameters (or bcrypt) now that
// the password is known. A failure only costs a later retry.
func (s *Service) rehash(ctx context.Context, u sso.User, password string) {
	h, err := hashPassword(password, defaultParams)
	if err == nil {
		_, err = s.users.UpdateUser(ctx, u.ID, func(cur sso.User) (sso.User, error) {
			if cur.PasswordHash == u.PasswordHash { // not changed meanwhile
				cur.PasswordHash = h
			}
			return cur, nil
		})
	}
	if err != nil {
		s.log.WarnContext(ctx, "password rehash failed", slog.String("user", u.Name), slog.Any("error", err))
	}
}

// nameKey is the limit-store key part for a typed username: a digest, so
// that any input has a bounded key and a password typed into the username
// field is not stored as typed.
func nameKey(username string) string {
	sum := sha256.Sum256([]byte(username))
	return hex.EncodeToString(sum[:16])
}

// StartSession starts a browser session for u, who has just signed in
// with method ("password", "oidc:okta", ...). It returns the cookie value
// (256 random bits; only its digest is stored) and when the session ends.
// The sign-in's audit event is written with the session: a sign-in is
// recorded as succeeded exactly when it got a session.
func (s *Service) StartSession(ctx context.Context, u sso.User, method string) (cookieValue string, expires time.Time, err error) {
	now := s.now()
	cookieValue = sso.RandomSecret()
	sess := sso.Session{
		Digest:    s.digester.Digest(sso.KindSession, cookieValue),
		UserID:    u.ID,
		CreatedAt: now,
		ExpiresAt: now.Add(s.ttl),
		// What the Security page shows of it (issue 18): the pages put the
		// request's User-Agent and address in ctx.
		ID: sso.RandomID(), UserAgent: sso.UserAgentFrom(ctx), Address: sso.AddressFrom(ctx),
	}
	if err := s.recordSignIn(ctx, u, method, func(ctx context.Context) error { return s.sessions.CreateSession(ctx, sess) }); err != nil {
		return "", time.Time{}, internal("create session", err)
	}
	return cookieValue, sess.ExpiresAt, nil
}

// SessionUser returns the user signed in with cookieValue, without its
// password hash. An unknown or expired session, or one whose user has been
// deleted, is an *sso.Error with CodeUnauthorized.
func (s *Service) SessionUser(ctx context.Context, cookieValue string) (sso.User, error) {
	if !sso.PlausibleSecret(cookieValue) {
		return sso.User{}, sso.Errorf(sso.CodeUnauthorized, msgSignIn)
	}
	digest := s.digester.Digest(sso.KindSession, cookieValue)
	sess, err := s.sessions.GetSession(ctx, digest)
	switch {
	case errors.Is(err, sso.ErrNotFound):
		return sso.User{}, sso.Errorf(sso.CodeUnauthorized, msgSignIn)
	case err != nil:
		return sso.User{}, internal("get session", err)
	}
	if !s.now().Before(sess.ExpiresAt) {
		if err := s.sessions.DeleteSession(ctx, digest); err != nil {
			s.log.WarnContext(ctx, "deleting an expired session failed", slog.Any("error", err))
		}
		return sso.User{}, sso.Errorf(sso.CodeUnauthorized, msgSignIn)
	}
	u, err := s.users.GetUser(ctx, sess.UserID)
	switch {
	case errors.Is(err, sso.ErrNotFound), err == nil && u.Disabled:
		return sso.User{}, sso.Errorf(sso.CodeUnauthorized, msgSignIn)
	case err != nil:
		return sso.User{}, internal("get user", err)
	}
	return public(u), nil
}

// EndSession ends the session of cookieValue. Ending an unknown session is
// not an error.
func (s *Service) EndSession(ctx context.Context, cookieValue string) error {
	if !sso.PlausibleSecret(cookieValue) {
		return nil
	}
	digest := s.digester.Digest(sso.KindSession, cookieValue)
	if err := s.recordSignOut(ctx, func(ctx context.Context) error { return s.sessions.DeleteSession(ctx, digest) }); err != nil {
		return internal("delete session", err)
	}
	return nil
}
