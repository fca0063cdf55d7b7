package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Approvals through the pages, the way many people make them: the server
// counts wrong codes per person and per client address, and holds a slot
// of each while it looks a code up (so that no burst gets more lookups
// than the limits). One person approving 64 codes at once from one
// address is no one's real load, and would be throttled for it; so the
// harness signs in approverCount bench users, each from an address of its
// own (X-Forwarded-For, believed from loopback by the servers it starts),
// and each worker approves as one of them, one code at a time.

// approverCount is how many bench users approve: one per worker up to 64
// connections.
const approverCount = 64

// loopbackProxy is the proxy the harness's servers trust: the harness
// itself, so that its requests can come from many client addresses.
const loopbackProxy = "127.0.0.1/32"

// approverUsers are the names of the bench users who approve; the first
// is benchUser.
func approverUsers() []string {
	out := []string{benchUser}
	for i := 1; i < approverCount; i++ {
		out = append(out, fmt.Sprintf("%s-%02d", benchUser, i))
	}
	return out
}

// approverSession is one signed-in bench user: its cookie, the client
// address it comes from (empty: the connection's), and a lock that keeps
// its approvals one at a time.
type approverSession struct {
	mu     sync.Mutex
	cookie string
	addr   string
}

// pagesApprover approves through the web pages: one sign-in per bench
// user, then one POST /device/decide per code, as a person clicking Allow
// does.
type pagesApprover struct {
	// cookie is the first session's, for the pages other than code entry
	// (the /authorize consent form).
	cookie   string
	sessions []*approverSession
	mu       sync.Mutex
	assigned map[*caller]*approverSession
}

func (a *pagesApprover) How() string {
	if len(a.sessions) == 1 {
		return "web pages: one POST /signin, then one POST /device/decide (Allow) per code, one at a time"
	}
	return fmt.Sprintf("web pages: %d bench users signed in from their own addresses, each worker approving as one of them "+
		"with one POST /device/decide (Allow) per code", len(a.sessions))
}

// session returns the session c approves with: its own, while there are
// sessions enough, else one shared (and then taken in turn).
func (a *pagesApprover) session(c *caller) *approverSession {
	a.mu.Lock()
	defer a.mu.Unlock()
	if s, ok := a.assigned[c]; ok {
		return s
	}
	if a.assigned == nil {
		a.assigned = map[*caller]*approverSession{}
	}
	s := a.sessions[len(a.assigned)%len(a.sessions)]
	a.assigned[c] = s
	return s
}

func (a *pagesApprover) Approve(ctx context.Context, c *caller, hc *http.Client, userCode string) error {
	s := a.session(c)
	s.mu.Lock()
	defer s.mu.Unlock()
	h := http.Header{"Cookie": {s.cookie}}
	if s.addr != "" {
		h.Set("X-Forwarded-For", s.addr)
	}
	form := url.Values{"user_code": {userCode}, "decision": {"allow"}}.Encode()
	status, et, err := c.send(ctx, hc, http.MethodPost, "/device/decide", "application/x-www-form-urlencoded", []byte(form), h)
	if err != nil {
		return fmt.Errorf("approve: %w", err)
	}
	// The decision page answers 200 only once the decision is stored; a
	// bad code is a 400 and an ended session a redirect to sign-in.
	if status != http.StatusOK {
		return c.bad("Approve", status, et)
	}
	return nil
}

// signIn signs user in on the web pages from the connection's address and
// returns an approver with that one session.
func signIn(ctx context.Context, base, user, password string) (*pagesApprover, error) {
	s, err := signInAs(ctx, base, user, password, "")
	if err != nil {
		return nil, err
	}
	return &pagesApprover{cookie: s.cookie, sessions: []*approverSession{s}}, nil
}

// signInMany signs each user in from an address of its own and returns an
// approver with their sessions.
func signInMany(ctx context.Context, base string, users []string, password string) (*pagesApprover, error) {
	a := &pagesApprover{}
	for i, u := range users {
		s, err := signInAs(ctx, base, u, password, fmt.Sprintf("10.254.%d.%d", i>>8&255, i&255))
		if err != nil {
			return nil, err
		}
		a.sessions = append(a.sessions, s)
	}
	a.cookie = a.sessions[0].cookie
	return a, nil
}

func signInAs(ctx context.Context, base, user, password, addr string) (*approverSession, error) {
	hc := &http.Client{Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	form := url.Values{"username": {user}, "password": {password}, "next": {"/device"}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/signin", strings.NewReader(form))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if addr != "" {
		req.Header.Set("X-Forwarded-For", addr)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("signing in: %w", err)
	}
	drain(resp.Body)
	for _, ck := range resp.Cookies() {
		if strings.HasSuffix(ck.Name, "ssooidc_session") && ck.Value != "" {
			return &approverSession{cookie: ck.Name + "=" + ck.Value, addr: addr}, nil
		}
	}
	return nil, fmt.Errorf("signing in as %s: HTTP %d and no session cookie", user, resp.StatusCode)
}
