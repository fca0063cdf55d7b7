package sso

import (
	"context"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// A person's sessions are of two kinds: browser sessions of the pages
// (Session) and login sessions of tools, the token families that a device
// approval or an authorization code started (Family). The Security page
// lists both and ends either; so does ssooidc admin sessions.

// SessionQuery selects live sessions or families: those of the user UserID
// ("" for every user's) that have not expired at Now (families: nor been
// revoked), newest first, at most Limit of them (0 for all).
type SessionQuery struct {
	UserID string
	Now    time.Time
	Limit  int
}

// FamilySummary is a token family as its person sees it among their
// sessions.
type FamilySummary struct {
	Family
	// ClientName is the name the client registered with (RegisterClient's
	// clientName) or the application's name (CreateTokenWithIAM); "" when
	// the registration is gone or gave none.
	ClientName string
	// LastUsed is when the family last got tokens: its newest refresh
	// token's creation (every refresh stores one), else its creation. A
	// portal call with an access token writes nothing, so it is not seen.
	LastUsed time.Time
}

// SessionListStore lists and ends people's sessions of both kinds.
type SessionListStore interface {
	// ListSessions returns the browser sessions q selects.
	ListSessions(ctx context.Context, q SessionQuery) ([]Session, error)
	// DeleteUserSession deletes the browser session with id of the user
	// userID and returns it. Returns ErrNotFound if the user has no such
	// session.
	DeleteUserSession(ctx context.Context, userID, id string) (Session, error)
	// ListFamilies returns the token families q selects.
	ListFamilies(ctx context.Context, q SessionQuery) ([]FamilySummary, error)
	// RevokeUserFamilies marks revoked at now the live (unrevoked,
	// unexpired at now) families of the user userID: the one with
	// familyID, or every one when familyID is "". Their tokens stop
	// working. It returns the IDs it revoked, and calls revoked (when not
	// nil) with them inside the write, before the events of ctx are
	// stored: a caller that carries late events (WithLateEvents) fills
	// them in there, so each revocation is recorded with it (a backend
	// that retries the write calls revoked again: each call's IDs replace
	// the last's). Returns
	// ErrNotFound, revoking nothing, if familyID is not "" and is not a
	// live family of the user; revoking all of a user with none is not an
	// error (no IDs).
	RevokeUserFamilies(ctx context.Context, userID, familyID string, now time.Time, revoked func(ids []string)) ([]string, error)
}

// MaxUserAgent bounds the User-Agent kept with a browser session.
const MaxUserAgent = 256

type userAgentKey struct{}

// WithUserAgent returns ctx naming the User-Agent of the request it
// serves, cut to MaxUserAgent bytes on a character boundary and with
// control characters made spaces (it is printed on terminals by the admin
// commands): the browser session a sign-in starts keeps it (identity reads
// it).
func WithUserAgent(ctx context.Context, ua string) context.Context {
	ua = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, TruncateUTF8(ua, MaxUserAgent))
	return context.WithValue(ctx, userAgentKey{}, ua)
}

// UserAgentFrom returns the User-Agent ctx names, or "".
func UserAgentFrom(ctx context.Context) string {
	ua, _ := ctx.Value(userAgentKey{}).(string)
	return ua
}

// TruncateUTF8 returns s cut to at most n bytes, on a character boundary,
// with invalid UTF-8 replaced.
func TruncateUTF8(s string, n int) string {
	if !utf8.ValidString(s) {
		s = string([]rune(s)) // replaces invalid bytes with U+FFFD
	}
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
