package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

const factorColumns = `id, user_id, kind, name, secret, credential_id, public_key, sign_count, transports,
	discoverable, data, created_at, last_used_at`

func scanFactor(row scanner) (sso.Factor, error) {
	var f sso.Factor
	var count int64
	err := row.Scan(&f.ID, &f.UserID, &f.Kind, &f.Name, (*blob)(&f.Secret), (*blob)(&f.CredentialID),
		(*blob)(&f.PublicKey), &count, (*strList)(&f.Transports), &f.Discoverable, (*blob)(&f.Data),
		(*msTime)(&f.CreatedAt), (*msTime)(&f.LastUsedAt))
	f.SignCount = uint32(count)
	return f, err
}

// userExists fails with sso.ErrNotFound when there is no user id.
func userExists(ctx context.Context, tx *wtx, op, id string) error {
	var one int
	return mapErr(ctx, op, tx.QueryRowContext(ctx, `SELECT 1 FROM users WHERE id = ?`, id).Scan(&one))
}

// CreateFactor stores f (see sso.FactorStore).
func (s *Store) CreateFactor(ctx context.Context, f sso.Factor) error {
	const op = "create factor"
	if f.CreatedAt.IsZero() {
		return errZeroTime(op, "its creation")
	}
	return s.write(ctx, op, func(ctx context.Context, tx *wtx) error {
		if err := userExists(ctx, tx, op, f.UserID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO mfa_factors (`+factorColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			f.ID, f.UserID, f.Kind, f.Name, blob(f.Secret), blob(f.CredentialID), blob(f.PublicKey), int64(f.SignCount),
			strList(f.Transports), f.Discoverable, blob(f.Data), msTime(f.CreatedAt), msTime(f.LastUsedAt))
		return mapErr(ctx, op, err)
	})
}

// GetFactor returns the factor id of userID. Returns sso.ErrNotFound if
// none.
func (s *Store) GetFactor(ctx context.Context, userID, id string) (sso.Factor, error) {
	f, err := scanFactor(s.queryRow(ctx, `SELECT `+factorColumns+` FROM mfa_factors WHERE id = ? AND user_id = ?`, id, userID))
	if err != nil {
		return sso.Factor{}, mapErr(ctx, "get factor", err)
	}
	return f, nil
}

// GetFactorByCredential returns the WebAuthn factor of credentialID.
// Returns sso.ErrNotFound if none.
func (s *Store) GetFactorByCredential(ctx context.Context, credentialID []byte) (sso.Factor, error) {
	if len(credentialID) == 0 {
		return sso.Factor{}, fmt.Errorf("sqlite: get factor by credential: %w", sso.ErrNotFound)
	}
	f, err := scanFactor(s.queryRow(ctx, `SELECT `+factorColumns+` FROM mfa_factors WHERE credential_id = ?`, blob(credentialID)))
	if err != nil {
		return sso.Factor{}, mapErr(ctx, "get factor by credential", err)
	}
	return f, nil
}

// ListFactors returns the factors of userID, oldest first.
func (s *Store) ListFactors(ctx context.Context, userID string) ([]sso.Factor, error) {
	list, err := listRows(ctx, s, "list factors", scanFactor,
		`SELECT `+factorColumns+` FROM mfa_factors WHERE user_id = ? ORDER BY created_at, id`, userID)
	if list == nil && err == nil {
		list = []sso.Factor{}
	}
	return list, err
}

// UpdateFactor runs update on the factor id of userID (see
// sso.FactorStore).
func (s *Store) UpdateFactor(ctx context.Context, userID, id string, update func(sso.Factor) (sso.Factor, error)) (sso.Factor, error) {
	const op = "update factor"
	var stored sso.Factor
	err := s.write(ctx, op, func(ctx context.Context, tx *wtx) error {
		old, err := scanFactor(tx.QueryRowContext(ctx, `SELECT `+factorColumns+` FROM mfa_factors WHERE id = ? AND user_id = ?`, id, userID))
		if err != nil {
			return mapErr(ctx, op, err)
		}
		next, err := update(cloneFactor(old))
		if err != nil {
			return err
		}
		// Only what may change is taken from next.
		old.Name, old.SignCount, old.Data, old.LastUsedAt = next.Name, next.SignCount, next.Data, roundTrip(next.LastUsedAt)
		if _, err := tx.ExecContext(ctx, `UPDATE mfa_factors SET name = ?, sign_count = ?, data = ?, last_used_at = ? WHERE id = ?`,
			old.Name, int64(old.SignCount), blob(old.Data), msTime(old.LastUsedAt), id); err != nil {
			return mapErr(ctx, op, err)
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

// DeleteFactor deletes the factor id of userID (see sso.FactorStore).
func (s *Store) DeleteFactor(ctx context.Context, userID, id string, keepOne bool) error {
	const op = "delete factor"
	return s.write(ctx, op, func(ctx context.Context, tx *wtx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM mfa_factors WHERE user_id = ?`, userID).Scan(&n); err != nil {
			return mapErr(ctx, op, err)
		}
		if keepOne && n == 1 {
			if err := lostOrMissing(ctx, tx, op, `SELECT 1 FROM mfa_factors WHERE id = ? AND user_id = ?`, id, userID); err != nil {
				return err
			}
		}
		if err := execOne(ctx, tx, op, `DELETE FROM mfa_factors WHERE id = ? AND user_id = ?`, id, userID); err != nil {
			return err
		}
		if n == 1 {
			_, err := tx.ExecContext(ctx, `DELETE FROM mfa_recovery_codes WHERE user_id = ?`, userID)
			return mapErr(ctx, op, err)
		}
		return nil
	})
}

// DeleteUserFactors deletes every factor and recovery code of userID.
func (s *Store) DeleteUserFactors(ctx context.Context, userID string) (int, error) {
	const op = "delete user factors"
	var n int64
	err := s.write(ctx, op, func(ctx context.Context, tx *wtx) error {
		var err error
		n, err = deleteFactorsOf(ctx, tx, op, userID)
		return err
	})
	return int(n), err
}

// deleteFactorsOf deletes the factors and recovery codes of userID and
// returns how many factors it deleted.
func deleteFactorsOf(ctx context.Context, tx *wtx, op, userID string) (int64, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM mfa_factors WHERE user_id = ?`, userID)
	if err != nil {
		return 0, mapErr(ctx, op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, mapErr(ctx, op, err)
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM mfa_recovery_codes WHERE user_id = ?`, userID)
	return n, mapErr(ctx, op, err)
}

// ReplaceRecoveryCodes makes digests the recovery codes of userID.
func (s *Store) ReplaceRecoveryCodes(ctx context.Context, userID string, digests [][]byte, now time.Time) error {
	const op = "replace recovery codes"
	if now.IsZero() {
		return errZeroTime(op, "the time of the change")
	}
	return s.write(ctx, op, func(ctx context.Context, tx *wtx) error {
		if err := userExists(ctx, tx, op, userID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM mfa_recovery_codes WHERE user_id = ?`, userID); err != nil {
			return mapErr(ctx, op, err)
		}
		for _, d := range digests {
			if _, err := tx.ExecContext(ctx, `INSERT INTO mfa_recovery_codes (user_id, digest, created_at) VALUES (?, ?, ?)`,
				userID, blob(d), msTime(now)); err != nil {
				return mapErr(ctx, op, err)
			}
		}
		return nil
	})
}

// UseRecoveryCode deletes the recovery code digest of userID, once.
func (s *Store) UseRecoveryCode(ctx context.Context, userID string, digest []byte) error {
	const op = "use recovery code"
	if len(digest) == 0 {
		return fmt.Errorf("sqlite: %s: %w", op, sso.ErrNotFound)
	}
	return s.write(ctx, op, func(ctx context.Context, tx *wtx) error {
		return execOne(ctx, tx, op, `DELETE FROM mfa_recovery_codes WHERE user_id = ? AND digest = ?`, userID, blob(digest))
	})
}

// CountRecoveryCodes returns how many recovery codes userID has left.
func (s *Store) CountRecoveryCodes(ctx context.Context, userID string) (int, error) {
	var n int
	err := s.queryRow(ctx, `SELECT count(*) FROM mfa_recovery_codes WHERE user_id = ?`, userID).Scan(&n)
	return n, mapErr(ctx, "count recovery codes", err)
}
