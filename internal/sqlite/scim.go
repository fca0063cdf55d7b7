package sqlite

import (
	"context"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

const scimTokenColumns = `id, digest, created_at, expires_at, revoked_at, created_by`

func scanSCIMToken(row scanner) (sso.SCIMToken, error) {
	var t sso.SCIMToken
	err := row.Scan(&t.ID, (*blob)(&t.Digest), (*msTime)(&t.CreatedAt), (*msTime)(&t.ExpiresAt),
		(*msTime)(&t.RevokedAt), &t.CreatedBy)
	return t, err
}

// CreateSCIMToken stores t. Returns sso.ErrConflict if t.ID or t.Digest
// exists.
func (s *Store) CreateSCIMToken(ctx context.Context, t sso.SCIMToken) error {
	const op = "create scim token"
	if t.CreatedAt.IsZero() || t.ExpiresAt.IsZero() {
		return errZeroTime(op, "its creation or expiry")
	}
	return s.write(ctx, op, func(ctx context.Context, tx *wtx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO scim_tokens (`+scimTokenColumns+`) VALUES (?, ?, ?, ?, ?, ?)`,
			t.ID, blob(t.Digest), msTime(t.CreatedAt), msTime(t.ExpiresAt), msTime(t.RevokedAt), t.CreatedBy)
		return mapErr(ctx, op, err)
	})
}

// GetSCIMToken returns the token with digest. Returns sso.ErrNotFound if
// none.
func (s *Store) GetSCIMToken(ctx context.Context, digest []byte) (sso.SCIMToken, error) {
	t, err := scanSCIMToken(s.queryRow(ctx, `SELECT `+scimTokenColumns+` FROM scim_tokens WHERE digest = ?`, blob(digest)))
	if err != nil {
		return sso.SCIMToken{}, mapErr(ctx, "get scim token", err)
	}
	return t, nil
}

// ListSCIMTokens returns every token, oldest first.
func (s *Store) ListSCIMTokens(ctx context.Context) ([]sso.SCIMToken, error) {
	return listRows(ctx, s, "list scim tokens", scanSCIMToken,
		`SELECT `+scimTokenColumns+` FROM scim_tokens ORDER BY created_at, id`)
}

// RevokeSCIMToken marks the token id revoked at now. Returns
// sso.ErrNotFound if there is none or it is revoked already.
func (s *Store) RevokeSCIMToken(ctx context.Context, id string, now time.Time) error {
	const op = "revoke scim token"
	if now.IsZero() {
		return errZeroTime(op, "the time of revocation")
	}
	return s.write(ctx, op, func(ctx context.Context, tx *wtx) error {
		return execOne(ctx, tx, op, `UPDATE scim_tokens SET revoked_at = ? WHERE id = ? AND revoked_at = 0`, msTime(now), id)
	})
}
