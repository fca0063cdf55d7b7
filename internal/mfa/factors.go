package mfa

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/ssooidc/ssooidc/internal/audit"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// VerifyTOTP checks an authentication code of u typed at addr against each
// of u's authenticator apps. The check is reserved under u's sign-in
// limits first (Limiter): a wrong code keeps its failure slots, so wrong
// codes and wrong passwords count together. A right code is accepted once:
// its time step is remembered (a flow whose second creation is a
// conflict) until the step can no longer match (RFC 6238 section 5.2).
// Errors are *sso.Error: CodeAccessDenied with a message for the person
// (wrong, replayed, or not a code), CodeTooManyRequests; others internal.
func (s *Service) VerifyTOTP(ctx context.Context, u sso.User, code, addr string) error {
	ctx = s.context(ctx, u, addr)
	code, ok := normalCode(code)
	if !ok {
		return sso.Errorf(sso.CodeAccessDenied, msgCodeShape)
	}
	list, err := s.factors.ListFactors(ctx, u.ID)
	if err != nil {
		return fmt.Errorf("mfa: list factors: %w", err)
	}
	if !slices.ContainsFunc(list, func(f sso.Factor) bool { return f.Kind == sso.FactorTOTP }) {
		return sso.Errorf(sso.CodeAccessDenied, msgNoTOTP) // no guess: nothing to guess at
	}
	done, err := s.limiter.ReserveFactor(ctx, u, addr)
	if err != nil {
		if sso.CodeOf(err) == sso.CodeTooManyRequests {
			return s.refuse(ctx, u, sso.FactorTOTP, "throttled", err)
		}
		return err
	}
	accepted := false
	defer func() { done(accepted) }()
	now := s.now()
	var hit *sso.Factor
	var at uint64
	for i, f := range list {
		if f.Kind != sso.FactorTOTP {
			continue
		}
		key, err := s.seal.open(u.ID, f.Secret)
		if err != nil {
			return fmt.Errorf("mfa: factor %s of %s: %w", f.ID, u.Name, err)
		}
		if st, ok := match(key, code, now); ok && hit == nil {
			hit, at = &list[i], st
		}
	}
	if hit == nil {
		return s.refuse(ctx, u, sso.FactorTOTP, "wrong_code", sso.Errorf(sso.CodeAccessDenied, msgWrongCode))
	}
	if err := s.spend(ctx, u, at, now); err != nil {
		return err
	}
	accepted = true
	s.used(ctx, u, *hit)
	s.verified(ctx, u, sso.FactorTOTP)
	return nil
}

// spend remembers that u's code of time step st was accepted, or refuses a
// replay. The entry lives until the last moment a code of st can match
// (st + skew + 1 steps), so the cache never grows beyond three steps per
// person.
func (s *Service) spend(ctx context.Context, u sso.User, st uint64, now time.Time) error {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], st)
	until := time.Unix(int64((st+totpSkew+1)*uint64(totpStep/time.Second)), 0)
	err := s.flows.CreateFlow(ctx, sso.Flow{Digest: s.d.Digest(kindTOTPUsed, u.ID+"\x00"+string(b[:])), Kind: kindTOTPUsed,
		UserID: u.ID, CreatedAt: now, ExpiresAt: until.Add(time.Second)})
	if errors.Is(err, sso.ErrConflict) {
		return s.refuse(ctx, u, sso.FactorTOTP, "replayed", sso.Errorf(sso.CodeAccessDenied, msgReplay))
	}
	if err != nil {
		return fmt.Errorf("mfa: remember a used code: %w", err)
	}
	return nil
}

// used records that f was just used; a failure only leaves the date old.
func (s *Service) used(ctx context.Context, u sso.User, f sso.Factor) {
	_, err := s.factors.UpdateFactor(sso.WithoutEvents(ctx), u.ID, f.ID, func(cur sso.Factor) (sso.Factor, error) {
		cur.LastUsedAt = s.now()
		return cur, nil
	})
	if err != nil {
		s.log.WarnContext(ctx, "recording a factor's use failed", "error", err.Error())
	}
}

// VerifyRecovery checks a recovery code of u typed at addr, under the
// same limits as VerifyTOTP, and uses it up: a code works once. Errors as
// VerifyTOTP's.
func (s *Service) VerifyRecovery(ctx context.Context, u sso.User, code, addr string) error {
	ctx = s.context(ctx, u, addr)
	code, ok := normalRecovery(code)
	if !ok {
		return sso.Errorf(sso.CodeAccessDenied, msgRecoveryShape)
	}
	done, err := s.limiter.ReserveFactor(ctx, u, addr)
	if err != nil {
		if sso.CodeOf(err) == sso.CodeTooManyRequests {
			return s.refuse(ctx, u, "recovery_code", "throttled", err)
		}
		return err
	}
	accepted := false
	defer func() { done(accepted) }()
	left, _ := s.factors.CountRecoveryCodes(ctx, u.ID)
	ev := s.rec.Event(ctx, audit.RecoveryUsed, audit.UserTarget(u), "left", strconv.Itoa(max(left-1, 0)))
	err = s.rec.Do(ctx, func(ctx context.Context) error {
		return s.factors.UseRecoveryCode(ctx, u.ID, s.d.Digest(kindRecovery, u.ID+"\x00"+code))
	}, ev)
	if errors.Is(err, sso.ErrNotFound) {
		return s.refuse(ctx, u, "recovery_code", "wrong_code", sso.Errorf(sso.CodeAccessDenied, msgWrongRecovery))
	}
	if err != nil {
		return fmt.Errorf("mfa: use a recovery code: %w", err)
	}
	accepted = true
	s.verified(ctx, u, "recovery_code")
	return nil
}

// NewRecoveryCodes replaces u's recovery codes with ten new ones and
// returns them: the only time they are shown.
func (s *Service) NewRecoveryCodes(ctx context.Context, u sso.User) ([]string, error) {
	ctx = s.context(ctx, u, "")
	codes, digests := make([]string, RecoveryCodes), make([][]byte, RecoveryCodes)
	for i := range codes {
		codes[i] = newRecoveryCode()
		n, _ := normalRecovery(codes[i])
		digests[i] = s.d.Digest(kindRecovery, u.ID+"\x00"+n)
	}
	err := s.rec.Do(ctx, func(ctx context.Context) error {
		return s.factors.ReplaceRecoveryCodes(ctx, u.ID, digests, s.now())
	}, s.rec.Event(ctx, audit.RecoveryRenewed, audit.UserTarget(u)))
	if err != nil {
		return nil, fmt.Errorf("mfa: store recovery codes: %w", err)
	}
	return codes, nil
}

// TOTPEnrolment is an authenticator app being set up: the secret shown
// once, as text and as an otpauth URI for the QR code, and the handle of
// the flow that keeps it (sealed) until the first code confirms it.
type TOTPEnrolment struct {
	Handle string
	Secret string // base32, in groups of four
	URI    string
}

// BeginTOTP starts setting up an authenticator app for u.
func (s *Service) BeginTOTP(ctx context.Context, u sso.User) (TOTPEnrolment, error) {
	if s.policy.Mode == Off {
		return TOTPEnrolment{}, sso.Errorf(sso.CodeInvalidRequest, msgOff)
	}
	key := newSecret()
	handle := sso.RandomSecret()
	now := s.now()
	err := s.flows.CreateFlow(ctx, sso.Flow{Digest: s.d.Digest(kindEnrol, handle), Kind: kindEnrol, UserID: u.ID,
		Data: s.seal.seal(u.ID, key), CreatedAt: now, ExpiresAt: now.Add(ceremonyTTL)})
	if err != nil {
		return TOTPEnrolment{}, fmt.Errorf("mfa: keep a TOTP secret: %w", err)
	}
	secret := b32.EncodeToString(key)
	return TOTPEnrolment{Handle: handle, Secret: spaced(secret), URI: keyURI(s.policy.Issuer, u.Name, key)}, nil
}

// FinishTOTP confirms the authenticator app of handle with its first code
// and stores it as u's factor named name. When it is u's first factor, it
// returns u's new recovery codes (shown once). Errors are *sso.Error:
// CodeAccessDenied (wrong code: the setup stays, try again),
// CodeExpiredToken (no such setup), CodeInvalidRequest (bad name),
// CodeConflict (name taken).
func (s *Service) FinishTOTP(ctx context.Context, u sso.User, handle, name, code string) ([]string, error) {
	ctx = s.context(ctx, u, "")
	name, err := checkName(name)
	if err != nil {
		return nil, err
	}
	digest := s.d.Digest(kindEnrol, handle)
	fl, err := s.flows.GetFlow(ctx, digest, kindEnrol)
	if errors.Is(err, sso.ErrNotFound) || err == nil && (fl.UserID != u.ID || !s.now().Before(fl.ExpiresAt)) {
		return nil, sso.Errorf(sso.CodeExpiredToken, msgEnrolExpired)
	}
	if err != nil {
		return nil, fmt.Errorf("mfa: read a TOTP setup: %w", err)
	}
	key, err := s.seal.open(u.ID, fl.Data)
	if err != nil {
		return nil, err
	}
	c, ok := normalCode(code)
	if !ok {
		return nil, sso.Errorf(sso.CodeAccessDenied, msgCodeShape)
	}
	st, ok := match(key, c, s.now())
	if !ok {
		return nil, sso.Errorf(sso.CodeAccessDenied, msgWrongCode)
	}
	if _, err := s.flows.TakeFlow(ctx, digest, kindEnrol); errors.Is(err, sso.ErrNotFound) {
		return nil, sso.Errorf(sso.CodeExpiredToken, msgEnrolExpired)
	} else if err != nil {
		return nil, fmt.Errorf("mfa: take a TOTP setup: %w", err)
	}
	// The confirming code is spent: it cannot also sign in.
	if err := s.spend(sso.WithoutEvents(ctx), u, st, s.now()); err != nil && sso.CodeOf(err) != sso.CodeAccessDenied {
		return nil, err
	}
	f := sso.Factor{ID: sso.RandomID(), UserID: u.ID, Kind: sso.FactorTOTP, Name: name, Secret: fl.Data, CreatedAt: s.now()}
	return s.add(ctx, u, f)
}

// add stores a new factor of u with its audit event and, when it is u's
// first, new recovery codes.
func (s *Service) add(ctx context.Context, u sso.User, f sso.Factor) ([]string, error) {
	before, err := s.factors.ListFactors(ctx, u.ID)
	if err != nil {
		return nil, fmt.Errorf("mfa: list factors: %w", err)
	}
	err = s.rec.Do(ctx, func(ctx context.Context) error { return s.factors.CreateFactor(ctx, f) },
		s.rec.Event(ctx, audit.MFAEnrolled, factorTarget(u, f), "factor", f.Kind))
	switch {
	case errors.Is(err, sso.ErrConflict):
		return nil, sso.Errorf(sso.CodeConflict, msgNameTaken)
	case err != nil:
		return nil, fmt.Errorf("mfa: store a factor: %w", err)
	}
	if len(before) > 0 {
		if n, err := s.factors.CountRecoveryCodes(ctx, u.ID); err != nil || n > 0 {
			return nil, err
		}
	}
	return s.NewRecoveryCodes(ctx, u)
}

// Rename renames u's factor id.
func (s *Service) Rename(ctx context.Context, u sso.User, id, name string) error {
	ctx = s.context(ctx, u, "")
	name, err := checkName(name)
	if err != nil {
		return err
	}
	var evs []sso.Event
	_, err = s.factors.UpdateFactor(sso.WithLateEvents(ctx, &evs), u.ID, id, func(f sso.Factor) (sso.Factor, error) {
		evs = []sso.Event{s.rec.Event(ctx, audit.MFARenamed, factorTarget(u, f), "name", name)}
		f.Name = name
		return f, nil
	})
	switch {
	case errors.Is(err, sso.ErrNotFound):
		return sso.Errorf(sso.CodeResourceNotFound, msgNotFound)
	case errors.Is(err, sso.ErrConflict):
		return sso.Errorf(sso.CodeConflict, msgNameTaken)
	case err != nil:
		return fmt.Errorf("mfa: rename a factor: %w", err)
	}
	for _, e := range evs {
		s.rec.Log(ctx, e)
	}
	return nil
}

// Remove removes u's factor id. Under the required mode, removing the
// last one is refused (CodeConflict), decided in the store's transaction.
// Removing the last factor otherwise removes the recovery codes too.
func (s *Service) Remove(ctx context.Context, u sso.User, id string) error {
	ctx = s.context(ctx, u, "")
	f, err := s.factors.GetFactor(ctx, u.ID, id)
	if errors.Is(err, sso.ErrNotFound) {
		return sso.Errorf(sso.CodeResourceNotFound, msgNotFound)
	}
	if err != nil {
		return fmt.Errorf("mfa: get a factor: %w", err)
	}
	err = s.rec.Do(ctx, func(ctx context.Context) error {
		return s.factors.DeleteFactor(ctx, u.ID, id, s.policy.Mode == Required)
	}, s.rec.Event(ctx, audit.MFARemoved, factorTarget(u, f), "factor", f.Kind))
	switch {
	case errors.Is(err, sso.ErrNotFound):
		return sso.Errorf(sso.CodeResourceNotFound, msgNotFound)
	case errors.Is(err, sso.ErrConflict):
		return sso.Errorf(sso.CodeConflict, msgLastFactor)
	case err != nil:
		return fmt.Errorf("mfa: remove a factor: %w", err)
	}
	return nil
}

// Reset removes every factor and recovery code of u (an administrator's
// act, for a person who lost their phone and codes) and returns how many
// factors it removed. Under the required mode, u enrols again at the next
// sign-in.
func (s *Service) Reset(ctx context.Context, u sso.User) (int, error) {
	var n int
	err := s.rec.Do(ctx, func(ctx context.Context) error {
		var err error
		n, err = s.factors.DeleteUserFactors(ctx, u.ID)
		return err
	}, s.rec.Event(ctx, audit.MFAReset, audit.UserTarget(u)))
	if err != nil {
		return 0, fmt.Errorf("mfa: reset: %w", err)
	}
	return n, nil
}
