package keys_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/keys"
	"github.com/ssooidc/ssooidc/internal/sqlite"
)

type clock struct{ t atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Unix(0, c.t.Load()) }
func (c *clock) Advance(d time.Duration) { c.t.Add(int64(d)) }

func open(t *testing.T) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

type claims struct {
	Sub string `json:"sub"`
}

// TestNodesAgree: two nodes over one store sign with the same key and
// verify each other's tokens; rotation moves to a new key, keeps the
// previous one published for a period, then drops it.
func TestNodesAgree(t *testing.T) {
	ctx := context.Background()
	store := open(t)
	clk := &clock{}
	clk.t.Store(time.Date(2026, 3, 1, 0, 30, 0, 0, time.UTC).UnixNano())
	a, err := keys.New(store, keys.Options{Rotation: time.Hour, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := keys.New(store, keys.Options{Rotation: time.Hour, Now: clk.Now})

	// Both nodes create their first key at once: the store keeps one.
	var wg sync.WaitGroup
	tokens := make([]string, 2)
	for i, s := range []*keys.Set{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := s.Sign(ctx, claims{Sub: "u"})
			if err != nil {
				t.Error(err)
			}
			tokens[i] = tok
		}()
	}
	wg.Wait()
	ja, _ := a.JWKS(ctx)
	jb, _ := b.JWKS(ctx)
	if len(ja.Keys) != 3 || ja.Keys[0].KeyID != jb.Keys[0].KeyID || ja.Keys[1].KeyID != jb.Keys[1].KeyID {
		t.Fatalf("nodes publish different keys: %v / %v", ja.Keys, jb.Keys)
	}
	for _, k := range ja.Keys {
		if !k.IsPublic() || k.Algorithm != "ES256" || k.Use != "sig" || k.KeyID == "" {
			t.Errorf("published key %+v", k)
		}
	}
	for _, tok := range tokens {
		var c claims
		if err := b.Verify(ctx, tok, &c); err != nil || c.Sub != "u" {
			t.Fatalf("verify: %v %+v", err, c)
		}
	}
	first := ja.Keys[0].KeyID
	next := ja.Keys[1].KeyID

	clk.Advance(time.Hour)
	tok2, _ := a.Sign(ctx, claims{Sub: "v"})
	j2, _ := b.JWKS(ctx)
	if j2.Keys[0].KeyID != next || j2.Keys[2].KeyID != first {
		t.Errorf("after one period: current %s (want the published next %s), previous %s (want %s)",
			j2.Keys[0].KeyID, next, j2.Keys[2].KeyID, first)
	}
	if err := b.Verify(ctx, tokens[0], &claims{}); err != nil {
		t.Errorf("a token of the previous period: %v", err)
	}
	if err := a.Verify(ctx, tok2, &claims{}); err != nil {
		t.Error(err)
	}

	clk.Advance(time.Hour)
	if err := b.Verify(ctx, tokens[0], &claims{}); !errors.Is(err, keys.ErrUnknownKey) {
		t.Errorf("a token two periods old: %v", err)
	}
}

func TestRotationBounds(t *testing.T) {
	store := open(t)
	for _, r := range []time.Duration{time.Minute, time.Hour + time.Millisecond} {
		if _, err := keys.New(store, keys.Options{Rotation: r}); err == nil {
			t.Errorf("rotation %s accepted", r)
		}
	}
	s, err := keys.New(store, keys.Options{})
	if err != nil || s.Rotation() != keys.DefaultRotation {
		t.Errorf("default: %v %v", s, err)
	}
}

func TestForeignTokenRejected(t *testing.T) {
	ctx := context.Background()
	a, _ := keys.New(open(t), keys.Options{})
	b, _ := keys.New(open(t), keys.Options{})
	tok, _ := a.Sign(ctx, claims{Sub: "u"})
	if err := b.Verify(ctx, tok, &claims{}); !errors.Is(err, keys.ErrUnknownKey) {
		t.Errorf("another server's token: %v", err)
	}
}

func BenchmarkSign(b *testing.B) {
	ctx := context.Background()
	store, _ := sqlite.Open(ctx, filepath.Join(b.TempDir(), "k.db"))
	defer store.Close()
	s, _ := keys.New(store, keys.Options{})
	for b.Loop() {
		if _, err := s.Sign(ctx, claims{Sub: "u"}); err != nil {
			b.Fatal(err)
		}
	}
}
