package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/ssooidc/ssooidc/internal/sso"
)

const flowCols = `digest, kind, user_id, data, created_at, expires_at`

func scanFlow(row pgx.Row) (sso.Flow, error) {
	var f sso.Flow
	err := row.Scan(&f.Digest, &f.Kind, &f.UserID, &f.Data, &f.CreatedAt, &f.ExpiresAt)
	f.Digest, f.Data = bytesOf(f.Digest), bytesOf(f.Data)
	f.CreatedAt, f.ExpiresAt = f.CreatedAt.UTC(), f.ExpiresAt.UTC()
	return f, err
}

// CreateFlow stores f. Returns sso.ErrConflict if f.Digest exists.
func (s *Store) CreateFlow(ctx context.Context, f sso.Flow) error {
	const op = "create flow"
	if f.ExpiresAt.IsZero() {
		return errZeroTime(op, "the expiry")
	}
	if !storable(f.Kind) || !storable(f.UserID) {
		return mapErr(ctx, op, errNotText)
	}
	data := f.Data
	if data == nil {
		data = []byte{}
	}
	return s.write(ctx, op, false, func(ctx context.Context) error {
		_, err := s.q(ctx).Exec(ctx, `INSERT INTO flows (`+flowCols+`) VALUES ($1, $2, $3, $4, $5, $6)`,
			f.Digest, f.Kind, f.UserID, data, f.CreatedAt, f.ExpiresAt)
		return err
	})
}

// GetFlow returns the flow with digest and kind. Returns sso.ErrNotFound
// if none.
func (s *Store) GetFlow(ctx context.Context, digest []byte, kind string) (sso.Flow, error) {
	if !storable(kind) {
		return sso.Flow{}, notFound("get flow")
	}
	var f sso.Flow
	err := s.do(ctx, "get flow", true, func(ctx context.Context) error {
		var err error
		f, err = scanFlow(s.q(ctx).QueryRow(ctx, `SELECT `+flowCols+` FROM flows WHERE digest = $1 AND kind = $2`, digest, kind))
		return err
	})
	return f, err
}

// TakeFlow deletes the flow with digest and kind and returns it, in one
// statement.
func (s *Store) TakeFlow(ctx context.Context, digest []byte, kind string) (sso.Flow, error) {
	if !storable(kind) {
		return sso.Flow{}, notFound("take flow")
	}
	var f sso.Flow
	err := s.write(ctx, "take flow", false, func(ctx context.Context) error {
		var err error
		f, err = scanFlow(s.q(ctx).QueryRow(ctx, `DELETE FROM flows WHERE digest = $1 AND kind = $2 RETURNING `+flowCols, digest, kind))
		return err
	})
	return f, err
}

// DeleteUserFlows deletes the flows of kind of userID.
func (s *Store) DeleteUserFlows(ctx context.Context, userID, kind string) (int, error) {
	if !storable(userID) || !storable(kind) || userID == "" {
		return 0, nil
	}
	var n int64
	err := s.write(ctx, "delete user flows", true, func(ctx context.Context) error {
		tag, err := s.q(ctx).Exec(ctx, `DELETE FROM flows WHERE user_id = $1 AND kind = $2`, userID, kind)
		n = tag.RowsAffected()
		return err
	})
	return int(n), err
}
