package sqlite

import (
	"context"
	"errors"
	"fmt"
	"strings"
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

const permissionSetColumns = `name, description, session_duration_ms, id, session_duration_iso, relay_state,
	created_at, role_suffix, policies, tags, version`

func permissionSetArgs(p sso.PermissionSet) []any {
	tags := p.Tags
	if tags == nil {
		tags = []sso.Tag{}
	}
	return []any{p.Name, p.Description, p.SessionDuration.Milliseconds(), p.ID, p.SessionDurationISO, p.RelayState,
		msTime(p.CreatedAt), p.RoleSuffix, jsonDoc{p.Policies}, jsonDoc{tags}, p.Version}
}

func scanPermissionSet(row scanner) (sso.PermissionSet, error) {
	var p sso.PermissionSet
	var ms int64
	err := row.Scan(&p.Name, &p.Description, &ms, &p.ID, &p.SessionDurationISO, &p.RelayState,
		(*msTime)(&p.CreatedAt), &p.RoleSuffix, jsonDoc{&p.Policies}, jsonDoc{&p.Tags}, &p.Version)
	p.SessionDuration = time.Duration(ms) * time.Millisecond
	if len(p.Tags) == 0 {
		p.Tags = nil
	}
	return p, err
}

// CreatePermissionSet stores p. Returns sso.ErrConflict if p.Name or p.ID
// exists.
func (s *Store) CreatePermissionSet(ctx context.Context, p sso.PermissionSet) error {
	const op = "create permission set"
	return s.write(ctx, op, func(ctx context.Context, tx *wtx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO permission_sets (`+permissionSetColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, permissionSetArgs(p)...)
		return mapErr(ctx, op, err)
	})
}

// UpdatePermissionSet runs update on the permission set name inside the
// write and stores what it returns (compare-and-swap).
func (s *Store) UpdatePermissionSet(ctx context.Context, name string, update func(sso.PermissionSet) (sso.PermissionSet, error)) (sso.PermissionSet, error) {
	const op = "update permission set"
	var stored sso.PermissionSet
	err := s.write(ctx, op, func(ctx context.Context, tx *wtx) error {
		old, err := scanPermissionSet(tx.QueryRowContext(ctx, `SELECT `+permissionSetColumns+` FROM permission_sets WHERE name = ?`, name))
		if err != nil {
			return mapErr(ctx, op, err)
		}
		next, err := update(sso.ClonePermissionSet(old))
		if err != nil {
			return err
		}
		next.Name, next.ID, next.CreatedAt = old.Name, old.ID, old.CreatedAt
		args := permissionSetArgs(next)
		if _, err := tx.ExecContext(ctx, `UPDATE permission_sets SET description = ?, session_duration_ms = ?,
			session_duration_iso = ?, relay_state = ?, role_suffix = ?, policies = ?, tags = ?, version = ? WHERE name = ?`,
			args[1], args[2], args[4], args[5], args[7], args[8], args[9], args[10], name); err != nil {
			return mapErr(ctx, op, err)
		}
		stored = next
		return nil
	})
	if err != nil {
		return sso.PermissionSet{}, err
	}
	return stored, nil
}

// GetPermissionSet returns the permission set name. Returns
// sso.ErrNotFound if none.
func (s *Store) GetPermissionSet(ctx context.Context, name string) (sso.PermissionSet, error) {
	p, err := scanPermissionSet(s.queryRow(ctx, `SELECT `+permissionSetColumns+` FROM permission_sets WHERE name = ?`, name))
	if err != nil {
		return sso.PermissionSet{}, mapErr(ctx, "get permission set", err)
	}
	return p, nil
}

// GetPermissionSetByID returns the permission set with id. Returns
// sso.ErrNotFound if none.
func (s *Store) GetPermissionSetByID(ctx context.Context, id string) (sso.PermissionSet, error) {
	if id == "" {
		return sso.PermissionSet{}, fmt.Errorf("sqlite: get permission set: %w", sso.ErrNotFound)
	}
	p, err := scanPermissionSet(s.queryRow(ctx, `SELECT `+permissionSetColumns+` FROM permission_sets WHERE id = ?`, id))
	if err != nil {
		return sso.PermissionSet{}, mapErr(ctx, "get permission set", err)
	}
	return p, nil
}

// ListPermissionSets returns every permission set, ordered by name.
func (s *Store) ListPermissionSets(ctx context.Context) ([]sso.PermissionSet, error) {
	return listRows(ctx, s, "list permission sets", scanPermissionSet, `SELECT `+permissionSetColumns+` FROM permission_sets ORDER BY name`)
}

// DeletePermissionSet deletes the permission set name with its
// provisioning records and, if withAssignments, its assignments. Returns
// sso.ErrNotFound if none, sso.ErrConflict if it has assignments and
// withAssignments is false.
func (s *Store) DeletePermissionSet(ctx context.Context, name string, withAssignments bool) error {
	const op = "delete permission set"
	return s.write(ctx, op, func(ctx context.Context, tx *wtx) error {
		if !withAssignments {
			var one int
			err := tx.QueryRowContext(ctx, `SELECT 1 FROM assignments WHERE permission_set = ? LIMIT 1`, name).Scan(&one)
			if err == nil {
				return fmt.Errorf("sqlite: %s: it has assignments: %w", op, sso.ErrConflict)
			}
			if err := mapErr(ctx, op, err); !errors.Is(err, sso.ErrNotFound) {
				return err
			}
		}
		return execOne(ctx, tx, op, `DELETE FROM permission_sets WHERE name = ?`, name)
	})
}

// PutAssignment stores a. Returns sso.ErrNotFound if its account,
// permission set or principal does not exist.
func (s *Store) PutAssignment(ctx context.Context, a sso.Assignment) error {
	const op = "put assignment"
	return s.write(ctx, op, func(ctx context.Context, tx *wtx) error {
		return putAssignment(ctx, tx, op, a)
	})
}

// putAssignment inserts a when its parents exist and provisions its
// permission set to its account. Returns sso.ErrNotFound if a parent is
// missing; an existing assignment is not an error.
func putAssignment(ctx context.Context, tx *wtx, op string, a sso.Assignment) error {
	res, err := tx.ExecContext(ctx, `INSERT INTO assignments (account_id, permission_set, principal_type, principal_id)
		SELECT ?1, ?2, ?3, ?4
		WHERE EXISTS (SELECT 1 FROM accounts WHERE id = ?1) AND EXISTS (SELECT 1 FROM permission_sets WHERE name = ?2)
		AND (?3 = 'USER' AND EXISTS (SELECT 1 FROM users WHERE id = ?4)
			OR ?3 = 'GROUP' AND EXISTS (SELECT 1 FROM groups WHERE id = ?4))
		ON CONFLICT DO NOTHING`,
		a.AccountID, a.PermissionSet, a.PrincipalType, a.PrincipalID)
	if err != nil {
		return mapErr(ctx, op, err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return provision(ctx, tx, op, a)
	}
	// Nothing inserted: it exists already, or a parent is missing.
	var one int
	err = tx.QueryRowContext(ctx, `SELECT 1 FROM assignments WHERE account_id = ? AND permission_set = ?
		AND principal_type = ? AND principal_id = ?`, a.AccountID, a.PermissionSet, a.PrincipalType, a.PrincipalID).Scan(&one)
	return mapErr(ctx, op, err)
}

// provision records that a's permission set is provisioned to a's account
// at its current version, unless it is already.
func provision(ctx context.Context, tx *wtx, op string, a sso.Assignment) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO provisioned (permission_set, account_id, version)
		SELECT name, ?, version FROM permission_sets WHERE name = ? ON CONFLICT DO NOTHING`, a.AccountID, a.PermissionSet)
	return mapErr(ctx, op, err)
}

// DeleteAssignment deletes a and, with the last assignment of its
// permission set in its account, the provisioning record. Returns
// sso.ErrNotFound if it does not exist.
func (s *Store) DeleteAssignment(ctx context.Context, a sso.Assignment) error {
	const op = "delete assignment"
	return s.write(ctx, op, func(ctx context.Context, tx *wtx) error {
		return deleteAssignment(ctx, tx, op, a)
	})
}

func deleteAssignment(ctx context.Context, tx *wtx, op string, a sso.Assignment) error {
	if err := execOne(ctx, tx, op, `DELETE FROM assignments WHERE account_id = ? AND permission_set = ?
		AND principal_type = ? AND principal_id = ?`, a.AccountID, a.PermissionSet, a.PrincipalType, a.PrincipalID); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM provisioned WHERE account_id = ?1 AND permission_set = ?2
		AND NOT EXISTS (SELECT 1 FROM assignments WHERE account_id = ?1 AND permission_set = ?2)`, a.AccountID, a.PermissionSet)
	return mapErr(ctx, op, err)
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
			FROM memberships AS m CROSS JOIN assignments AS a ON a.principal_type = 'GROUP' AND a.principal_id = m.group_id
			WHERE m.user_id = ?1`+assignmentOrder, userID) // CROSS JOIN: from the user's groups (portal.go, assigned)
}

// QueryAssignments returns the assignments q selects after q.After, at
// most q.Limit: with a principal, one range of assignments_principal; with
// an account and permission set, one range of the primary key.
func (s *Store) QueryAssignments(ctx context.Context, q sso.AssignmentQuery) ([]sso.Assignment, error) {
	var after sso.Assignment
	if q.After != "" {
		var ok bool
		if after, ok = sso.SplitAssignmentKey(q.After); !ok {
			return nil, nil
		}
	}
	// The columns a filter fixes are equal on every row, so the page
	// bound compares only the others: a row value over the columns that
	// follow the filter's in an index.
	var where, bound, from []string
	var args, afterArgs []any
	for _, c := range []struct{ col, v, after string }{{"account_id", q.AccountID, after.AccountID},
		{"permission_set", q.PermissionSet, after.PermissionSet}, {"principal_type", q.PrincipalType, after.PrincipalType},
		{"principal_id", q.PrincipalID, after.PrincipalID}} {
		if c.v != "" {
			where, args = append(where, c.col+` = ?`), append(args, c.v)
		} else {
			bound, from, afterArgs = append(bound, c.col), append(from, "?"), append(afterArgs, c.after)
		}
	}
	if q.After != "" && len(bound) == 0 {
		return nil, nil // the one assignment the filters name was the last page
	}
	if q.After != "" {
		where = append(where, `(`+strings.Join(bound, ", ")+`) > (`+strings.Join(from, ", ")+`)`)
		args = append(args, afterArgs...)
	}
	query := `SELECT account_id, permission_set, principal_type, principal_id FROM assignments`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	query += assignmentOrder
	if q.Limit > 0 {
		query += ` LIMIT ?`
		args = append(args, q.Limit)
	}
	return s.assignments(ctx, query, args...)
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
