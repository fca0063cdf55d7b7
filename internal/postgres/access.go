package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// PutAccount creates or replaces the account with a.ID.
func (s *Store) PutAccount(ctx context.Context, a sso.Account) error {
	return s.write(ctx, "put account", true, func(ctx context.Context) error {
		_, err := s.q(ctx).Exec(ctx, `INSERT INTO accounts (id, name, email, source, role_arn, credentials_file)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email, source = excluded.source,
				role_arn = excluded.role_arn, credentials_file = excluded.credentials_file`,
			a.ID, a.Name, a.Email, a.Source, a.RoleARN, a.CredentialsFile)
		return err
	})
}

const accountCols = `id, name, email, source, role_arn, credentials_file`

func scanAccount(row pgx.Row) (sso.Account, error) {
	var a sso.Account
	err := row.Scan(&a.ID, &a.Name, &a.Email, &a.Source, &a.RoleARN, &a.CredentialsFile)
	return a, err
}

// GetAccount returns the account with id. Returns sso.ErrNotFound if none.
func (s *Store) GetAccount(ctx context.Context, id string) (sso.Account, error) {
	if !storable(id) {
		return sso.Account{}, notFound("get account")
	}
	var a sso.Account
	err := s.do(ctx, "get account", true, func(ctx context.Context) error {
		var err error
		a, err = scanAccount(s.q(ctx).QueryRow(ctx, `SELECT `+accountCols+` FROM accounts WHERE id = $1`, id))
		return err
	})
	return a, err
}

// ListAccounts returns every account, ordered by ID.
func (s *Store) ListAccounts(ctx context.Context) ([]sso.Account, error) {
	var out []sso.Account
	err := s.do(ctx, "list accounts", true, func(ctx context.Context) error {
		rows, err := s.q(ctx).Query(ctx, `SELECT `+accountCols+` FROM accounts ORDER BY id COLLATE "C"`)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (sso.Account, error) { return scanAccount(row) })
		return err
	})
	return out, err
}

// DeleteAccount deletes the account with id and its assignments. Returns
// sso.ErrNotFound if none.
func (s *Store) DeleteAccount(ctx context.Context, id string) error {
	if !storable(id) {
		return notFound("delete account")
	}
	return s.deleteOne(ctx, "delete account", `DELETE FROM accounts WHERE id = $1`, id)
}

// PutPermissionSet creates or replaces the permission set p.Name.
func (s *Store) PutPermissionSet(ctx context.Context, p sso.PermissionSet) error {
	return s.write(ctx, "put permission set", true, func(ctx context.Context) error {
		_, err := s.q(ctx).Exec(ctx, `INSERT INTO permission_sets (name, description, session_duration_ms) VALUES ($1, $2, $3)
			ON CONFLICT (name) DO UPDATE SET description = excluded.description, session_duration_ms = excluded.session_duration_ms`,
			p.Name, p.Description, p.SessionDuration.Milliseconds())
		return err
	})
}

func scanPermissionSet(row pgx.Row) (sso.PermissionSet, error) {
	var p sso.PermissionSet
	var ms int64
	err := row.Scan(&p.Name, &p.Description, &ms)
	p.SessionDuration = time.Duration(ms) * time.Millisecond
	return p, err
}

// GetPermissionSet returns the permission set name. Returns
// sso.ErrNotFound if none.
func (s *Store) GetPermissionSet(ctx context.Context, name string) (sso.PermissionSet, error) {
	if !storable(name) {
		return sso.PermissionSet{}, notFound("get permission set")
	}
	var p sso.PermissionSet
	err := s.do(ctx, "get permission set", true, func(ctx context.Context) error {
		var err error
		p, err = scanPermissionSet(s.q(ctx).QueryRow(ctx,
			`SELECT name, description, session_duration_ms FROM permission_sets WHERE name = $1`, name))
		return err
	})
	return p, err
}

// ListPermissionSets returns every permission set, ordered by name.
func (s *Store) ListPermissionSets(ctx context.Context) ([]sso.PermissionSet, error) {
	var out []sso.PermissionSet
	err := s.do(ctx, "list permission sets", true, func(ctx context.Context) error {
		rows, err := s.q(ctx).Query(ctx, `SELECT name, description, session_duration_ms FROM permission_sets ORDER BY name COLLATE "C"`)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (sso.PermissionSet, error) { return scanPermissionSet(row) })
		return err
	})
	return out, err
}

// DeletePermissionSet deletes the permission set name and its assignments.
// Returns sso.ErrNotFound if none.
func (s *Store) DeletePermissionSet(ctx context.Context, name string) error {
	if !storable(name) {
		return notFound("delete permission set")
	}
	return s.deleteOne(ctx, "delete permission set", `DELETE FROM permission_sets WHERE name = $1`, name)
}

// PutAssignment stores a. Returns sso.ErrNotFound if its account,
// permission set or principal does not exist. One statement: the insert
// happens only when every parent exists, and the answer says which case
// it was.
func (s *Store) PutAssignment(ctx context.Context, a sso.Assignment) error {
	if !storable(a.AccountID) || !storable(a.PermissionSet) || !storable(a.PrincipalID) || !storable(a.PrincipalType) {
		return notFound("put assignment")
	}
	return s.write(ctx, "put assignment", true, func(ctx context.Context) error {
		var parents bool
		err := s.q(ctx).QueryRow(ctx, `WITH
			p AS (SELECT EXISTS (SELECT 1 FROM accounts WHERE id = $1)
			         AND EXISTS (SELECT 1 FROM permission_sets WHERE name = $2)
			         AND ($3 = 'USER' AND EXISTS (SELECT 1 FROM users WHERE id = $4)
			              OR $3 = 'GROUP' AND EXISTS (SELECT 1 FROM groups WHERE id = $4)) AS ok),
			i AS (INSERT INTO assignments (account_id, permission_set, principal_type, principal_id)
			      SELECT $1, $2, $3, $4 FROM p WHERE p.ok
			      ON CONFLICT DO NOTHING)
			SELECT ok FROM p`, a.AccountID, a.PermissionSet, a.PrincipalType, a.PrincipalID).Scan(&parents)
		if err == nil && !parents {
			return sso.ErrNotFound
		}
		return err
	})
}

// DeleteAssignment deletes a. Returns sso.ErrNotFound if it does not exist.
func (s *Store) DeleteAssignment(ctx context.Context, a sso.Assignment) error {
	if !storable(a.AccountID) || !storable(a.PermissionSet) || !storable(a.PrincipalID) || !storable(a.PrincipalType) {
		return notFound("delete assignment")
	}
	return s.deleteOne(ctx, "delete assignment", `DELETE FROM assignments WHERE account_id = $1 AND permission_set = $2
		AND principal_type = $3 AND principal_id = $4`, a.AccountID, a.PermissionSet, a.PrincipalType, a.PrincipalID)
}

const assignmentOrder = ` ORDER BY account_id COLLATE "C", permission_set COLLATE "C", principal_type COLLATE "C", principal_id COLLATE "C"`

// ListAssignments returns every assignment in account, permission set,
// principal type, principal order.
func (s *Store) ListAssignments(ctx context.Context) ([]sso.Assignment, error) {
	return s.assignments(ctx, `SELECT account_id, permission_set, principal_type, principal_id FROM assignments`+assignmentOrder)
}

// ListAssignmentsFor returns the assignments of the user userID, directly
// and through its groups.
func (s *Store) ListAssignmentsFor(ctx context.Context, userID string) ([]sso.Assignment, error) {
	if !storable(userID) {
		return nil, nil
	}
	// ORDER BY of a UNION takes output columns only, no COLLATE: the
	// union is a subquery.
	return s.assignments(ctx, `SELECT account_id, permission_set, principal_type, principal_id FROM (
		SELECT account_id, permission_set, principal_type, principal_id FROM assignments
			WHERE principal_type = 'USER' AND principal_id = $1
		UNION ALL
		SELECT a.account_id, a.permission_set, a.principal_type, a.principal_id
			FROM memberships AS m JOIN assignments AS a ON a.principal_type = 'GROUP' AND a.principal_id = m.group_id
			WHERE m.user_id = $1) AS mine`+assignmentOrder, userID)
}

func (s *Store) assignments(ctx context.Context, query string, args ...any) ([]sso.Assignment, error) {
	var out []sso.Assignment
	err := s.do(ctx, "list assignments", true, func(ctx context.Context) error {
		rows, err := s.q(ctx).Query(ctx, query, args...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (sso.Assignment, error) {
			var a sso.Assignment
			err := row.Scan(&a.AccountID, &a.PermissionSet, &a.PrincipalType, &a.PrincipalID)
			return a, err
		})
		return err
	})
	return out, err
}

// deleteOne runs a DELETE that must remove a row.
func (s *Store) deleteOne(ctx context.Context, op, query string, args ...any) error {
	return s.write(ctx, op, false, func(ctx context.Context) error {
		tag, err := s.q(ctx).Exec(ctx, query, args...)
		if err == nil && tag.RowsAffected() == 0 {
			return sso.ErrNotFound
		}
		return err
	})
}
