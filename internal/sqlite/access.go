package sqlite

import (
	"context"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// PutAccount creates or replaces the account with a.ID.
func (s *Store) PutAccount(ctx context.Context, a sso.Account) error {
	return s.write(ctx, "put account", func(ctx context.Context, tx *wtx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO accounts (id, name, email, source, role_arn, credentials_file)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email, source = excluded.source,
				role_arn = excluded.role_arn, credentials_file = excluded.credentials_file`,
			a.ID, a.Name, a.Email, a.Source, a.RoleARN, a.CredentialsFile)
		return mapErr(ctx, "put account", err)
	})
}

const accountColumns = `id, name, email, source, role_arn, credentials_file`

func scanAccount(row scanner) (sso.Account, error) {
	var a sso.Account
	err := row.Scan(&a.ID, &a.Name, &a.Email, &a.Source, &a.RoleARN, &a.CredentialsFile)
	return a, err
}

// GetAccount returns the account with id. Returns sso.ErrNotFound if none.
func (s *Store) GetAccount(ctx context.Context, id string) (sso.Account, error) {
	a, err := scanAccount(s.queryRow(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id = ?`, id))
	if err != nil {
		return sso.Account{}, mapErr(ctx, "get account", err)
	}
	return a, nil
}

// ListAccounts returns every account, ordered by ID.
func (s *Store) ListAccounts(ctx context.Context) ([]sso.Account, error) {
	rows, err := s.query(ctx, `SELECT `+accountColumns+` FROM accounts ORDER BY id`)
	if err != nil {
		return nil, mapErr(ctx, "list accounts", err)
	}
	defer rows.Close()
	var out []sso.Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, mapErr(ctx, "list accounts", err)
		}
		out = append(out, a)
	}
	return out, mapErr(ctx, "list accounts", rows.Err())
}

// DeleteAccount deletes the account with id and its assignments. Returns
// sso.ErrNotFound if none.
func (s *Store) DeleteAccount(ctx context.Context, id string) error {
	return s.deleteOne(ctx, "delete account", `DELETE FROM accounts WHERE id = ?`, id)
}

// PutPermissionSet creates or replaces the permission set p.Name.
func (s *Store) PutPermissionSet(ctx context.Context, p sso.PermissionSet) error {
	return s.write(ctx, "put permission set", func(ctx context.Context, tx *wtx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO permission_sets (name, description, session_duration_ms) VALUES (?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET description = excluded.description, session_duration_ms = excluded.session_duration_ms`,
			p.Name, p.Description, p.SessionDuration.Milliseconds())
		return mapErr(ctx, "put permission set", err)
	})
}

func scanPermissionSet(row scanner) (sso.PermissionSet, error) {
	var p sso.PermissionSet
	var ms int64
	err := row.Scan(&p.Name, &p.Description, &ms)
	p.SessionDuration = time.Duration(ms) * time.Millisecond
	return p, err
}

// GetPermissionSet returns the permission set name. Returns
// sso.ErrNotFound if none.
func (s *Store) GetPermissionSet(ctx context.Context, name string) (sso.PermissionSet, error) {
	p, err := scanPermissionSet(s.queryRow(ctx,
		`SELECT name, description, session_duration_ms FROM permission_sets WHERE name = ?`, name))
	if err != nil {
		return sso.PermissionSet{}, mapErr(ctx, "get permission set", err)
	}
	return p, nil
}

// ListPermissionSets returns every permission set, ordered by name.
func (s *Store) ListPermissionSets(ctx context.Context) ([]sso.PermissionSet, error) {
	rows, err := s.query(ctx, `SELECT name, description, session_duration_ms FROM permission_sets ORDER BY name`)
	if err != nil {
		return nil, mapErr(ctx, "list permission sets", err)
	}
	defer rows.Close()
	var out []sso.PermissionSet
	for rows.Next() {
		p, err := scanPermissionSet(rows)
		if err != nil {
			return nil, mapErr(ctx, "list permission sets", err)
		}
		out = append(out, p)
	}
	return out, mapErr(ctx, "list permission sets", rows.Err())
}

// DeletePermissionSet deletes the permission set name and its assignments.
// Returns sso.ErrNotFound if none.
func (s *Store) DeletePermissionSet(ctx context.Context, name string) error {
	return s.deleteOne(ctx, "delete permission set", `DELETE FROM permission_sets WHERE name = ?`, name)
}

// PutAssignment stores a. Returns sso.ErrNotFound if its account,
// permission set or principal does not exist.
func (s *Store) PutAssignment(ctx context.Context, a sso.Assignment) error {
	return s.write(ctx, "put assignment", func(ctx context.Context, tx *wtx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO assignments (account_id, permission_set, principal_type, principal_id)
			SELECT ?1, ?2, ?3, ?4
			WHERE EXISTS (SELECT 1 FROM accounts WHERE id = ?1) AND EXISTS (SELECT 1 FROM permission_sets WHERE name = ?2)
			AND (?3 = 'USER' AND EXISTS (SELECT 1 FROM users WHERE id = ?4)
				OR ?3 = 'GROUP' AND EXISTS (SELECT 1 FROM groups WHERE id = ?4))
			ON CONFLICT DO NOTHING`,
			a.AccountID, a.PermissionSet, a.PrincipalType, a.PrincipalID)
		if err != nil {
			return mapErr(ctx, "put assignment", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil
		}
		// Nothing inserted: it exists already, or a parent is missing.
		var one int
		err = tx.QueryRowContext(ctx, `SELECT 1 FROM assignments WHERE account_id = ? AND permission_set = ?
			AND principal_type = ? AND principal_id = ?`, a.AccountID, a.PermissionSet, a.PrincipalType, a.PrincipalID).Scan(&one)
		return mapErr(ctx, "put assignment", err)
	})
}

// DeleteAssignment deletes a. Returns sso.ErrNotFound if it does not exist.
func (s *Store) DeleteAssignment(ctx context.Context, a sso.Assignment) error {
	return s.deleteOne(ctx, "delete assignment", `DELETE FROM assignments WHERE account_id = ? AND permission_set = ?
		AND principal_type = ? AND principal_id = ?`, a.AccountID, a.PermissionSet, a.PrincipalType, a.PrincipalID)
}

const assignmentOrder = ` ORDER BY account_id, permission_set, principal_type, principal_id`

// ListAssignments returns every assignment in account, permission set,
// principal type, principal order.
func (s *Store) ListAssignments(ctx context.Context) ([]sso.Assignment, error) {
	return s.assignments(ctx, `SELECT account_id, permission_set, principal_type, principal_id FROM assignments`+assignmentOrder)
}

// ListAssignmentsFor returns the assignments of the user userID, directly
// and through its groups.
func (s *Store) ListAssignmentsFor(ctx context.Context, userID string) ([]sso.Assignment, error) {
	return s.assignments(ctx, `SELECT account_id, permission_set, principal_type, principal_id FROM assignments
			WHERE principal_type = 'USER' AND principal_id = ?1
		UNION ALL
		SELECT a.account_id, a.permission_set, a.principal_type, a.principal_id
			FROM memberships AS m JOIN assignments AS a ON a.principal_type = 'GROUP' AND a.principal_id = m.group_id
			WHERE m.user_id = ?1`+assignmentOrder, userID)
}

func (s *Store) assignments(ctx context.Context, query string, args ...any) ([]sso.Assignment, error) {
	rows, err := s.query(ctx, query, args...)
	if err != nil {
		return nil, mapErr(ctx, "list assignments", err)
	}
	defer rows.Close()
	var out []sso.Assignment
	for rows.Next() {
		var a sso.Assignment
		if err := rows.Scan(&a.AccountID, &a.PermissionSet, &a.PrincipalType, &a.PrincipalID); err != nil {
			return nil, mapErr(ctx, "list assignments", err)
		}
		out = append(out, a)
	}
	return out, mapErr(ctx, "list assignments", rows.Err())
}

// deleteOne runs a DELETE that must remove a row.
func (s *Store) deleteOne(ctx context.Context, op, query string, args ...any) error {
	return s.write(ctx, op, func(ctx context.Context, tx *wtx) error {
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return mapErr(ctx, op, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return sso.ErrNotFound
		}
		return nil
	})
}
