package sessions

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"github.com/ssooidc/ssooidc/internal/audit"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// Store is what the service reads and writes.
type Store interface {
	sso.SessionListStore
	sso.SessionStore
}

// Service lists and ends sessions. It is safe for concurrent use.
type Service struct {
	store    Store
	digester *sso.Digester
	rec      *audit.Recorder
	now      func() time.Time
	log      *slog.Logger
}

// New returns a Service. digester finds the browser session of a cookie
// (the current one, which the Security page marks and keeps); rec records
// every ending (nil records nothing); now defaults to time.Now.
func New(st Store, d *sso.Digester, rec *audit.Recorder, now func() time.Time, log *slog.Logger) *Service {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: st, digester: d, rec: rec, now: now, log: log}
}

// Browser is a browser session of the pages.
type Browser struct {
	ID        string
	UserID    string
	UserAgent string // as the browser sent it at sign-in
	Address   string // the client address at sign-in (IPv6: its /64)
	CreatedAt time.Time
	ExpiresAt time.Time
	// Current is the session of the cookie List was given.
	Current bool
}

// Tool is the login session of a tool: a token family.
type Tool struct {
	ID         string // the family's
	UserID     string
	ClientName string // as the client registered it; "" when unknown
	Scopes     []string
	CreatedAt  time.Time
	// LastUsed is when it last got tokens (its last refresh, or its
	// start); a portal call with its access token writes nothing.
	LastUsed time.Time
	// ExpiresAt is when it ends, refreshes or not.
	ExpiresAt   time.Time
	Refreshable bool
}

// MaxListed bounds what one listing returns: the newest sessions of each
// kind (a person has a handful; an administrator listing everyone's sees
// the newest).
const MaxListed = 1000

// List returns the live sessions of the user userID ("" for everyone),
// newest first, at most MaxListed of each kind; the browser session of
// cookie (a cookie value, "" for none) is marked Current.
func (s *Service) List(ctx context.Context, userID, cookie string) ([]Browser, []Tool, error) {
	q := sso.SessionQuery{UserID: userID, Now: s.now(), Limit: MaxListed}
	ss, err := s.store.ListSessions(ctx, q)
	if err != nil {
		return nil, nil, err
	}
	fs, err := s.store.ListFamilies(ctx, q)
	if err != nil {
		return nil, nil, err
	}
	var current []byte
	if cookie != "" {
		current = s.digester.Digest(sso.KindSession, cookie)
	}
	browsers := make([]Browser, 0, len(ss))
	for _, se := range ss {
		browsers = append(browsers, Browser{ID: se.ID, UserID: se.UserID, UserAgent: se.UserAgent, Address: se.Address,
			CreatedAt: se.CreatedAt, ExpiresAt: se.ExpiresAt, Current: current != nil && string(se.Digest) == string(current)})
	}
	tools := make([]Tool, 0, len(fs))
	for _, f := range fs {
		tools = append(tools, Tool{ID: f.ID, UserID: f.UserID, ClientName: f.ClientName, Scopes: f.Scopes,
			CreatedAt: f.CreatedAt, LastUsed: f.LastUsed, ExpiresAt: f.ExpiresAt, Refreshable: f.Refreshable})
	}
	return browsers, tools, nil
}

// notFound is the answer for a session that is not the person's (or no
// longer live): the same whether it exists for someone else or not.
func notFound(id string) error {
	return sso.Errorf(sso.CodeResourceNotFound, "There is no session %s of yours; it may have ended already.", id)
}

// EndBrowser ends the browser session id of the user u. Errors:
// CodeResourceNotFound when u has no such session.
func (s *Service) EndBrowser(ctx context.Context, u sso.User, id string) error {
	if !plausibleID(id) {
		return notFound(id)
	}
	ev := s.rec.Event(ctx, audit.SignedOut, audit.UserTarget(u), "session_id", id)
	err := s.rec.Do(ctx, func(ctx context.Context) error {
		_, err := s.store.DeleteUserSession(ctx, u.ID, id)
		return err
	}, ev)
	if errors.Is(err, sso.ErrNotFound) {
		return notFound(id)
	}
	return err
}

// EndTool revokes the token family id of the user u: its refresh token and
// access token stop working at once. Errors: CodeResourceNotFound when u
// has no such live family.
func (s *Service) EndTool(ctx context.Context, u sso.User, id string) error {
	if !plausibleID(id) {
		return notFound(id)
	}
	n, err := s.revoke(ctx, u, id)
	if errors.Is(err, sso.ErrNotFound) {
		return notFound(id)
	}
	if err == nil && n == 1 {
		s.log.InfoContext(ctx, "session signed out", slog.String("user_id", u.ID), slog.String("family_id", id))
	}
	return err
}

// revoke revokes u's family id ("" for all of u's) and records an event
// per family it revoked.
func (s *Service) revoke(ctx context.Context, u sso.User, id string) (int, error) {
	var evs []sso.Event
	fill := func(ids []string) {
		evs = evs[:0]
		for _, fid := range ids {
			evs = append(evs, s.rec.Event(ctx, audit.FamilyRevoked,
				sso.Target{Type: audit.TargetFamily, ID: fid, User: u.Name}, "reason", "signed_out"))
		}
	}
	wctx := ctx
	if s.rec != nil {
		wctx = sso.WithLateEvents(ctx, &evs)
	}
	ids, err := s.store.RevokeUserFamilies(wctx, u.ID, id, s.now(), fill)
	if err != nil {
		return 0, err
	}
	for _, e := range evs {
		s.rec.Log(ctx, e)
	}
	return len(ids), nil
}

// EndAll ends every session of the user u: browser sessions but the one
// of keepCookie (a cookie value; "" keeps none) and every tool's. It
// returns how many of each it ended.
func (s *Service) EndAll(ctx context.Context, u sso.User, keepCookie string) (browsers, tools int, err error) {
	var keep []byte
	if keepCookie != "" {
		keep = s.digester.Digest(sso.KindSession, keepCookie)
	}
	what := "all"
	if keep != nil {
		what = "all but the current one"
	}
	ev := s.rec.Event(ctx, audit.SignedOut, audit.UserTarget(u), "sessions", what)
	err = s.rec.Do(ctx, func(ctx context.Context) error {
		var err error
		browsers, err = s.store.DeleteUserSessions(ctx, u.ID, keep)
		return err
	}, ev)
	if err != nil {
		return 0, 0, err
	}
	if tools, err = s.revoke(ctx, u, ""); err != nil {
		return browsers, 0, err
	}
	s.log.InfoContext(ctx, "signed out everywhere", slog.String("user_id", u.ID),
		slog.String("browser_sessions", strconv.Itoa(browsers)), slog.String("tool_sessions", strconv.Itoa(tools)))
	return browsers, tools, nil
}

// plausibleID reports whether id has the shape of a session or family ID
// (hex, 16 to 64 characters), so junk costs no store round trip.
func plausibleID(id string) bool {
	if len(id) < 16 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
