package ssotest

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

var concurrencyTests = []test{
	{"Concurrent/RedeemDeviceAuth", testConcurrentRedeemDevice},
	{"Concurrent/RedeemAuthCode", testConcurrentRedeemAuthCode},
	{"Concurrent/RotateRefreshToken", testConcurrentRotate},
	{"Concurrent/RefreshRotate", testConcurrentRefreshRotate},
	{"Concurrent/UpdateDeviceAuth", testConcurrentUpdateDevice},
	{"Concurrent/CreateDeviceAuthUserCode", testConcurrentUserCode},
	{"Concurrent/Hit", testConcurrentHit},
	{"Concurrent/Secret", testConcurrentSecret},
}

// race runs f(0) ... f(n-1) on n goroutines released at the same moment
// and returns their errors by index.
func race(n int, f func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = f(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// exactlyOneWinner fails the test unless exactly one error is nil and every
// other one is ErrConflict; it returns the winner's index.
func exactlyOneWinner(t *testing.T, what string, errs []error) int {
	t.Helper()
	winner, wins := -1, 0
	for i, err := range errs {
		switch {
		case err == nil:
			winner, wins = i, wins+1
		case !errors.Is(err, sso.ErrConflict):
			t.Errorf("%s: goroutine %d: err = %v, want nil or ErrConflict", what, i, err)
		}
	}
	if wins != 1 {
		t.Fatalf("%s: %d of %d goroutines succeeded, want exactly 1", what, wins, len(errs))
	}
	return winner
}

// exactlyOneIssued fails the test unless only issues[winner] was stored.
func exactlyOneIssued(t *testing.T, s sso.Store, what string, issues []sso.Issue, winner int) {
	t.Helper()
	stored := 0
	for i, is := range issues {
		if i == winner {
			checkIssued(t, s, what+": the winner's issue", is)
			stored++
			continue
		}
		_, _, err := s.GetAccessToken(t.Context(), is.Access.Digest)
		if err == nil {
			stored++
		} else if !errors.Is(err, sso.ErrNotFound) {
			t.Errorf("%s: GetAccessToken: %v", what, err)
		}
	}
	if stored != 1 {
		t.Errorf("%s: %d issues stored, want exactly 1", what, stored)
	}
}

func testConcurrentRedeemDevice(t *testing.T, s sso.Store) {
	const n = 50
	ctx := t.Context()
	d := approvedDevice()
	must(t, "CreateDeviceAuth", s.CreateDeviceAuth(ctx, d))
	issues := make([]sso.Issue, n)
	for i := range issues {
		issues[i] = newIssue(i%2 == 0)
	}
	errs := race(n, func(i int) error { return s.RedeemDeviceAuth(ctx, d.CodeDigest, issues[i]) })
	winner := exactlyOneWinner(t, "RedeemDeviceAuth", errs)
	exactlyOneIssued(t, s, "RedeemDeviceAuth", issues, winner)
	got, err := s.GetDeviceAuthByUserCode(ctx, d.UserCodeDigest)
	must(t, "GetDeviceAuthByUserCode", err)
	if got.Status != sso.DeviceRedeemed {
		t.Errorf("status after the race = %q, want %q", got.Status, sso.DeviceRedeemed)
	}
}

func testConcurrentRedeemAuthCode(t *testing.T, s sso.Store) {
	const n = 20
	ctx := t.Context()
	c := newAuthCode()
	must(t, "CreateAuthCode", s.CreateAuthCode(ctx, c))
	issues := make([]sso.Issue, n)
	for i := range issues {
		issues[i] = newIssue(true)
	}
	errs := race(n, func(i int) error {
		return s.RedeemAuthCode(ctx, c.Digest, at(time.Duration(i+1)*time.Millisecond), issues[i])
	})
	winner := exactlyOneWinner(t, "RedeemAuthCode", errs)
	exactlyOneIssued(t, s, "RedeemAuthCode", issues, winner)
	got, err := s.GetAuthCode(ctx, c.Digest)
	must(t, "GetAuthCode", err)
	want := clone(c)
	want.RedeemedAt = at(time.Duration(winner+1) * time.Millisecond)
	want.FamilyID = issues[winner].Family.ID
	same(t, "code after the race", got, want)
}

func testConcurrentRotate(t *testing.T, s sso.Store) {
	const n = 20
	ctx := t.Context()
	is := newIssue(true)
	must(t, "CreateFamily", s.CreateFamily(ctx, is))
	issues := make([]sso.Issue, n)
	for i := range issues {
		next := newRefresh(is.Family, 1)
		issues[i] = sso.Issue{Family: is.Family, Access: newAccess(is.Family), Refresh: &next}
	}
	errs := race(n, func(i int) error {
		return s.RotateRefreshToken(ctx, is.Refresh.Digest, at(time.Duration(i+1)*time.Millisecond), *issues[i].Refresh, issues[i].Access)
	})
	winner := exactlyOneWinner(t, "RotateRefreshToken", errs)
	exactlyOneIssued(t, s, "RotateRefreshToken", issues, winner)
	for i, is := range issues {
		_, _, err := s.GetRefreshToken(ctx, is.Refresh.Digest)
		if (i == winner) != (err == nil) {
			t.Errorf("RotateRefreshToken: goroutine %d (winner %d): GetRefreshToken of its successor: %v", i, winner, err)
		}
	}
	r, _, err := s.GetRefreshToken(ctx, is.Refresh.Digest)
	must(t, "GetRefreshToken", err)
	if want := at(time.Duration(winner+1) * time.Millisecond); !r.UsedAt.Equal(want) {
		t.Errorf("UsedAt after the race = %v, want the winner's %v", r.UsedAt, want)
	}
}

func testConcurrentUpdateDevice(t *testing.T, s sso.Store) {
	const n = 20
	ctx := t.Context()
	d := newDevice()
	must(t, "CreateDeviceAuth", s.CreateDeviceAuth(ctx, d))
	errs := race(n, func(i int) error {
		_, err := s.UpdateDeviceAuth(ctx, d.CodeDigest, func(old sso.DeviceAuth) (sso.DeviceAuth, error) {
			old.Polls++
			old.Interval++
			if poll := at(time.Duration(i+1) * time.Second); poll.After(old.LastPollAt) {
				old.LastPollAt = poll
			}
			return old, nil
		})
		return err
	})
	for i, err := range errs {
		if err != nil {
			t.Errorf("UpdateDeviceAuth: goroutine %d: %v", i, err)
		}
	}
	got, err := getDevice(t, s, d.CodeDigest)
	must(t, "UpdateDeviceAuth read", err)
	want := clone(d)
	want.Polls, want.Interval, want.LastPollAt = n, d.Interval+n, at(n*time.Second)
	same(t, "authorization after concurrent updates (a lost update shows as fewer polls)", got, want)
}

func testConcurrentUserCode(t *testing.T, s sso.Store) {
	const n = 20
	ctx := t.Context()
	userCode := digest()
	devices := make([]sso.DeviceAuth, n)
	for i := range devices {
		devices[i] = newDevice()
		devices[i].UserCodeDigest = bytes.Clone(userCode)
	}
	errs := race(n, func(i int) error { return s.CreateDeviceAuth(ctx, devices[i]) })
	winner := exactlyOneWinner(t, "CreateDeviceAuth with one user code", errs)
	got, err := s.GetDeviceAuthByUserCode(ctx, userCode)
	must(t, "GetDeviceAuthByUserCode", err)
	same(t, "the authorization that won the user code", got, devices[winner])
}

func testConcurrentHit(t *testing.T, s sso.Store) {
	const n = 30
	ctx := t.Context()
	counts := make([]int, n)
	errs := race(n, func(i int) error {
		var err error
		counts[i], err = s.Hit(ctx, "shared", time.Hour, base)
		return err
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Hit: goroutine %d: %v", i, err)
		}
	}
	slices.Sort(counts)
	for i, c := range counts {
		if c != i+1 {
			t.Fatalf("concurrent Hit counts = %v, want each of 1..%d exactly once", counts, n)
		}
	}
	c, err := s.Count(ctx, "shared", at(time.Second))
	must(t, "Count", err)
	if c != n {
		t.Errorf("Count after %d concurrent hits = %d", n, c)
	}
	c, err = s.Hit(ctx, "shared", time.Hour, at(time.Second))
	must(t, "Hit", err)
	if c != n+1 {
		t.Errorf("Hit after %d concurrent hits = %d, want %d", n, c, n+1)
	}
}

func testConcurrentSecret(t *testing.T, s sso.Store) {
	const n = 20
	ctx := t.Context()
	got := make([][]byte, n)
	errs := race(n, func(i int) error {
		var err error
		got[i], err = s.Secret(ctx, "digest-key", func() ([]byte, error) {
			return []byte(fmt.Sprintf("candidate-%02d", i)), nil
		})
		return err
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Secret: goroutine %d: %v", i, err)
		}
	}
	for i := range got {
		if !bytes.Equal(got[i], got[0]) {
			t.Fatalf("concurrent Secret callers got different values: %q and %q", got[0], got[i])
		}
	}
	after, err := s.Secret(ctx, "digest-key", func() ([]byte, error) { return []byte("late"), nil })
	must(t, "Secret", err)
	if !bytes.Equal(after, got[0]) {
		t.Errorf("Secret after the race = %q, want %q", after, got[0])
	}
}

// testConcurrentRefreshRotate: of 20 concurrent RefreshRotate calls on one
// token whose plans all rotate an unused token, exactly one rotates; the
// others' last plan saw the token used.
func testConcurrentRefreshRotate(t *testing.T, s sso.Store) {
	const n = 20
	ctx := t.Context()
	is := newIssue(true)
	must(t, "CreateFamily", s.CreateFamily(ctx, is))
	issues := make([]sso.Issue, n)
	for i := range issues {
		next := newRefresh(is.Family, 1)
		issues[i] = sso.Issue{Family: is.Family, Access: newAccess(is.Family), Refresh: &next}
	}
	rotated := make([]bool, n)
	errs := race(n, func(i int) error {
		_, _, err := s.RefreshRotate(ctx, is.Refresh.Digest, at(time.Duration(i+1)*time.Millisecond),
			func(r sso.RefreshToken, f sso.Family) (*sso.Rotation, error) {
				rotated[i] = r.UsedAt.IsZero()
				if !rotated[i] {
					return nil, nil
				}
				return &sso.Rotation{Next: *issues[i].Refresh, Access: issues[i].Access}, nil
			})
		if err == nil && !rotated[i] {
			return sso.ErrConflict // lost: counted as not a winner
		}
		return err
	})
	winner := exactlyOneWinner(t, "RefreshRotate", errs)
	exactlyOneIssued(t, s, "RefreshRotate", issues, winner)
	r, _, err := s.GetRefreshToken(ctx, is.Refresh.Digest)
	must(t, "GetRefreshToken", err)
	if want := at(time.Duration(winner+1) * time.Millisecond); !r.UsedAt.Equal(want) {
		t.Errorf("UsedAt after the race = %v, want the winner's %v", r.UsedAt, want)
	}
}
