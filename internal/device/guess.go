package device

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// guess is one code entry's reservations in the limit store: a slot under
// the person's and the address's count of wrong codes, taken before the
// lookup (so that no number of parallel entries gets more lookups than the
// limits) and given back when the code matched.
type guess struct {
	s     *Service
	now   time.Time
	who   sso.User
	addr  string
	slots []guessSlot
}

type guessSlot struct {
	key   string
	n     int
	limit int
	scope string
}

// guessWindow is the window the counts run in: GuessWindow, or the code
// lifetime when that is longer, so that a code's life overlaps at most two
// windows (the argument above GuessesPerUser).
func (s *Service) guessWindow() time.Duration {
	return max(GuessWindow, s.opts.ExpiresIn)
}

// reserveGuess takes a slot under the person's and the address's limits,
// or refuses the entry with CodeTooManyRequests (giving back what it took)
// when one is used up: before any lookup, so a right code is refused too.
func (s *Service) reserveGuess(ctx context.Context, who sso.User, remoteAddr string) (*guess, error) {
	addr := sso.AddressBucket(remoteAddr)
	g := &guess{s: s, now: s.opts.Now(), who: who, addr: addr}
	window := s.guessWindow()
	for _, l := range []guessSlot{
		{key: "device_guess:user:" + who.ID, limit: GuessesPerUser, scope: "user"},
		{key: "device_guess:addr:" + addr, limit: GuessesPerAddress, scope: "address"},
	} {
		n, err := s.limits.Count(ctx, l.key, g.now)
		taken := false
		if err == nil && n < l.limit {
			n, taken, err = s.limits.Take(ctx, l.key, l.limit, window, g.now)
		}
		if err != nil {
			g.giveBack(ctx)
			return nil, err
		}
		if !taken {
			g.giveBack(ctx)
			return nil, &sso.Error{Code: sso.CodeTooManyRequests, RetryAfter: window,
				Message: "too many wrong codes; wait " + minutes(window) + " and try again"}
		}
		l.n = n
		g.slots = append(g.slots, l)
	}
	return g, nil
}

// wrong keeps the slots (they are the count of wrong codes) and logs the
// wrong code, and the lock-out when this guess used up a limit. The code
// itself is never logged: a near miss tells a reader of the log too much.
func (g *guess) wrong(ctx context.Context) {
	log := g.s.opts.Logger
	log.InfoContext(ctx, "wrong user code", slog.String("user", g.who.Name), slog.String("user_id", g.who.ID),
		slog.String("client_addr", g.addr))
	for _, sl := range g.slots {
		if sl.n == sl.limit {
			log.WarnContext(ctx, "user-code entry locked", slog.String("scope", sl.scope), slog.Int("limit", sl.limit),
				slog.Duration("window", g.s.guessWindow()), slog.String("user", g.who.Name),
				slog.String("user_id", g.who.ID), slog.String("client_addr", g.addr))
		}
	}
}

// giveBack releases the slots of a guess that was no guess (the code
// matched) or was never made. A failure only leaves the slot counted
// until its window ends.
func (g *guess) giveBack(ctx context.Context) {
	for _, sl := range g.slots {
		if err := g.s.limits.Release(context.WithoutCancel(ctx), sl.key, g.now); err != nil {
			g.s.opts.Logger.WarnContext(ctx, "giving back a user-code slot failed", slog.Any("error", err))
		}
	}
	g.slots = nil
}

func minutes(d time.Duration) string {
	m := int((d + time.Minute - 1) / time.Minute)
	if m == 1 {
		return "a minute"
	}
	return strconv.Itoa(m) + " minutes"
}
