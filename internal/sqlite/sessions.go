package sqlite

import (
	"context"

	"github.com/ssooidc/ssooidc/internal/sso"
)

const sessionColumns = `digest, user_id, created_at, expires_at, id, user_agent, address`

func scanSession(row scanner) (sso.Session, error) {
	var se sso.Session
	err := row.Scan((*blob)(&se.Digest), &se.UserID, (*msTime)(&se.CreatedAt), (*msTime)(&se.ExpiresAt),
		&se.ID, &se.UserAgent, &se.Address)
	return se, err
}

// CreateSession stores se. Returns sso.ErrConflict if se.Digest exists.
func (s *Store) CreateSession(ctx context.Context, se sso.Session) error {
	return s.write(ctx, "create session", func(ctx context.Context, tx *wtx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (`+sessionColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			blob(se.Digest), se.UserID, msTime(se.CreatedAt), msTime(se.ExpiresAt), se.ID, se.UserAgent, se.Address)
		return mapErr(ctx, "create session", err)
	})
}

// GetSession returns the session with digest. Returns sso.ErrNotFound if
// none.
func (s *Store) GetSession(ctx context.Context, digest []byte) (sso.Session, error) {
	se, err := scanSession(s.queryRow(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE digest = ?`, blob(digest)))
	if err != nil {
		return sso.Session{}, mapErr(ctx, "get session", err)
	}
	return se, nil
}

// DeleteSession deletes the session with digest; a missing one is not an
// error.
func (s *Store) DeleteSession(ctx context.Context, digest []byte) error {
	return s.write(ctx, "delete session", func(ctx context.Context, tx *wtx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE digest = ?`, blob(digest))
		return mapErr(ctx, "delete session", err)
	})
}

// DeleteUserSessions deletes the sessions of userID but keep.
func (s *Store) DeleteUserSessions(ctx context.Context, userID string, keep []byte) (int, error) {
	var n int64
	err := s.write(ctx, "delete user sessions", func(ctx context.Context, tx *wtx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ? AND digest IS NOT ?`, userID, blob(keep))
		if err != nil {
			return mapErr(ctx, "delete user sessions", err)
		}
		n, err = res.RowsAffected()
		return mapErr(ctx, "delete user sessions", err)
	})
	return int(n), err
}
