package ssotest

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

var factorTests = []test{
	{"Factor/RoundTrip", testFactorRoundTrip},
	{"Factor/Conflicts", testFactorConflicts},
	{"Factor/Update", testFactorUpdate},
	{"Factor/DeleteKeepOne", testFactorDeleteKeepOne},
	{"Factor/DeleteKeepOneConcurrent", testFactorDeleteConcurrent},
	{"Factor/RecoveryCodes", testRecoveryCodes},
	{"Factor/DeleteUser", testFactorsDeleteUser},
}

func newTOTPFactor(userID, name string) sso.Factor {
	return sso.Factor{ID: sso.RandomID(), UserID: userID, Kind: sso.FactorTOTP, Name: name,
		Secret: digest(), CreatedAt: base}
}

func newWebAuthnFactor(userID, name string) sso.Factor {
	return sso.Factor{ID: sso.RandomID(), UserID: userID, Kind: sso.FactorWebAuthn, Name: name,
		Secret: digest(), CredentialID: digest(), PublicKey: digest(), SignCount: 4_000_000_000,
		Transports: []string{"usb", "nfc", "internal"}, Discoverable: true, Data: []byte(`{"flags":{"uv":true}}` + "\x00\xff"),
		CreatedAt: at(time.Minute), LastUsedAt: at(2 * time.Minute)}
}

// storedUser stores a new user named name and returns it.
func storedUser(t *testing.T, s sso.Store, name string) sso.User {
	t.Helper()
	u := newUser(name)
	must(t, "CreateUser", s.CreateUser(t.Context(), u))
	return u
}

func testFactorRoundTrip(t *testing.T, s sso.Store) {
	ctx := t.Context()
	u := storedUser(t, s, "fay")
	list, err := s.ListFactors(ctx, u.ID)
	must(t, "ListFactors empty", err)
	if list == nil || len(list) != 0 {
		t.Errorf("ListFactors of a user without factors = %#v, want an empty list", list)
	}
	wa := newWebAuthnFactor(u.ID, "Security key \u00fc")
	mustFill(t, wa)
	in := clone(wa)
	must(t, "CreateFactor", s.CreateFactor(ctx, in))
	clobber(in.Secret)
	clobber(in.CredentialID)
	clobber(in.Data)
	clobberStrings(in.Transports)
	totp := newTOTPFactor(u.ID, "Phone")
	must(t, "CreateFactor", s.CreateFactor(ctx, totp))

	got, err := s.GetFactor(ctx, u.ID, wa.ID)
	must(t, "GetFactor", err)
	same(t, "GetFactor", got, wa)
	got, err = s.GetFactorByCredential(ctx, wa.CredentialID)
	must(t, "GetFactorByCredential", err)
	same(t, "GetFactorByCredential", got, wa)
	got, err = s.GetFactor(ctx, u.ID, totp.ID)
	must(t, "GetFactor totp", err)
	same(t, "GetFactor totp", got, totp)
	list, err = s.ListFactors(ctx, u.ID)
	must(t, "ListFactors", err)
	same(t, "ListFactors (oldest first)", list, []sso.Factor{totp, wa})

	other := storedUser(t, s, "gus")
	_, err = s.GetFactor(ctx, other.ID, wa.ID)
	wantErr(t, "GetFactor of another user", err, sso.ErrNotFound)
	_, err = s.GetFactorByCredential(ctx, digest())
	wantErr(t, "GetFactorByCredential unknown", err, sso.ErrNotFound)
	_, err = s.GetFactorByCredential(ctx, nil)
	wantErr(t, "GetFactorByCredential empty", err, sso.ErrNotFound)
	if list, err := s.ListFactors(ctx, other.ID); err != nil || len(list) != 0 {
		t.Errorf("ListFactors of another user = %v, %v", list, err)
	}
}

func testFactorConflicts(t *testing.T, s sso.Store) {
	ctx := t.Context()
	u, v := storedUser(t, s, "hal"), storedUser(t, s, "ida")
	f := newWebAuthnFactor(u.ID, "Key")
	must(t, "CreateFactor", s.CreateFactor(ctx, f))
	dupID := newTOTPFactor(u.ID, "Other")
	dupID.ID = f.ID
	wantErr(t, "CreateFactor with an existing ID", s.CreateFactor(ctx, dupID), sso.ErrConflict)
	wantErr(t, "CreateFactor with a name the user has", s.CreateFactor(ctx, newTOTPFactor(u.ID, "Key")), sso.ErrConflict)
	// Another person may use the same name.
	must(t, "CreateFactor same name, other user", s.CreateFactor(ctx, newTOTPFactor(v.ID, "Key")))
	dupCred := newWebAuthnFactor(v.ID, "Stolen")
	dupCred.CredentialID = slices.Clone(f.CredentialID)
	wantErr(t, "CreateFactor with another's credential ID", s.CreateFactor(ctx, dupCred), sso.ErrConflict)
	// Many TOTP factors have no credential ID: no conflict among them.
	must(t, "CreateFactor second totp", s.CreateFactor(ctx, newTOTPFactor(v.ID, "Tablet")))
	wantErr(t, "CreateFactor of a missing user", s.CreateFactor(ctx, newTOTPFactor(sso.RandomUUID(), "x")), sso.ErrNotFound)
}

func testFactorUpdate(t *testing.T, s sso.Store) {
	ctx := t.Context()
	u := storedUser(t, s, "jo")
	f, g := newWebAuthnFactor(u.ID, "Key"), newTOTPFactor(u.ID, "Phone")
	must(t, "CreateFactor", s.CreateFactor(ctx, f))
	must(t, "CreateFactor", s.CreateFactor(ctx, g))
	want := f
	want.Name, want.SignCount, want.Data, want.LastUsedAt = "Blue key", 7, []byte("{}"), at(time.Hour)
	got, err := s.UpdateFactor(ctx, u.ID, f.ID, func(old sso.Factor) (sso.Factor, error) {
		same(t, "the update's factor", old, f)
		old.Name, old.SignCount, old.Data, old.LastUsedAt = want.Name, want.SignCount, want.Data, want.LastUsedAt
		// What may not change is not stored.
		old.Kind, old.UserID, old.CredentialID, old.Secret = sso.FactorTOTP, "someone", digest(), nil
		return old, nil
	})
	must(t, "UpdateFactor", err)
	same(t, "UpdateFactor result", got, want)
	stored, err := s.GetFactor(ctx, u.ID, f.ID)
	must(t, "GetFactor", err)
	same(t, "stored after UpdateFactor", stored, want)

	_, err = s.UpdateFactor(ctx, u.ID, f.ID, func(old sso.Factor) (sso.Factor, error) {
		old.Name = g.Name
		return old, nil
	})
	wantErr(t, "UpdateFactor to another factor's name", err, sso.ErrConflict)
	boom := errors.New("boom")
	_, err = s.UpdateFactor(ctx, u.ID, f.ID, func(old sso.Factor) (sso.Factor, error) {
		old.Name = "never"
		return old, boom
	})
	if !errors.Is(err, boom) {
		t.Errorf("UpdateFactor's own error = %v, want boom", err)
	}
	stored, _ = s.GetFactor(ctx, u.ID, f.ID)
	same(t, "stored after failed updates", stored, want)
	_, err = s.UpdateFactor(ctx, "someone", f.ID, func(old sso.Factor) (sso.Factor, error) { return old, nil })
	wantErr(t, "UpdateFactor of another user's factor", err, sso.ErrNotFound)
}

func testFactorDeleteKeepOne(t *testing.T, s sso.Store) {
	ctx := t.Context()
	u := storedUser(t, s, "kim")
	a, b := newTOTPFactor(u.ID, "A"), newWebAuthnFactor(u.ID, "B")
	must(t, "CreateFactor", s.CreateFactor(ctx, a))
	must(t, "CreateFactor", s.CreateFactor(ctx, b))
	codes := [][]byte{digest(), digest()}
	must(t, "ReplaceRecoveryCodes", s.ReplaceRecoveryCodes(ctx, u.ID, codes, base))

	wantErr(t, "DeleteFactor unknown", s.DeleteFactor(ctx, u.ID, sso.RandomID(), true), sso.ErrNotFound)
	wantErr(t, "DeleteFactor of another user", s.DeleteFactor(ctx, "other", a.ID, false), sso.ErrNotFound)
	must(t, "DeleteFactor keepOne with two", s.DeleteFactor(ctx, u.ID, a.ID, true))
	if n, _ := s.CountRecoveryCodes(ctx, u.ID); n != 2 {
		t.Errorf("recovery codes after deleting one of two factors = %d, want 2", n)
	}
	wantErr(t, "DeleteFactor keepOne of the last", s.DeleteFactor(ctx, u.ID, b.ID, true), sso.ErrConflict)
	wantErr(t, "DeleteFactor keepOne of a missing one", s.DeleteFactor(ctx, u.ID, a.ID, true), sso.ErrNotFound)
	if _, err := s.GetFactor(ctx, u.ID, b.ID); err != nil {
		t.Errorf("the refused delete deleted: %v", err)
	}
	must(t, "DeleteFactor the last without keepOne", s.DeleteFactor(ctx, u.ID, b.ID, false))
	if n, _ := s.CountRecoveryCodes(ctx, u.ID); n != 0 {
		t.Errorf("recovery codes after deleting the last factor = %d, want 0", n)
	}
	_, err := s.GetFactorByCredential(ctx, b.CredentialID)
	wantErr(t, "GetFactorByCredential of a deleted factor", err, sso.ErrNotFound)
}

// testFactorDeleteConcurrent removes both factors of a person at once,
// with keepOne, many times over: one removal always stays refused.
func testFactorDeleteConcurrent(t *testing.T, s sso.Store) {
	ctx := t.Context()
	for i := range 8 {
		u := storedUser(t, s, "lee"+string(rune('a'+i)))
		a, b := newTOTPFactor(u.ID, "A"), newWebAuthnFactor(u.ID, "B")
		must(t, "CreateFactor", s.CreateFactor(ctx, a))
		must(t, "CreateFactor", s.CreateFactor(ctx, b))
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for j, f := range []sso.Factor{a, b} {
			wg.Go(func() { errs[j] = s.DeleteFactor(ctx, u.ID, f.ID, true) })
		}
		wg.Wait()
		list, err := s.ListFactors(ctx, u.ID)
		must(t, "ListFactors", err)
		if len(list) != 1 {
			t.Fatalf("two removals at once with keepOne left %d factors (errors %v), want 1", len(list), errs)
		}
		if (errs[0] == nil) == (errs[1] == nil) || !errors.Is(errors.Join(errs...), sso.ErrConflict) {
			t.Errorf("errors = %v, want one nil and one ErrConflict", errs)
		}
	}
}

func testRecoveryCodes(t *testing.T, s sso.Store) {
	ctx := t.Context()
	u, v := storedUser(t, s, "max"), storedUser(t, s, "ned")
	first := [][]byte{digest(), digest(), digest()}
	must(t, "ReplaceRecoveryCodes", s.ReplaceRecoveryCodes(ctx, u.ID, first, base))
	if n, err := s.CountRecoveryCodes(ctx, u.ID); err != nil || n != 3 {
		t.Fatalf("CountRecoveryCodes = %d, %v; want 3", n, err)
	}
	wantErr(t, "UseRecoveryCode of another user", s.UseRecoveryCode(ctx, v.ID, first[0]), sso.ErrNotFound)
	wantErr(t, "UseRecoveryCode unknown", s.UseRecoveryCode(ctx, u.ID, digest()), sso.ErrNotFound)
	wantErr(t, "UseRecoveryCode empty", s.UseRecoveryCode(ctx, u.ID, nil), sso.ErrNotFound)
	must(t, "UseRecoveryCode", s.UseRecoveryCode(ctx, u.ID, first[1]))
	wantErr(t, "UseRecoveryCode twice", s.UseRecoveryCode(ctx, u.ID, first[1]), sso.ErrNotFound)
	if n, _ := s.CountRecoveryCodes(ctx, u.ID); n != 2 {
		t.Errorf("CountRecoveryCodes after one use = %d, want 2", n)
	}
	// Many uses of one code at once: exactly one succeeds.
	wins := 0
	for i, err := range race(16, func(int) error { return s.UseRecoveryCode(ctx, u.ID, first[2]) }) {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, sso.ErrNotFound):
			t.Errorf("UseRecoveryCode at once: goroutine %d: %v, want nil or ErrNotFound", i, err)
		}
	}
	if wins != 1 {
		t.Errorf("16 uses of one recovery code at once: %d succeeded, want 1", wins)
	}
	// New codes replace the old ones.
	next := [][]byte{digest(), digest()}
	must(t, "ReplaceRecoveryCodes again", s.ReplaceRecoveryCodes(ctx, u.ID, next, at(time.Hour)))
	wantErr(t, "UseRecoveryCode of a replaced code", s.UseRecoveryCode(ctx, u.ID, first[0]), sso.ErrNotFound)
	must(t, "UseRecoveryCode of a new code", s.UseRecoveryCode(ctx, u.ID, next[0]))
	wantErr(t, "ReplaceRecoveryCodes of a missing user",
		s.ReplaceRecoveryCodes(ctx, sso.RandomUUID(), next, base), sso.ErrNotFound)
	if n, _ := s.CountRecoveryCodes(ctx, v.ID); n != 0 {
		t.Errorf("CountRecoveryCodes of a user without codes = %d", n)
	}
}

func testFactorsDeleteUser(t *testing.T, s sso.Store) {
	ctx := t.Context()
	u, v := storedUser(t, s, "ola"), storedUser(t, s, "pia")
	mine, theirs := newWebAuthnFactor(u.ID, "Key"), newWebAuthnFactor(v.ID, "Key")
	for _, f := range []sso.Factor{mine, newTOTPFactor(u.ID, "Phone"), theirs} {
		must(t, "CreateFactor", s.CreateFactor(ctx, f))
	}
	for _, id := range []string{u.ID, v.ID} {
		must(t, "ReplaceRecoveryCodes", s.ReplaceRecoveryCodes(ctx, id, [][]byte{digest()}, base))
	}
	if n, err := s.DeleteUserFactors(ctx, v.ID); err != nil || n != 1 {
		t.Errorf("DeleteUserFactors = %d, %v; want 1", n, err)
	}
	if n, _ := s.CountRecoveryCodes(ctx, v.ID); n != 0 {
		t.Errorf("recovery codes after DeleteUserFactors = %d", n)
	}
	must(t, "DeleteUser", s.DeleteUser(ctx, u.ID, at(time.Hour)))
	if list, _ := s.ListFactors(ctx, u.ID); len(list) != 0 {
		t.Errorf("factors of a deleted user remain: %d", len(list))
	}
	if n, _ := s.CountRecoveryCodes(ctx, u.ID); n != 0 {
		t.Errorf("recovery codes of a deleted user remain: %d", n)
	}
	_, err := s.GetFactorByCredential(ctx, mine.CredentialID)
	wantErr(t, "a deleted user's credential", err, sso.ErrNotFound)
	// A new user of the same name starts without factors, and may
	// register the same authenticator again.
	again := storedUser(t, s, u.Name)
	re := newWebAuthnFactor(again.ID, "Key")
	re.CredentialID = mine.CredentialID
	must(t, "CreateFactor of a deleted user's credential", s.CreateFactor(ctx, re))
}
