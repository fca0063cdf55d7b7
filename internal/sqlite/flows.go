package sqlite

import (
	"context"

	"github.com/ssooidc/ssooidc/internal/sso"
)

const flowColumns = `digest, kind, user_id, data, created_at, expires_at`

func scanFlow(row scanner) (sso.Flow, error) {
	var f sso.Flow
	err := row.Scan((*blob)(&f.Digest), &f.Kind, &f.UserID, (*blob)(&f.Data), (*msTime)(&f.CreatedAt), (*msTime)(&f.ExpiresAt))
	return f, err
}

// CreateFlow stores f. Returns sso.ErrConflict if f.Digest exists.
func (s *Store) CreateFlow(ctx context.Context, f sso.Flow) error {
	if f.ExpiresAt.IsZero() {
		return errZeroTime("create flow", "the expiry")
	}
	data := f.Data
	if data == nil {
		data = []byte{}
	}
	return s.write(ctx, "create flow", func(ctx context.Context, tx *wtx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO flows (`+flowColumns+`) VALUES (?, ?, ?, ?, ?, ?)`,
			blob(f.Digest), f.Kind, f.UserID, data, msTime(f.CreatedAt), msTime(f.ExpiresAt))
		return mapErr(ctx, "create flow", err)
	})
}

// GetFlow returns the flow with digest and kind. Returns sso.ErrNotFound if
// none.
func (s *Store) GetFlow(ctx context.Context, digest []byte, kind string) (sso.Flow, error) {
	f, err := scanFlow(s.queryRow(ctx, `SELECT `+flowColumns+` FROM flows WHERE digest = ? AND kind = ?`, blob(digest), kind))
	if err != nil {
		return sso.Flow{}, mapErr(ctx, "get flow", err)
	}
	return f, nil
}

// TakeFlow deletes the flow with digest and kind and returns it.
func (s *Store) TakeFlow(ctx context.Context, digest []byte, kind string) (sso.Flow, error) {
	var f sso.Flow
	err := s.write(ctx, "take flow", func(ctx context.Context, tx *wtx) error {
		var err error
		f, err = scanFlow(tx.QueryRowContext(ctx, `DELETE FROM flows WHERE digest = ? AND kind = ? RETURNING `+flowColumns,
			blob(digest), kind))
		return mapErr(ctx, "take flow", err)
	})
	if err != nil {
		return sso.Flow{}, err
	}
	return f, nil
}

// DeleteUserFlows deletes the flows of kind of userID.
func (s *Store) DeleteUserFlows(ctx context.Context, userID, kind string) (int, error) {
	var n int64
	err := s.write(ctx, "delete user flows", func(ctx context.Context, tx *wtx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM flows WHERE user_id = ? AND kind = ? AND user_id <> ''`, userID, kind)
		if err != nil {
			return mapErr(ctx, "delete user flows", err)
		}
		n, err = res.RowsAffected()
		return mapErr(ctx, "delete user flows", err)
	})
	return int(n), err
}
