package identity

import (
	"context"
	"errors"
	"log/slog"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// What people do for themselves on the Security page (issue 18).

// Messages of a password change, shown as they are.
const (
	msgNoLocalPassword = "You sign in through your organization's identity provider, so your password is changed there."
	msgWrongCurrent    = "Your current password is not right."
	msgSamePassword    = "The new password is the one you have. Choose another."
)

// HasPassword reports whether the user userID signs in with a password
// kept here (and so may change it on the Security page). Errors:
// CodeResourceNotFound.
func (s *Service) HasPassword(ctx context.Context, userID string) (bool, error) {
	u, err := s.users.GetUser(ctx, userID)
	if err != nil {
		return false, storeErr("get user", "", err)
	}
	return u.PasswordHash != "", nil
}

// ChangePassword replaces the password of the user u, who proves the
// current one, typed at remoteAddr: the check is a sign-in (SignIn), with
// its throttling and its memory-bounded hashing, so this form is no way to
// guess passwords faster. The user's other browser sessions end, as with
// every new password; the one of keepCookie (the session that changed it)
// stays. Errors are *sso.Error: CodeInvalidRequest (no password kept here,
// a new password too short or the same), CodeAccessDenied (the current
// password is wrong), CodeTooManyRequests (throttled).
func (s *Service) ChangePassword(ctx context.Context, u sso.User, current, next, remoteAddr, keepCookie string) error {
	has, err := s.HasPassword(ctx, u.ID)
	if err != nil {
		return err
	}
	if !has {
		return sso.Errorf(sso.CodeInvalidRequest, msgNoLocalPassword)
	}
	if err := checkPassword(next); err != nil {
		return err
	}
	if _, err := s.SignIn(ctx, u.Name, current, remoteAddr); err != nil {
		if sso.CodeOf(err) == sso.CodeAccessDenied {
			var e *sso.Error
			if errors.As(err, &e) && e.Message == msgWrongCredentials {
				return sso.Errorf(sso.CodeAccessDenied, msgWrongCurrent)
			}
		}
		return err
	}
	if current == next {
		return sso.Errorf(sso.CodeInvalidRequest, msgSamePassword)
	}
	hash, err := hashPassword(next, defaultParams)
	if err != nil {
		return internal("hash password", err)
	}
	if _, err := s.dir.UpdateUser(ctx, u.ID, func(cur *sso.User) error { cur.PasswordHash = hash; return nil }); err != nil {
		return err
	}
	var keep []byte
	if sso.PlausibleSecret(keepCookie) {
		keep = s.digester.Digest(sso.KindSession, keepCookie)
	}
	n, err := s.sessions.DeleteUserSessions(ctx, u.ID, keep)
	if err != nil {
		return internal("end sessions", err)
	}
	s.log.InfoContext(ctx, "password changed", slog.String("user", u.Name), slog.Int("sessions_ended", n))
	return nil
}
