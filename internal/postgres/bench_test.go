package postgres

import (
	"crypto/rand"
	mrand "math/rand/v2"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// The hot paths of the service, each from parallel goroutines (run with
// -cpu to choose how many): what one node can ask of PostgreSQL.

func benchDigest() []byte {
	b := make([]byte, 32)
	rand.Read(b)
	return b
}

func benchDevice(now time.Time) sso.DeviceAuth {
	return sso.DeviceAuth{
		CodeDigest: benchDigest(), UserCodeDigest: benchDigest(), ClientID: "c", StartURL: "https://sso.example/start",
		Scopes: []string{"sso:account:access"}, CreatedAt: now, ExpiresAt: now.Add(10 * time.Minute),
		Interval: 5, Status: sso.DevicePending,
	}
}

func benchIssue(now time.Time) sso.Issue {
	f := sso.Family{ID: sso.RandomID(), ClientID: "c", UserID: "u", Scopes: []string{"sso:account:access"},
		Refreshable: true, CreatedAt: now, ExpiresAt: now.Add(8 * time.Hour)}
	return sso.Issue{
		Family:  f,
		Access:  sso.AccessToken{Digest: benchDigest(), FamilyID: f.ID, ClientID: "c", UserID: "u", Scopes: f.Scopes, IssuedAt: now, ExpiresAt: now.Add(time.Hour)},
		Refresh: &sso.RefreshToken{Digest: benchDigest(), FamilyID: f.ID, CreatedAt: now},
	}
}

// BenchmarkCreateDeviceAuth is StartDeviceAuthorization's write.
func BenchmarkCreateDeviceAuth(b *testing.B) {
	s := newStore(b, Options{MaxConns: 16})
	now := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := s.CreateDeviceAuth(b.Context(), benchDevice(now)); err != nil {
				b.Error(err)
			}
		}
	})
}

// BenchmarkPendingPoll is a pending CreateToken poll: one compare-and-swap
// that records the poll.
func BenchmarkPendingPoll(b *testing.B) {
	s := newStore(b, Options{MaxConns: 16})
	now := time.Now()
	var devices [][]byte
	for range 64 {
		d := benchDevice(now)
		if err := s.CreateDeviceAuth(b.Context(), d); err != nil {
			b.Fatal(err)
		}
		devices = append(devices, d.CodeDigest)
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := mrand.IntN(len(devices)) // not all in step on one row
		for pb.Next() {
			i++
			_, err := s.UpdateDeviceAuth(b.Context(), devices[i%len(devices)], func(d sso.DeviceAuth) (sso.DeviceAuth, error) {
				d.Polls++
				d.LastPollAt = time.Now()
				return d, nil
			})
			if err != nil {
				b.Error(err)
			}
		}
	})
}

// BenchmarkRotate is a refresh: the rotation of one family's token.
func BenchmarkRotate(b *testing.B) {
	s := newStore(b, Options{MaxConns: 16})
	now := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		is := benchIssue(now)
		if err := s.CreateFamily(b.Context(), is); err != nil {
			b.Error(err)
			return
		}
		old := is.Refresh.Digest
		for gen := 1; pb.Next(); gen++ {
			next := sso.RefreshToken{Digest: benchDigest(), FamilyID: is.Family.ID, Generation: gen, CreatedAt: now}
			access := is.Access
			access.Digest = benchDigest()
			if err := s.RotateRefreshToken(b.Context(), old, time.Now(), next, access); err != nil {
				b.Error(err)
				return
			}
			old = next.Digest
		}
	})
}

// BenchmarkGetAccessToken is the portal's token check.
func BenchmarkGetAccessToken(b *testing.B) {
	s := newStore(b, Options{MaxConns: 16})
	is := benchIssue(time.Now())
	if err := s.CreateFamily(b.Context(), is); err != nil {
		b.Fatal(err)
	}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, _, err := s.GetAccessToken(b.Context(), is.Access.Digest); err != nil {
				b.Error(err)
			}
		}
	})
}

// BenchmarkHit is a global rate limit on one hot key.
func BenchmarkHit(b *testing.B) {
	s := newStore(b, Options{MaxConns: 16})
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Hit(b.Context(), "ip:192.0.2.1", time.Hour, time.Now()); err != nil {
				b.Error(err)
			}
		}
	})
}
