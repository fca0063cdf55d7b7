package identity

import (
	"context"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// ReserveFactor reserves the sign-in limits of one second-factor check
// (an authentication code, a recovery code, a security key) of u from
// remoteAddr, exactly as SignIn reserves them for a password: a slot under
// the address's attempts and failures and under the user's failures, taken
// before the check. done settles the reservation: done(true) gives the
// failure slots back, done(false) keeps them (and logs a lock-out once),
// so wrong codes count toward the same per-user limit as wrong passwords
// (SECURITY.md). Errors are those of SignIn's reservation:
// CodeTooManyRequests when a limit is used up, CodeInternal.
func (s *Service) ReserveFactor(ctx context.Context, u sso.User, remoteAddr string) (done func(ok bool), err error) {
	a := &attempt{s: s, now: s.now(), addr: sso.AddressBucket(remoteAddr)}
	if err := a.reserve(ctx, u.Name); err != nil {
		return nil, err
	}
	return func(ok bool) {
		if !ok {
			a.logLockouts(ctx, u)
		}
		a.finish(ctx, ok)
	}, nil
}
