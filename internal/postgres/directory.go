package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// Clients, users and sessions: plain rows, one statement each.

const clientCols = `id, secret_digest, name, type, scopes, grant_types, redirect_uris, issuer_url, created_at, expires_at, unused_until`

// CreateClient stores c. Returns sso.ErrConflict if c.ID exists.
func (s *Store) CreateClient(ctx context.Context, c sso.Client) error {
	return s.do(ctx, "create client", false, func(ctx context.Context) error {
		_, err := s.pool.Exec(ctx, `INSERT INTO clients (`+clientCols+`) VALUES (`+params(1, 11)+`)`,
			c.ID, c.SecretDigest, c.Name, c.Type, list(c.Scopes), list(c.GrantTypes), list(c.RedirectURIs),
			c.IssuerURL, c.CreatedAt, c.ExpiresAt, tz(c.UnusedUntil))
		return err
	})
}

// GetClient returns the client with id. Returns sso.ErrNotFound if none.
func (s *Store) GetClient(ctx context.Context, id string) (sso.Client, error) {
	var c sso.Client
	if !storable(id) {
		return c, notFound("get client")
	}
	var unused pgtype.Timestamptz
	err := s.do(ctx, "get client", true, func(ctx context.Context) error {
		err := s.pool.QueryRow(ctx, `SELECT `+clientCols+` FROM clients WHERE id = $1`, id).Scan(
			&c.ID, &c.SecretDigest, &c.Name, &c.Type, &c.Scopes, &c.GrantTypes, &c.RedirectURIs,
			&c.IssuerURL, &c.CreatedAt, &c.ExpiresAt, &unused)
		return err
	})
	c.UnusedUntil = timeOf(unused)
	if err != nil {
		return sso.Client{}, err
	}
	c.SecretDigest = bytesOf(c.SecretDigest)
	c.Scopes, c.GrantTypes, c.RedirectURIs = listOf(c.Scopes), listOf(c.GrantTypes), listOf(c.RedirectURIs)
	c.CreatedAt, c.ExpiresAt = c.CreatedAt.UTC(), c.ExpiresAt.UTC()
	return c, nil
}

const userCols = `id, name, display_name, email, groups, password_hash, created_at`

// CreateUser stores u. Returns sso.ErrConflict if u.ID or u.Name exists.
func (s *Store) CreateUser(ctx context.Context, u sso.User) error {
	return s.do(ctx, "create user", false, func(ctx context.Context) error {
		_, err := s.pool.Exec(ctx, `INSERT INTO users (`+userCols+`) VALUES (`+params(1, 7)+`)`,
			u.ID, u.Name, u.DisplayName, u.Email, list(u.Groups), u.PasswordHash, u.CreatedAt)
		return err
	})
}

func scanUser(row pgx.Row) (sso.User, error) {
	var u sso.User
	err := row.Scan(&u.ID, &u.Name, &u.DisplayName, &u.Email, &u.Groups, &u.PasswordHash, &u.CreatedAt)
	u.Groups = listOf(u.Groups)
	u.CreatedAt = u.CreatedAt.UTC()
	return u, err
}

// GetUser returns the user with id. Returns sso.ErrNotFound if none.
func (s *Store) GetUser(ctx context.Context, id string) (sso.User, error) {
	return s.getUser(ctx, "get user", `id`, id)
}

// GetUserByName returns the user named name. Returns sso.ErrNotFound if
// none.
func (s *Store) GetUserByName(ctx context.Context, name string) (sso.User, error) {
	return s.getUser(ctx, "get user by name", `name`, name)
}

func (s *Store) getUser(ctx context.Context, op, col, key string) (sso.User, error) {
	if !storable(key) {
		return sso.User{}, notFound(op)
	}
	var u sso.User
	err := s.do(ctx, op, true, func(ctx context.Context) error {
		var err error
		u, err = scanUser(s.pool.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE `+col+` = $1`, key))
		return err
	})
	if err != nil {
		return sso.User{}, err
	}
	return u, nil
}

// ListUsers returns every user, ordered by name byte-wise (the column's
// collation is "C").
func (s *Store) ListUsers(ctx context.Context) ([]sso.User, error) {
	var users []sso.User
	err := s.do(ctx, "list users", true, func(ctx context.Context) error {
		users = nil
		rows, err := s.pool.Query(ctx, `SELECT `+userCols+` FROM users ORDER BY name`)
		if err != nil {
			return err
		}
		users, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (sso.User, error) { return scanUser(row) })
		return err
	})
	if err != nil {
		return nil, err
	}
	return users, nil
}

// UpdateUser replaces the user with u.ID by u. Returns sso.ErrNotFound if
// none, sso.ErrConflict if u.Name belongs to another user.
func (s *Store) UpdateUser(ctx context.Context, u sso.User) error {
	if !storable(u.ID) {
		return notFound("update user")
	}
	// Idempotent: a retry after a lost commit stores the same values.
	return s.do(ctx, "update user", true, func(ctx context.Context) error {
		return execOne(ctx, s.pool, `UPDATE users SET name = $2, display_name = $3, email = $4, groups = $5,
			password_hash = $6, created_at = $7 WHERE id = $1`,
			u.ID, u.Name, u.DisplayName, u.Email, list(u.Groups), u.PasswordHash, u.CreatedAt)
	})
}

// DeleteUser deletes the user with id and its sign-in sessions, in one
// statement. Returns sso.ErrNotFound if none.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	if !storable(id) {
		return notFound("delete user")
	}
	return s.do(ctx, "delete user", false, func(ctx context.Context) error {
		var n int
		err := s.pool.QueryRow(ctx, `WITH
			u AS (DELETE FROM users WHERE id = $1 RETURNING id),
			s AS (DELETE FROM sessions WHERE user_id IN (SELECT id FROM u))
			SELECT count(*) FROM u`, id).Scan(&n)
		if err == nil && n == 0 {
			return sso.ErrNotFound
		}
		return err
	})
}

// CreateSession stores se. Returns sso.ErrConflict if se.Digest exists.
func (s *Store) CreateSession(ctx context.Context, se sso.Session) error {
	return s.do(ctx, "create session", false, func(ctx context.Context) error {
		_, err := s.pool.Exec(ctx, `INSERT INTO sessions (digest, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
			se.Digest, se.UserID, se.CreatedAt, se.ExpiresAt)
		return err
	})
}

// GetSession returns the session with digest. Returns sso.ErrNotFound if
// none.
func (s *Store) GetSession(ctx context.Context, digest []byte) (sso.Session, error) {
	var se sso.Session
	err := s.do(ctx, "get session", true, func(ctx context.Context) error {
		return s.pool.QueryRow(ctx, `SELECT digest, user_id, created_at, expires_at FROM sessions WHERE digest = $1`, digest).
			Scan(&se.Digest, &se.UserID, &se.CreatedAt, &se.ExpiresAt)
	})
	if err != nil {
		return sso.Session{}, err
	}
	se.CreatedAt, se.ExpiresAt = se.CreatedAt.UTC(), se.ExpiresAt.UTC()
	return se, nil
}

// DeleteSession deletes the session with digest; deleting a missing
// session is not an error.
func (s *Store) DeleteSession(ctx context.Context, digest []byte) error {
	return s.do(ctx, "delete session", true, func(ctx context.Context) error {
		_, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE digest = $1`, digest)
		return err
	})
}

// DeleteUserSessions deletes the sessions of userID but keep.
func (s *Store) DeleteUserSessions(ctx context.Context, userID string, keep []byte) (int, error) {
	if !storable(userID) {
		return 0, nil
	}
	var n int64
	err := s.do(ctx, "delete user sessions", true, func(ctx context.Context) error {
		tag, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1 AND digest IS DISTINCT FROM $2`, userID, keep)
		n = tag.RowsAffected()
		return err
	})
	return int(n), err
}
