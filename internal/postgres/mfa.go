package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/ssooidc/ssooidc/internal/sso"
)

const factorCols = `id, user_id, kind, name, secret, credential_id, public_key, sign_count, transports,
	discoverable, data, created_at, last_used_at`

func scanFactor(row pgx.Row) (sso.Factor, error) {
	var f sso.Factor
	var count int64
	var used pgtype.Timestamptz
	if err := row.Scan(&f.ID, &f.UserID, &f.Kind, &f.Name, &f.Secret, &f.CredentialID, &f.PublicKey, &count,
		&f.Transports, &f.Discoverable, &f.Data, &f.CreatedAt, &used); err != nil {
		return sso.Factor{}, err
	}
	f.SignCount = uint32(count)
	f.Secret, f.CredentialID, f.PublicKey, f.Data = bytesOf(f.Secret), bytesOf(f.CredentialID), bytesOf(f.PublicKey), bytesOf(f.Data)
	f.Transports = listOf(f.Transports)
	f.CreatedAt, f.LastUsedAt = f.CreatedAt.UTC(), timeOf(used)
	return f, nil
}

// nullBytes is b as a nullable bytea parameter: empty is NULL, so that the
// unique index on credential IDs holds only WebAuthn factors.
func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

func storableFactor(f sso.Factor) bool {
	for _, t := range f.Transports {
		if !storable(t) {
			return false
		}
	}
	return storable(f.ID) && storable(f.UserID) && storable(f.Kind) && storable(f.Name)
}

// lockUser locks the row of user id for the transaction, so that the
// factor changes of one person happen one after the other; a missing user
// is sso.ErrNotFound.
func lockUser(ctx context.Context, q querier, id string) error {
	ok, err := exists(ctx, q, `SELECT EXISTS (SELECT 1 FROM users WHERE id = $1 FOR UPDATE)`, id)
	if err == nil && !ok {
		return sso.ErrNotFound
	}
	return err
}

// CreateFactor stores f (see sso.FactorStore).
func (s *Store) CreateFactor(ctx context.Context, f sso.Factor) error {
	const op = "create factor"
	if f.CreatedAt.IsZero() {
		return errZeroTime(op, "its creation")
	}
	if !storableFactor(f) {
		return mapErr(ctx, op, errNotText)
	}
	return s.tx(ctx, op, func(ctx context.Context, q querier) error {
		if err := lockUser(ctx, q, f.UserID); err != nil {
			return err
		}
		_, err := q.Exec(ctx, `INSERT INTO mfa_factors (`+factorCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			f.ID, f.UserID, f.Kind, f.Name, nullBytes(f.Secret), nullBytes(f.CredentialID), nullBytes(f.PublicKey),
			int64(f.SignCount), list(f.Transports), f.Discoverable, nullBytes(f.Data), f.CreatedAt, tz(f.LastUsedAt))
		return err
	})
}

// GetFactor returns the factor id of userID. Returns sso.ErrNotFound if
// none.
func (s *Store) GetFactor(ctx context.Context, userID, id string) (sso.Factor, error) {
	const op = "get factor"
	if !storable(userID) || !storable(id) {
		return sso.Factor{}, notFound(op)
	}
	var f sso.Factor
	err := s.do(ctx, op, true, func(ctx context.Context) error {
		var err error
		f, err = scanFactor(s.q(ctx).QueryRow(ctx, `SELECT `+factorCols+` FROM mfa_factors WHERE id = $1 AND user_id = $2`, id, userID))
		return err
	})
	return f, err
}

// GetFactorByCredential returns the WebAuthn factor of credentialID.
// Returns sso.ErrNotFound if none.
func (s *Store) GetFactorByCredential(ctx context.Context, credentialID []byte) (sso.Factor, error) {
	const op = "get factor by credential"
	if len(credentialID) == 0 {
		return sso.Factor{}, notFound(op)
	}
	var f sso.Factor
	err := s.do(ctx, op, true, func(ctx context.Context) error {
		var err error
		f, err = scanFactor(s.q(ctx).QueryRow(ctx, `SELECT `+factorCols+` FROM mfa_factors WHERE credential_id = $1`, credentialID))
		return err
	})
	return f, err
}

// ListFactors returns the factors of userID, oldest first.
func (s *Store) ListFactors(ctx context.Context, userID string) ([]sso.Factor, error) {
	if !storable(userID) {
		return []sso.Factor{}, nil
	}
	list, err := list2(ctx, s, "list factors", scanFactor,
		`SELECT `+factorCols+` FROM mfa_factors WHERE user_id = $1 ORDER BY created_at, id COLLATE "C"`, userID)
	if list == nil && err == nil {
		list = []sso.Factor{}
	}
	return list, err
}

// UpdateFactor runs update on the factor id of userID, holding its row
// from the read to the write (see sso.FactorStore).
func (s *Store) UpdateFactor(ctx context.Context, userID, id string, update func(sso.Factor) (sso.Factor, error)) (sso.Factor, error) {
	const op = "update factor"
	if !storable(userID) || !storable(id) {
		return sso.Factor{}, notFound(op)
	}
	var stored sso.Factor
	err := s.tx(ctx, op, func(ctx context.Context, q querier) error {
		old, err := scanFactor(q.QueryRow(ctx, `SELECT `+factorCols+` FROM mfa_factors WHERE id = $1 AND user_id = $2 FOR UPDATE`, id, userID))
		if err != nil {
			return err
		}
		next, err := update(cloneFactor(old))
		if err != nil {
			return callerError{err}
		}
		if !storable(next.Name) {
			return errNotText
		}
		old.Name, old.SignCount, old.Data = next.Name, next.SignCount, bytesOf(next.Data)
		old.LastUsedAt = next.LastUsedAt.Truncate(time.Microsecond).UTC()
		if next.LastUsedAt.IsZero() {
			old.LastUsedAt = time.Time{}
		}
		if _, err := q.Exec(ctx, `UPDATE mfa_factors SET name = $2, sign_count = $3, data = $4, last_used_at = $5 WHERE id = $1`,
			id, old.Name, int64(old.SignCount), nullBytes(old.Data), tz(old.LastUsedAt)); err != nil {
			return err
		}
		stored = old
		return nil
	})
	if err != nil {
		return sso.Factor{}, err
	}
	return stored, nil
}

func cloneFactor(f sso.Factor) sso.Factor {
	f.Secret = append([]byte(nil), f.Secret...)
	f.CredentialID = append([]byte(nil), f.CredentialID...)
	f.PublicKey = append([]byte(nil), f.PublicKey...)
	f.Data = append([]byte(nil), f.Data...)
	f.Transports = append([]string(nil), f.Transports...)
	return f
}

// DeleteFactor deletes the factor id of userID (see sso.FactorStore). The
// user's row is locked first, so two removals at once are decided one
// after the other.
func (s *Store) DeleteFactor(ctx context.Context, userID, id string, keepOne bool) error {
	const op = "delete factor"
	if !storable(userID) || !storable(id) {
		return notFound(op)
	}
	return s.tx(ctx, op, func(ctx context.Context, q querier) error {
		if err := lockUser(ctx, q, userID); err != nil {
			return err
		}
		var n int
		if err := q.QueryRow(ctx, `SELECT count(*) FROM mfa_factors WHERE user_id = $1`, userID).Scan(&n); err != nil {
			return err
		}
		if keepOne && n == 1 {
			// The only factor: refused if it is this one, else not found.
			ok, err := exists(ctx, q, `SELECT EXISTS (SELECT 1 FROM mfa_factors WHERE id = $1 AND user_id = $2)`, id, userID)
			if err == nil && ok {
				return sso.ErrConflict
			}
			if err == nil {
				return sso.ErrNotFound
			}
			return err
		}
		if err := execOne(ctx, q, `DELETE FROM mfa_factors WHERE id = $1 AND user_id = $2`, id, userID); err != nil {
			return err
		}
		if n == 1 {
			_, err := q.Exec(ctx, `DELETE FROM mfa_recovery_codes WHERE user_id = $1`, userID)
			return err
		}
		return nil
	})
}

// DeleteUserFactors deletes every factor and recovery code of userID.
func (s *Store) DeleteUserFactors(ctx context.Context, userID string) (int, error) {
	if !storable(userID) {
		return 0, nil
	}
	var n int64
	err := s.tx(ctx, "delete user factors", func(ctx context.Context, q querier) error {
		var err error
		n, err = deleteFactorsOf(ctx, q, userID)
		return err
	})
	return int(n), err
}

// deleteFactorsOf deletes the factors and recovery codes of userID and
// returns how many factors it deleted.
func deleteFactorsOf(ctx context.Context, q querier, userID string) (int64, error) {
	tag, err := q.Exec(ctx, `DELETE FROM mfa_factors WHERE user_id = $1`, userID)
	if err != nil {
		return 0, err
	}
	_, err = q.Exec(ctx, `DELETE FROM mfa_recovery_codes WHERE user_id = $1`, userID)
	return tag.RowsAffected(), err
}

// ReplaceRecoveryCodes makes digests the recovery codes of userID.
func (s *Store) ReplaceRecoveryCodes(ctx context.Context, userID string, digests [][]byte, now time.Time) error {
	const op = "replace recovery codes"
	if now.IsZero() {
		return errZeroTime(op, "the time of the change")
	}
	if !storable(userID) {
		return notFound(op)
	}
	return s.tx(ctx, op, func(ctx context.Context, q querier) error {
		if err := lockUser(ctx, q, userID); err != nil {
			return err
		}
		if _, err := q.Exec(ctx, `DELETE FROM mfa_recovery_codes WHERE user_id = $1`, userID); err != nil {
			return err
		}
		_, err := q.Exec(ctx, `INSERT INTO mfa_recovery_codes (user_id, digest, created_at)
			SELECT $1, d, $3 FROM unnest($2::bytea[]) AS d`, userID, digests, now)
		return err
	})
}

// UseRecoveryCode deletes the recovery code digest of userID, once, in
// one statement.
func (s *Store) UseRecoveryCode(ctx context.Context, userID string, digest []byte) error {
	const op = "use recovery code"
	if !storable(userID) || len(digest) == 0 {
		return notFound(op)
	}
	return s.write(ctx, op, false, func(ctx context.Context) error {
		return execOne(ctx, s.q(ctx), `DELETE FROM mfa_recovery_codes WHERE user_id = $1 AND digest = $2`, userID, digest)
	})
}

// CountRecoveryCodes returns how many recovery codes userID has left.
func (s *Store) CountRecoveryCodes(ctx context.Context, userID string) (int, error) {
	if !storable(userID) {
		return 0, nil
	}
	var n int
	err := s.do(ctx, "count recovery codes", true, func(ctx context.Context) error {
		return s.q(ctx).QueryRow(ctx, `SELECT count(*) FROM mfa_recovery_codes WHERE user_id = $1`, userID).Scan(&n)
	})
	return n, err
}
