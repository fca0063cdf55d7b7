package ssooidctest

import (
	"context"
	"net"
	"path/filepath"
	"testing"

	"github.com/ssooidc/ssooidc/internal/sqlite"
)

// benchOptions are a typical test's declarations: two users (one with a
// password), a group, two accounts, two permission sets, three
// assignments.
func benchOptions() []Option {
	return []Option{
		WithUsers(User{Name: "alice", Password: "correct horse battery", Groups: []string{"devs"}}, User{Name: "bob"}),
		WithAccounts(Account{ID: "111111111111", Name: "Production"}),
		WithPermissionSets(PermissionSet{Name: "Admin"}),
		WithAssignments(
			Assignment{AccountID: "111111111111", PermissionSet: "Admin", Group: "devs"},
			Assignment{AccountID: "222222222222", PermissionSet: "ReadOnly", User: "bob"},
			Assignment{AccountID: "222222222222", PermissionSet: "ReadOnly", User: "alice"}),
		WithAutoApprove("alice"),
	}
}

// BenchmarkNew starts and stops a Server: with nothing declared, and
// with a typical test's directory. The floor is what any test server
// costs: opening a fresh SQLite file (its migrations) and a loopback
// listener, and closing them.
func BenchmarkNew(b *testing.B) {
	b.Run("floor", func(b *testing.B) {
		for b.Loop() {
			s, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "f.db"), sqlite.SyncNormal)
			if err != nil {
				b.Fatal(err)
			}
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			l.Close()
			s.Close()
		}
	})
	for _, bc := range []struct {
		name string
		opts []Option
	}{{"empty", nil}, {"directory", benchOptions()}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				o := options{startURL: DefaultStartURL, region: DefaultRegion}
				for _, opt := range bc.opts {
					opt(&o)
				}
				s, err := start(b.TempDir(), &o)
				if err != nil {
					b.Fatal(err)
				}
				if err := s.Close(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
