package sqlite

import (
	"context"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// BenchmarkCreateUserEvent measures what an audit event adds to a write:
// the same CreateUser, from 8 goroutines as the group commit sees them,
// with and without its event. cpu-µs/op is the process's CPU per write.
func BenchmarkCreateUserEvent(b *testing.B) {
	// event+subject-index puts back the index migration 0010 dropped, to
	// show what it cost.
	for _, name := range []string{"plain", "event", "event+subject-index"} {
		withEvent := name != "plain"
		b.Run(name, func(b *testing.B) {
			s := open(b, filepath.Join(b.TempDir(), "ssooidc.db"))
			if name == "event+subject-index" {
				if err := s.write(context.Background(), "index", func(ctx context.Context, tx *wtx) error {
					_, err := tx.ExecContext(ctx, `CREATE INDEX audit_events_subject ON audit_events (subject, seq) WHERE subject <> ''`)
					return err
				}); err != nil {
					b.Fatal(err)
				}
			}
			now := time.Now()
			before := cpuNow()
			b.SetParallelism(4) // 8 writers on 2 CPUs
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					id := sso.RandomUUID()
					u := sso.User{ID: id, Name: "u-" + id, DisplayName: "U", CreatedAt: now, UpdatedAt: now}
					ctx := context.Background()
					if withEvent {
						ctx = sso.WithEvent(ctx, sso.Event{Time: now, Type: "user.created",
							Actor:   sso.Actor{Type: sso.ActorIAM, ID: "arn:aws:iam::123456789012:role/admin"},
							Target:  sso.Target{Type: "user", ID: id, Name: u.Name, User: u.Name},
							Address: "192.0.2.7"})
					}
					if err := s.CreateUser(ctx, u); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.StopTimer()
			b.ReportMetric(float64(cpuNow()-before)/float64(b.N)/1e3, "cpu-µs/op")
		})
	}
}

func cpuNow() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
