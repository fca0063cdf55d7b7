package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/ssooidc/ssooidc/internal/sso"
)

const scimTokenCols = `id, digest, created_at, expires_at, revoked_at, created_by`

func scanSCIMToken(row pgx.Row) (sso.SCIMToken, error) {
	var t sso.SCIMToken
	var revoked pgtype.Timestamptz
	if err := row.Scan(&t.ID, &t.Digest, &t.CreatedAt, &t.ExpiresAt, &revoked, &t.CreatedBy); err != nil {
		return sso.SCIMToken{}, err
	}
	t.CreatedAt, t.ExpiresAt, t.RevokedAt = t.CreatedAt.UTC(), t.ExpiresAt.UTC(), timeOf(revoked)
	return t, nil
}

// CreateSCIMToken stores t. Returns sso.ErrConflict if t.ID or t.Digest
// exists.
func (s *Store) CreateSCIMToken(ctx context.Context, t sso.SCIMToken) error {
	const op = "create scim token"
	if t.CreatedAt.IsZero() || t.ExpiresAt.IsZero() {
		return errZeroTime(op, "its creation or expiry")
	}
	if !storable(t.ID) || !storable(t.CreatedBy) {
		return mapErr(ctx, op, errNotText)
	}
	return s.write(ctx, op, false, func(ctx context.Context) error {
		_, err := s.q(ctx).Exec(ctx, `INSERT INTO scim_tokens (`+scimTokenCols+`) VALUES ($1, $2, $3, $4, $5, $6)`,
			t.ID, t.Digest, t.CreatedAt, t.ExpiresAt, tz(t.RevokedAt), t.CreatedBy)
		return err
	})
}

// GetSCIMToken returns the token with digest. Returns sso.ErrNotFound if
// none.
func (s *Store) GetSCIMToken(ctx context.Context, digest []byte) (sso.SCIMToken, error) {
	var t sso.SCIMToken
	err := s.do(ctx, "get scim token", true, func(ctx context.Context) error {
		var err error
		t, err = scanSCIMToken(s.q(ctx).QueryRow(ctx, `SELECT `+scimTokenCols+` FROM scim_tokens WHERE digest = $1`, digest))
		return err
	})
	if err != nil {
		return sso.SCIMToken{}, err
	}
	return t, nil
}

// ListSCIMTokens returns every token, oldest first.
func (s *Store) ListSCIMTokens(ctx context.Context) ([]sso.SCIMToken, error) {
	return list2(ctx, s, "list scim tokens", scanSCIMToken,
		`SELECT `+scimTokenCols+` FROM scim_tokens ORDER BY created_at, id COLLATE "C"`)
}

// RevokeSCIMToken marks the token id revoked at now. Returns
// sso.ErrNotFound if there is none or it is revoked already.
func (s *Store) RevokeSCIMToken(ctx context.Context, id string, now time.Time) error {
	const op = "revoke scim token"
	if now.IsZero() {
		return errZeroTime(op, "the time of revocation")
	}
	if !storable(id) {
		return notFound(op)
	}
	return s.write(ctx, op, false, func(ctx context.Context) error {
		return execOne(ctx, s.q(ctx), `UPDATE scim_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`, id, now)
	})
}
