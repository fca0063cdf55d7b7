package sqlite

import (
	"context"
	"fmt"

	"github.com/ssooidc/ssooidc/internal/sso"
)

const requestColumns = `id, kind, status, failure_reason, account_id, permission_set_arn, principal_type, principal_id,
	created_at, expires_at`

func insertRequest(ctx context.Context, tx *wtx, op string, r sso.AdminRequest) error {
	if r.ExpiresAt.IsZero() {
		return errZeroTime(op, "the request's expiry")
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO admin_requests (`+requestColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.Kind, r.Status, r.FailureReason, r.AccountID, r.PermissionSetARN, r.PrincipalType, r.PrincipalID,
		msTime(r.CreatedAt), msTime(r.ExpiresAt))
	return mapErr(ctx, op, err)
}

func scanRequest(row scanner) (sso.AdminRequest, error) {
	var r sso.AdminRequest
	err := row.Scan(&r.ID, &r.Kind, &r.Status, &r.FailureReason, &r.AccountID, &r.PermissionSetARN, &r.PrincipalType,
		&r.PrincipalID, (*msTime)(&r.CreatedAt), (*msTime)(&r.ExpiresAt))
	return r, err
}

// ApplyAssignmentRequest creates or deletes r.Assignment and stores
// r.Request in one write. Returns sso.ErrNotFound, storing nothing, if a
// parent (creation) or the assignment (deletion) is missing.
func (s *Store) ApplyAssignmentRequest(ctx context.Context, r sso.AssignmentRequest) error {
	const op = "apply assignment request"
	return s.write(ctx, op, func(ctx context.Context, tx *wtx) error {
		var err error
		switch r.Request.Kind {
		case sso.RequestCreateAssignment:
			err = putAssignment(ctx, tx, op, r.Assignment)
		case sso.RequestDeleteAssignment:
			err = deleteAssignment(ctx, tx, op, r.Assignment)
		default:
			err = fmt.Errorf("sqlite: %s: kind %q is not an assignment request", op, r.Request.Kind)
		}
		if err != nil {
			return err
		}
		return insertRequest(ctx, tx, op, r.Request)
	})
}

// ProvisionPermissionSet provisions the permission set name at its current
// version to accountID, or to every account it is provisioned to when
// accountID is "", and stores r, in one write.
func (s *Store) ProvisionPermissionSet(ctx context.Context, name, accountID string, r sso.AdminRequest) error {
	const op = "provision permission set"
	return s.write(ctx, op, func(ctx context.Context, tx *wtx) error {
		var version int64
		if err := tx.QueryRowContext(ctx, `SELECT version FROM permission_sets WHERE name = ?`, name).Scan(&version); err != nil {
			return mapErr(ctx, op, err)
		}
		if accountID == "" {
			if _, err := tx.ExecContext(ctx, `UPDATE provisioned SET version = ? WHERE permission_set = ?`, version, name); err != nil {
				return mapErr(ctx, op, err)
			}
		} else {
			res, err := tx.ExecContext(ctx, `INSERT INTO provisioned (permission_set, account_id, version)
				SELECT ?1, id, ?3 FROM accounts WHERE id = ?2
				ON CONFLICT (permission_set, account_id) DO UPDATE SET version = excluded.version`, name, accountID, version)
			if err != nil {
				return mapErr(ctx, op, err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return fmt.Errorf("sqlite: %s: no account %w", op, sso.ErrNotFound)
			}
		}
		return insertRequest(ctx, tx, op, r)
	})
}

// PutAdminRequest stores r on its own.
func (s *Store) PutAdminRequest(ctx context.Context, r sso.AdminRequest) error {
	const op = "put admin request"
	return s.write(ctx, op, func(ctx context.Context, tx *wtx) error { return insertRequest(ctx, tx, op, r) })
}

// GetAdminRequest returns the request of kind with id.
func (s *Store) GetAdminRequest(ctx context.Context, kind, id string) (sso.AdminRequest, error) {
	r, err := scanRequest(s.queryRow(ctx, `SELECT `+requestColumns+` FROM admin_requests WHERE id = ? AND kind = ?`, id, kind))
	if err != nil {
		return sso.AdminRequest{}, mapErr(ctx, "get admin request", err)
	}
	return r, nil
}

// ListAdminRequests returns the requests q selects, ordered by ID.
func (s *Store) ListAdminRequests(ctx context.Context, q sso.RequestQuery) ([]sso.AdminRequest, error) {
	const op = "list admin requests"
	query := `SELECT ` + requestColumns + ` FROM admin_requests WHERE kind = ? AND id > ?`
	args := []any{q.Kind, q.After}
	if q.Status != "" {
		query += ` AND status = ?`
		args = append(args, q.Status)
	}
	query += ` ORDER BY id`
	if q.Limit > 0 {
		query += ` LIMIT ?`
		args = append(args, q.Limit)
	}
	return listRows(ctx, s, op, scanRequest, query, args...)
}

// ListProvisioned returns where the permission set name, or what to the
// account accountID, is provisioned.
func (s *Store) ListProvisioned(ctx context.Context, name, accountID string) ([]sso.Provisioned, error) {
	const op = "list provisioned"
	query := `SELECT p.permission_set, p.account_id, p.version, p.version = ps.version
		FROM provisioned AS p JOIN permission_sets AS ps ON ps.name = p.permission_set WHERE `
	arg := name
	if name != "" {
		query += `p.permission_set = ?`
	} else {
		query += `p.account_id = ?`
		arg = accountID
	}
	return listRows(ctx, s, op, func(row scanner) (sso.Provisioned, error) {
		var p sso.Provisioned
		err := row.Scan(&p.PermissionSet, &p.AccountID, &p.Version, &p.Current)
		return p, err
	}, query+` ORDER BY p.permission_set, p.account_id`, arg)
}
