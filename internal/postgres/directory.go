package postgres

import (
	"context"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// Clients and sessions: plain rows, one statement each.

const clientCols = `id, secret_digest, name, type, scopes, grant_types, redirect_uris, issuer_url, created_at, expires_at, unused_until`

// CreateClient stores c. Returns sso.ErrConflict if c.ID exists.
func (s *Store) CreateClient(ctx context.Context, c sso.Client) error {
	return s.write(ctx, "create client", false, func(ctx context.Context) error {
		_, err := s.q(ctx).Exec(ctx, `INSERT INTO clients (`+clientCols+`) VALUES (`+params(1, 11)+`)`,
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
		err := s.q(ctx).QueryRow(ctx, `SELECT `+clientCols+` FROM clients WHERE id = $1`, id).Scan(
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

// CreateSession stores se. Returns sso.ErrConflict if se.Digest exists.
func (s *Store) CreateSession(ctx context.Context, se sso.Session) error {
	return s.write(ctx, "create session", false, func(ctx context.Context) error {
		_, err := s.q(ctx).Exec(ctx, `INSERT INTO sessions (`+sessionCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			se.Digest, se.UserID, se.CreatedAt, se.ExpiresAt, se.ID, se.UserAgent, se.Address)
		return err
	})
}

// GetSession returns the session with digest. Returns sso.ErrNotFound if
// none.
func (s *Store) GetSession(ctx context.Context, digest []byte) (sso.Session, error) {
	var se sso.Session
	err := s.do(ctx, "get session", true, func(ctx context.Context) error {
		var err error
		se, err = scanSession(s.q(ctx).QueryRow(ctx, `SELECT `+sessionCols+` FROM sessions WHERE digest = $1`, digest))
		return err
	})
	if err != nil {
		return sso.Session{}, err
	}
	return se, nil
}

// DeleteSession deletes the session with digest; deleting a missing
// session is not an error.
func (s *Store) DeleteSession(ctx context.Context, digest []byte) error {
	return s.write(ctx, "delete session", true, func(ctx context.Context) error {
		_, err := s.q(ctx).Exec(ctx, `DELETE FROM sessions WHERE digest = $1`, digest)
		return err
	})
}

// DeleteUserSessions deletes the sessions of userID but keep.
func (s *Store) DeleteUserSessions(ctx context.Context, userID string, keep []byte) (int, error) {
	if !storable(userID) {
		return 0, nil
	}
	var n int64
	err := s.write(ctx, "delete user sessions", true, func(ctx context.Context) error {
		tag, err := s.q(ctx).Exec(ctx, `DELETE FROM sessions WHERE user_id = $1 AND digest IS DISTINCT FROM $2`, userID, keep)
		n = tag.RowsAffected()
		return err
	})
	return int(n), err
}
