package postgres

import (
	"context"
	"strings"
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

const permissionSetCols = `name, description, session_duration_ms, id, session_duration_iso, relay_state,
	created_at, role_suffix, policies, tags, version`

func permissionSetArgs(p sso.PermissionSet) ([]any, error) {
	tags := p.Tags
	if tags == nil {
		tags = []sso.Tag{}
	}
	pol, err := doc(p.Policies)
	if err != nil {
		return nil, err
	}
	t, err := doc(tags)
	if err != nil {
		return nil, err
	}
	for _, f := range []string{p.Name, p.Description, p.ID, p.SessionDurationISO, p.RelayState, p.RoleSuffix, pol, t} {
		if !storable(f) {
			return nil, errNotText
		}
	}
	return []any{p.Name, p.Description, p.SessionDuration.Milliseconds(), p.ID, p.SessionDurationISO, p.RelayState,
		p.CreatedAt, p.RoleSuffix, pol, t, p.Version}, nil
}

func scanPermissionSet(row pgx.Row) (sso.PermissionSet, error) {
	var p sso.PermissionSet
	var ms int64
	var pol, tags []byte
	if err := row.Scan(&p.Name, &p.Description, &ms, &p.ID, &p.SessionDurationISO, &p.RelayState,
		&p.CreatedAt, &p.RoleSuffix, &pol, &tags, &p.Version); err != nil {
		return sso.PermissionSet{}, err
	}
	if err := decodeDoc(pol, &p.Policies); err != nil {
		return sso.PermissionSet{}, err
	}
	if err := decodeDoc(tags, &p.Tags); err != nil {
		return sso.PermissionSet{}, err
	}
	if len(p.Tags) == 0 {
		p.Tags = nil
	}
	p.SessionDuration = time.Duration(ms) * time.Millisecond
	p.CreatedAt = p.CreatedAt.UTC()
	return p, nil
}

// CreatePermissionSet stores p. Returns sso.ErrConflict if p.Name or p.ID
// exists.
func (s *Store) CreatePermissionSet(ctx context.Context, p sso.PermissionSet) error {
	args, err := permissionSetArgs(p)
	if err != nil {
		return err
	}
	return s.write(ctx, "create permission set", false, func(ctx context.Context) error {
		_, err := s.q(ctx).Exec(ctx, `INSERT INTO permission_sets (`+permissionSetCols+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, args...)
		return err
	})
}

// UpdatePermissionSet runs update on the permission set name, holding its
// row, and stores what it returns (compare-and-swap).
func (s *Store) UpdatePermissionSet(ctx context.Context, name string, update func(sso.PermissionSet) (sso.PermissionSet, error)) (sso.PermissionSet, error) {
	const op = "update permission set"
	if !storable(name) {
		return sso.PermissionSet{}, notFound(op)
	}
	var stored sso.PermissionSet
	err := s.tx(ctx, op, func(ctx context.Context, q querier) error {
		old, err := scanPermissionSet(q.QueryRow(ctx, `SELECT `+permissionSetCols+` FROM permission_sets WHERE name = $1 FOR UPDATE`, name))
		if err != nil {
			return err
		}
		next, err := update(sso.ClonePermissionSet(old))
		if err != nil {
			return callerError{err}
		}
		next.Name, next.ID, next.CreatedAt = old.Name, old.ID, old.CreatedAt
		args, err := permissionSetArgs(next)
		if err != nil {
			return err
		}
		if _, err := q.Exec(ctx, `UPDATE permission_sets SET description = $2, session_duration_ms = $3,
			session_duration_iso = $5, relay_state = $6, role_suffix = $8, policies = $9, tags = $10, version = $11
			WHERE name = $1 AND id = $4 AND created_at = $7`, args...); err != nil {
			return err
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
	return s.getPermissionSet(ctx, "name", name)
}

// GetPermissionSetByID returns the permission set with id. Returns
// sso.ErrNotFound if none.
func (s *Store) GetPermissionSetByID(ctx context.Context, id string) (sso.PermissionSet, error) {
	return s.getPermissionSet(ctx, "id", id)
}

func (s *Store) getPermissionSet(ctx context.Context, col, key string) (sso.PermissionSet, error) {
	if !storable(key) || key == "" {
		return sso.PermissionSet{}, notFound("get permission set")
	}
	var p sso.PermissionSet
	err := s.do(ctx, "get permission set", true, func(ctx context.Context) error {
		var err error
		p, err = scanPermissionSet(s.q(ctx).QueryRow(ctx, `SELECT `+permissionSetCols+` FROM permission_sets WHERE `+col+` = $1`, key))
		return err
	})
	return p, err
}

// ListPermissionSets returns every permission set, ordered by name.
func (s *Store) ListPermissionSets(ctx context.Context) ([]sso.PermissionSet, error) {
	return list2(ctx, s, "list permission sets", scanPermissionSet,
		`SELECT `+permissionSetCols+` FROM permission_sets ORDER BY name COLLATE "C"`)
}

// DeletePermissionSet deletes the permission set name with its
// provisioning records and, if withAssignments, its assignments. Returns
// sso.ErrNotFound if none, sso.ErrConflict if it has assignments and
// withAssignments is false. One statement: the delete happens only when
// the condition holds, and the answer says why not.
func (s *Store) DeletePermissionSet(ctx context.Context, name string, withAssignments bool) error {
	const op = "delete permission set"
	if !storable(name) {
		return notFound(op)
	}
	return s.write(ctx, op, false, func(ctx context.Context) error {
		var found, deleted bool
		err := s.q(ctx).QueryRow(ctx, `WITH
			d AS (DELETE FROM permission_sets WHERE name = $1
			      AND ($2 OR NOT EXISTS (SELECT 1 FROM assignments WHERE permission_set = $1)) RETURNING 1)
			SELECT EXISTS (SELECT 1 FROM permission_sets WHERE name = $1), EXISTS (SELECT 1 FROM d)`,
			name, withAssignments).Scan(&found, &deleted)
		switch {
		case err != nil:
			return err
		case deleted:
			return nil
		case found:
			return sso.ErrConflict
		}
		return sso.ErrNotFound
	})
}

// PutAssignment stores a and provisions its permission set to its
// account. Returns sso.ErrNotFound if its account, permission set or
// principal does not exist.
func (s *Store) PutAssignment(ctx context.Context, a sso.Assignment) error {
	if !storableAssignment(a) {
		return notFound("put assignment")
	}
	return s.write(ctx, "put assignment", true, func(ctx context.Context) error {
		return putAssignment(ctx, s.q(ctx), a)
	})
}

func storableAssignment(a sso.Assignment) bool {
	return storable(a.AccountID) && storable(a.PermissionSet) && storable(a.PrincipalID) && storable(a.PrincipalType)
}

// putAssignment is one statement: the insert (and the provisioning record
// of a first assignment) happens only when every parent exists, and the
// answer says which case it was.
func putAssignment(ctx context.Context, q querier, a sso.Assignment) error {
	var parents bool
	err := q.QueryRow(ctx, `WITH
		p AS (SELECT EXISTS (SELECT 1 FROM accounts WHERE id = $1)
		         AND EXISTS (SELECT 1 FROM permission_sets WHERE name = $2)
		         AND ($3 = 'USER' AND EXISTS (SELECT 1 FROM users WHERE id = $4)
		              OR $3 = 'GROUP' AND EXISTS (SELECT 1 FROM groups WHERE id = $4)) AS ok),
		i AS (INSERT INTO assignments (account_id, permission_set, principal_type, principal_id)
		      SELECT $1, $2, $3, $4 FROM p WHERE p.ok
		      ON CONFLICT DO NOTHING),
		v AS (INSERT INTO provisioned (permission_set, account_id, version)
		      SELECT name, $1, version FROM permission_sets, p WHERE name = $2 AND p.ok
		      ON CONFLICT DO NOTHING)
		SELECT ok FROM p`, a.AccountID, a.PermissionSet, a.PrincipalType, a.PrincipalID).Scan(&parents)
	if err == nil && !parents {
		return sso.ErrNotFound
	}
	return err
}

// DeleteAssignment deletes a and, with the last assignment of its
// permission set in its account, its provisioning record. Returns
// sso.ErrNotFound if it does not exist.
func (s *Store) DeleteAssignment(ctx context.Context, a sso.Assignment) error {
	if !storableAssignment(a) {
		return notFound("delete assignment")
	}
	return s.write(ctx, "delete assignment", false, func(ctx context.Context) error {
		return deleteAssignment(ctx, s.q(ctx), a)
	})
}

// deleteAssignment is one statement: the provisioning record goes when no
// other assignment of the permission set is left in the account.
func deleteAssignment(ctx context.Context, q querier, a sso.Assignment) error {
	var deleted bool
	err := q.QueryRow(ctx, `WITH
		d AS (DELETE FROM assignments WHERE account_id = $1 AND permission_set = $2
		      AND principal_type = $3 AND principal_id = $4 RETURNING 1),
		v AS (DELETE FROM provisioned WHERE account_id = $1 AND permission_set = $2 AND EXISTS (SELECT 1 FROM d)
		      AND NOT EXISTS (SELECT 1 FROM assignments WHERE account_id = $1 AND permission_set = $2
		                      AND NOT (principal_type = $3 AND principal_id = $4)))
		SELECT EXISTS (SELECT 1 FROM d)`, a.AccountID, a.PermissionSet, a.PrincipalType, a.PrincipalID).Scan(&deleted)
	if err == nil && !deleted {
		return sso.ErrNotFound
	}
	return err
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

// QueryAssignments returns the assignments q selects after q.After, at
// most q.Limit: with a principal, one range of assignments_principal; with
// an account and permission set, one range of the primary key.
func (s *Store) QueryAssignments(ctx context.Context, q sso.AssignmentQuery) ([]sso.Assignment, error) {
	var after sso.Assignment
	if q.After != "" {
		var ok bool
		if after, ok = sso.SplitAssignmentKey(q.After); !ok || !storableAssignment(after) {
			return nil, nil
		}
	}
	if !storableAssignment(sso.Assignment{AccountID: q.AccountID, PermissionSet: q.PermissionSet,
		PrincipalType: q.PrincipalType, PrincipalID: q.PrincipalID}) {
		return nil, nil
	}
	// Columns a filter fixes are equal on every row: the page bound is a
	// row value over the others, which follow the filter's in an index.
	// The columns are COLLATE "C" (migration 6), so comparisons and
	// order agree with the other backend.
	var where, bound, marks []string
	var args []any
	var afterArgs []any
	for _, c := range []struct{ col, v, after string }{{"account_id", q.AccountID, after.AccountID},
		{"permission_set", q.PermissionSet, after.PermissionSet}, {"principal_type", q.PrincipalType, after.PrincipalType},
		{"principal_id", q.PrincipalID, after.PrincipalID}} {
		if c.v != "" {
			args = append(args, c.v)
			where = append(where, c.col+" = $"+itoa(len(args)))
		} else {
			bound, afterArgs = append(bound, c.col), append(afterArgs, c.after)
		}
	}
	if q.After != "" && len(bound) == 0 {
		return nil, nil // the one assignment the filters name was the last page
	}
	if q.After != "" {
		for _, v := range afterArgs {
			args = append(args, v)
			marks = append(marks, "$"+itoa(len(args)))
		}
		where = append(where, "("+strings.Join(bound, ", ")+") > ("+strings.Join(marks, ", ")+")")
	}
	query := `SELECT account_id, permission_set, principal_type, principal_id FROM assignments`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	query += ` ORDER BY account_id, permission_set, principal_type, principal_id`
	if q.Limit > 0 {
		query += ` LIMIT ` + itoa(q.Limit)
	}
	return s.assignments(ctx, query, args...)
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
