package identity

import (
	"context"
	"errors"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// memStore is an in-memory UserStore, SessionStore and LimitStore that
// follows the contracts of internal/sso/store.go. It also counts calls and
// can be told to fail, for the tests of error paths.
type memStore struct {
	mu       sync.Mutex
	users    map[string]sso.User // by id
	sessions map[string]sso.Session
	windows  map[string]window
	fail     error // returned by every method when set
}

type window struct {
	start time.Time
	d     time.Duration
	n     int
}

func newMemStore() *memStore {
	return &memStore{users: map[string]sso.User{}, sessions: map[string]sso.Session{}, windows: map[string]window{}}
}

func cloneUser(u sso.User) sso.User {
	u.ExternalIDs = slices.Clone(u.ExternalIDs)
	return u
}

func (m *memStore) CreateUser(ctx context.Context, u sso.User) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	for _, o := range m.users {
		if o.ID == u.ID || o.Name == u.Name {
			return sso.ErrConflict
		}
	}
	m.users[u.ID] = cloneUser(u)
	return nil
}

func (m *memStore) GetUser(ctx context.Context, id string) (sso.User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return sso.User{}, m.fail
	}
	u, ok := m.users[id]
	if !ok {
		return sso.User{}, sso.ErrNotFound
	}
	return cloneUser(u), nil
}

func (m *memStore) GetUserByName(ctx context.Context, name string) (sso.User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return sso.User{}, m.fail
	}
	for _, u := range m.users {
		if u.Name == name {
			return cloneUser(u), nil
		}
	}
	return sso.User{}, sso.ErrNotFound
}

func (m *memStore) GetUserByExternalID(ctx context.Context, issuer, id string) (sso.User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return sso.User{}, m.fail
	}
	for _, u := range m.users {
		if slices.Contains(u.ExternalIDs, sso.ExternalID{Issuer: issuer, ID: id}) {
			return cloneUser(u), nil
		}
	}
	return sso.User{}, sso.ErrNotFound
}

func (m *memStore) CountUsers(ctx context.Context) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return 0, m.fail
	}
	return len(m.users), nil
}

func (m *memStore) ListUsers(ctx context.Context, _ sso.UserQuery) ([]sso.User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return nil, m.fail
	}
	var out []sso.User
	for _, u := range m.users {
		out = append(out, cloneUser(u))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func (m *memStore) UpdateUser(ctx context.Context, id string, update func(sso.User) (sso.User, error)) (sso.User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return sso.User{}, m.fail
	}
	old, ok := m.users[id]
	if !ok {
		return sso.User{}, sso.ErrNotFound
	}
	u, err := update(cloneUser(old))
	if err != nil {
		return sso.User{}, err
	}
	u.ID, u.CreatedAt = old.ID, old.CreatedAt
	for _, o := range m.users {
		if o.ID != u.ID && o.Name == u.Name {
			return sso.User{}, sso.ErrConflict
		}
	}
	m.users[u.ID] = cloneUser(u)
	return cloneUser(u), nil
}

func (m *memStore) DeleteUser(ctx context.Context, id string, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	if _, ok := m.users[id]; !ok {
		return sso.ErrNotFound
	}
	delete(m.users, id)
	for k, s := range m.sessions {
		if s.UserID == id {
			delete(m.sessions, k)
		}
	}
	return nil
}

func (m *memStore) CreateSession(ctx context.Context, s sso.Session) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	k := string(s.Digest)
	if _, ok := m.sessions[k]; ok {
		return sso.ErrConflict
	}
	s.Digest = slices.Clone(s.Digest)
	m.sessions[k] = s
	return nil
}

func (m *memStore) GetSession(ctx context.Context, digest []byte) (sso.Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return sso.Session{}, m.fail
	}
	s, ok := m.sessions[string(digest)]
	if !ok {
		return sso.Session{}, sso.ErrNotFound
	}
	s.Digest = slices.Clone(s.Digest)
	return s, nil
}

func (m *memStore) DeleteSession(ctx context.Context, digest []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	delete(m.sessions, string(digest))
	return nil
}

func (m *memStore) DeleteUserSessions(ctx context.Context, userID string, keep []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return 0, m.fail
	}
	n := 0
	for k, se := range m.sessions {
		if se.UserID == userID && k != string(keep) {
			delete(m.sessions, k)
			n++
		}
	}
	return n, nil
}

func (m *memStore) Hit(ctx context.Context, key string, d time.Duration, now time.Time) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return 0, m.fail
	}
	w, ok := m.windows[key]
	if !ok || !now.Before(w.start.Add(d)) {
		w = window{start: now, d: d}
	}
	w.n++
	m.windows[key] = w
	return w.n, nil
}

func (m *memStore) Count(ctx context.Context, key string, now time.Time) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return 0, m.fail
	}
	w, ok := m.windows[key]
	if !ok || !now.Before(w.start.Add(w.d)) {
		return 0, nil
	}
	return w.n, nil
}

func (m *memStore) Take(ctx context.Context, key string, limit int, d time.Duration, now time.Time) (int, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return 0, false, m.fail
	}
	w, ok := m.windows[key]
	if !ok || !now.Before(w.start.Add(w.d)) {
		w = window{start: now, d: d}
	}
	if w.n >= limit {
		return w.n, false, nil
	}
	w.n++
	m.windows[key] = w
	return w.n, true, nil
}

func (m *memStore) Release(ctx context.Context, key string, takenAt time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	w, ok := m.windows[key]
	if ok && !takenAt.Before(w.start) && takenAt.Before(w.start.Add(w.d)) && w.n > 0 {
		w.n--
		m.windows[key] = w
	}
	return nil
}

func (m *memStore) setFail(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.fail = err
}

var errBackend = errors.New("disk on fire: /var/lib/ssooidc/db")
