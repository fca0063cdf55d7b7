package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/ssooidc/ssooidc/internal/sso"
)

const requestCols = `id, kind, status, failure_reason, account_id, permission_set_arn, principal_type, principal_id,
	created_at, expires_at`

const insertRequestSQL = `INSERT INTO admin_requests (` + requestCols + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`

func requestArgs(op string, r sso.AdminRequest) ([]any, error) {
	if r.ExpiresAt.IsZero() {
		return nil, errZeroTime(op, "the request's expiry")
	}
	for _, f := range []string{r.ID, r.Kind, r.Status, r.FailureReason, r.AccountID, r.PermissionSetARN, r.PrincipalType, r.PrincipalID} {
		if !storable(f) {
			return nil, errNotText
		}
	}
	return []any{r.ID, r.Kind, r.Status, r.FailureReason, r.AccountID, r.PermissionSetARN, r.PrincipalType, r.PrincipalID,
		r.CreatedAt, r.ExpiresAt}, nil
}

func scanRequest(row pgx.Row) (sso.AdminRequest, error) {
	var r sso.AdminRequest
	err := row.Scan(&r.ID, &r.Kind, &r.Status, &r.FailureReason, &r.AccountID, &r.PermissionSetARN, &r.PrincipalType,
		&r.PrincipalID, &r.CreatedAt, &r.ExpiresAt)
	r.CreatedAt, r.ExpiresAt = r.CreatedAt.UTC(), r.ExpiresAt.UTC()
	return r, err
}

// ApplyAssignmentRequest creates or deletes r.Assignment and stores
// r.Request in one transaction. Returns sso.ErrNotFound, storing nothing,
// if a parent (creation) or the assignment (deletion) is missing.
func (s *Store) ApplyAssignmentRequest(ctx context.Context, r sso.AssignmentRequest) error {
	const op = "apply assignment request"
	args, err := requestArgs(op, r.Request)
	if err != nil {
		return err
	}
	if !storableAssignment(r.Assignment) {
		return notFound(op)
	}
	var change func(context.Context, querier, sso.Assignment) error
	switch r.Request.Kind {
	case sso.RequestCreateAssignment:
		change = putAssignment
	case sso.RequestDeleteAssignment:
		change = deleteAssignment
	default:
		return fmt.Errorf("postgres: %s: kind %q is not an assignment request", op, r.Request.Kind)
	}
	return s.tx(ctx, op, func(ctx context.Context, q querier) error {
		if err := change(ctx, q, r.Assignment); err != nil {
			return err
		}
		_, err := q.Exec(ctx, insertRequestSQL, args...)
		return err
	})
}

// ProvisionPermissionSet provisions the permission set name at its current
// version to accountID, or to every account it is provisioned to when
// accountID is "", and stores r, in one transaction.
func (s *Store) ProvisionPermissionSet(ctx context.Context, name, accountID string, r sso.AdminRequest) error {
	const op = "provision permission set"
	args, err := requestArgs(op, r)
	if err != nil {
		return err
	}
	if !storable(name) || !storable(accountID) {
		return notFound(op)
	}
	return s.tx(ctx, op, func(ctx context.Context, q querier) error {
		var found bool
		var err error
		if accountID == "" {
			found, err = exists(ctx, q, `WITH ps AS (SELECT name, version FROM permission_sets WHERE name = $1),
				u AS (UPDATE provisioned SET version = ps.version FROM ps WHERE permission_set = ps.name)
				SELECT EXISTS (SELECT 1 FROM ps)`, name)
		} else {
			found, err = exists(ctx, q, `WITH ps AS (SELECT name, version FROM permission_sets WHERE name = $1),
				a AS (SELECT id FROM accounts WHERE id = $2),
				i AS (INSERT INTO provisioned (permission_set, account_id, version) SELECT ps.name, a.id, ps.version FROM ps, a
				      ON CONFLICT (permission_set, account_id) DO UPDATE SET version = excluded.version)
				SELECT EXISTS (SELECT 1 FROM ps) AND EXISTS (SELECT 1 FROM a)`, name, accountID)
		}
		if err != nil {
			return err
		}
		if !found {
			return sso.ErrNotFound
		}
		_, err = q.Exec(ctx, insertRequestSQL, args...)
		return err
	})
}

// PutAdminRequest stores r on its own.
func (s *Store) PutAdminRequest(ctx context.Context, r sso.AdminRequest) error {
	const op = "put admin request"
	args, err := requestArgs(op, r)
	if err != nil {
		return err
	}
	return s.write(ctx, op, false, func(ctx context.Context) error {
		_, err := s.q(ctx).Exec(ctx, insertRequestSQL, args...)
		return err
	})
}

// GetAdminRequest returns the request of kind with id.
func (s *Store) GetAdminRequest(ctx context.Context, kind, id string) (sso.AdminRequest, error) {
	if !storable(kind) || !storable(id) {
		return sso.AdminRequest{}, notFound("get admin request")
	}
	var r sso.AdminRequest
	err := s.do(ctx, "get admin request", true, func(ctx context.Context) error {
		var err error
		r, err = scanRequest(s.q(ctx).QueryRow(ctx, `SELECT `+requestCols+` FROM admin_requests WHERE id = $1 AND kind = $2`, id, kind))
		return err
	})
	return r, err
}

// ListAdminRequests returns the requests q selects, ordered by ID.
func (s *Store) ListAdminRequests(ctx context.Context, q sso.RequestQuery) ([]sso.AdminRequest, error) {
	if !storable(q.Kind) || !storable(q.After) || !storable(q.Status) {
		return nil, nil
	}
	query := `SELECT ` + requestCols + ` FROM admin_requests WHERE kind = $1 AND id > $2`
	args := []any{q.Kind, q.After}
	if q.Status != "" {
		query += ` AND status = $3`
		args = append(args, q.Status)
	}
	query += ` ORDER BY id`
	if q.Limit > 0 {
		query += ` LIMIT ` + itoa(q.Limit)
	}
	return list2(ctx, s, "list admin requests", scanRequest, query, args...)
}

// ListProvisioned returns where the permission set name, or what to the
// account accountID, is provisioned.
func (s *Store) ListProvisioned(ctx context.Context, name, accountID string) ([]sso.Provisioned, error) {
	if !storable(name) || !storable(accountID) {
		return nil, nil
	}
	query := `SELECT p.permission_set, p.account_id, p.version, p.version = ps.version
		FROM provisioned AS p JOIN permission_sets AS ps ON ps.name = p.permission_set WHERE `
	arg := name
	if name != "" {
		query += `p.permission_set = $1`
	} else {
		query += `p.account_id = $1`
		arg = accountID
	}
	return list2(ctx, s, "list provisioned", func(row pgx.Row) (sso.Provisioned, error) {
		var p sso.Provisioned
		err := row.Scan(&p.PermissionSet, &p.AccountID, &p.Version, &p.Current)
		return p, err
	}, query+` ORDER BY p.permission_set COLLATE "C", p.account_id COLLATE "C"`, arg)
}
