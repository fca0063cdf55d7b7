package sqlite

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

const userColumns = `id, name, display_name, email, password_hash, disabled, external_ids, profile,
	created_at, updated_at, created_by, updated_by`

// jsonDoc stores a value as JSON text: a user's profile, the external IDs
// of a user or group. Scan needs a pointer.
type jsonDoc struct{ v any }

func (d jsonDoc) Value() (driver.Value, error) {
	b, err := json.Marshal(d.v)
	return string(b), err
}

// encodeDocs returns args with each jsonDoc replaced by its JSON text.
func encodeDocs(args []any) ([]any, error) {
	for i, a := range args {
		if d, ok := a.(jsonDoc); ok {
			v, err := d.Value()
			if err != nil {
				return nil, err
			}
			args[i] = v
		}
	}
	return args, nil
}

func (d jsonDoc) Scan(src any) error {
	switch s := src.(type) {
	case string:
		return json.Unmarshal([]byte(s), d.v)
	case []byte:
		return json.Unmarshal(s, d.v)
	}
	return fmt.Errorf("JSON column holds %T", src)
}

func scanUser(row scanner) (sso.User, error) {
	var u sso.User
	err := row.Scan(&u.ID, &u.Name, &u.DisplayName, &u.Email, &u.PasswordHash, &u.Disabled,
		jsonDoc{&u.ExternalIDs}, jsonDoc{&u.Profile},
		(*msTime)(&u.CreatedAt), (*msTime)(&u.UpdatedAt), &u.CreatedBy, &u.UpdatedBy)
	if len(u.ExternalIDs) == 0 {
		u.ExternalIDs = nil
	}
	return u, err
}

func userArgs(u sso.User) []any {
	ext := u.ExternalIDs
	if ext == nil {
		ext = []sso.ExternalID{}
	}
	return []any{u.ID, u.Name, u.DisplayName, u.Email, u.PasswordHash, u.Disabled, jsonDoc{ext}, jsonDoc{u.Profile},
		msTime(u.CreatedAt), msTime(u.UpdatedAt), u.CreatedBy, u.UpdatedBy}
}

// CreateUser stores u. Returns sso.ErrConflict if u.ID or u.Name exists or
// an external ID belongs to another user.
func (s *Store) CreateUser(ctx context.Context, u sso.User) error {
	const op = "create user"
	// The JSON documents are encoded here, not by the driver on the
	// writer goroutine that every write waits for.
	args, err := encodeDocs(userArgs(u))
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	return s.write(ctx, op, func(ctx context.Context, tx *wtx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO users (`+userColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			args...); err != nil {
			return mapErr(ctx, op, err)
		}
		return addExternalIDs(ctx, tx, op, "user", u.ID, u.ExternalIDs)
	})
}

// putExternalIDs replaces the external IDs indexed for resource id of kind
// with ids. One that belongs to another resource is sso.ErrConflict.
func putExternalIDs(ctx context.Context, tx *wtx, op, kind, id string, ids []sso.ExternalID) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM external_ids WHERE resource_id = ? AND kind = ?`, id, kind); err != nil {
		return mapErr(ctx, op, err)
	}
	return addExternalIDs(ctx, tx, op, kind, id, ids)
}

// addExternalIDs indexes ids for a resource that has none yet (one just
// created).
func addExternalIDs(ctx context.Context, tx *wtx, op, kind, id string, ids []sso.ExternalID) error {
	for _, e := range ids {
		if _, err := tx.ExecContext(ctx, `INSERT INTO external_ids (kind, issuer, ext_id, resource_id) VALUES (?, ?, ?, ?)`,
			kind, e.Issuer, e.ID, id); err != nil {
			return mapErr(ctx, op+": external id", err)
		}
	}
	return nil
}

// GetUser returns the user with id. Returns sso.ErrNotFound if none.
func (s *Store) GetUser(ctx context.Context, id string) (sso.User, error) {
	u, err := scanUser(s.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if err != nil {
		return sso.User{}, mapErr(ctx, "get user", err)
	}
	return u, nil
}

// GetUserByName returns the user named name, compared case-sensitively.
// Returns sso.ErrNotFound if none.
func (s *Store) GetUserByName(ctx context.Context, name string) (sso.User, error) {
	u, err := scanUser(s.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE name = ?`, name))
	if err != nil {
		return sso.User{}, mapErr(ctx, "get user by name", err)
	}
	return u, nil
}

// GetUserByExternalID returns the user with the external id (issuer, id).
// Returns sso.ErrNotFound if none.
func (s *Store) GetUserByExternalID(ctx context.Context, issuer, id string) (sso.User, error) {
	u, err := scanUser(s.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id =
		(SELECT resource_id FROM external_ids WHERE kind = 'user' AND issuer = ? AND ext_id = ?)`, issuer, id))
	if err != nil {
		return sso.User{}, mapErr(ctx, "get user by external id", err)
	}
	return u, nil
}

// ListUsers returns the users q selects, ordered by ID.
func (s *Store) ListUsers(ctx context.Context, q sso.UserQuery) ([]sso.User, error) {
	query, args := `SELECT `+userColumns+` FROM users WHERE id > ?`, []any{q.After}
	switch {
	case q.Name != "":
		query += ` AND name = ?`
		args = append(args, q.Name)
	case q.Email != "":
		query += ` AND email = ?`
		args = append(args, q.Email)
	case q.DisplayName != "":
		query += ` AND display_name = ?`
		args = append(args, q.DisplayName)
	}
	query, args = pageClause(query, args, q.Limit, q.Offset)
	return listRows(ctx, s, "list users", scanUser, query, args...)
}

// pageClause appends the order, the limit and the offset of a listing by
// id. SQLite wants a LIMIT before an OFFSET; -1 is no limit.
func pageClause(query string, args []any, limit, offset int) (string, []any) {
	query += ` ORDER BY id LIMIT ? OFFSET ?`
	if limit <= 0 {
		limit = -1
	}
	return query, append(args, limit, max(offset, 0))
}

// listRows runs a read and scans every row with scan.
func listRows[T any](ctx context.Context, s *Store, op string, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := s.query(ctx, query, args...)
	if err != nil {
		return nil, mapErr(ctx, op, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, mapErr(ctx, op, err)
		}
		out = append(out, v)
	}
	return out, mapErr(ctx, op, rows.Err())
}

// CountUsers returns how many users there are.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.queryRow(ctx, `SELECT count(*) FROM users`).Scan(&n)
	return n, mapErr(ctx, "count users", err)
}

// UpdateUser runs update on the user with id in one write transaction and
// stores what it returns (see sso.UserStore).
func (s *Store) UpdateUser(ctx context.Context, id string, update func(sso.User) (sso.User, error)) (sso.User, error) {
	const op = "update user"
	var stored sso.User
	err := s.write(ctx, op, func(ctx context.Context, tx *wtx) error {
		old, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
		if err != nil {
			return mapErr(ctx, op, err)
		}
		next, err := update(cloneUser(old))
		if err != nil {
			return err
		}
		next.ID, next.CreatedAt = old.ID, old.CreatedAt
		args := userArgs(next)
		if _, err := tx.ExecContext(ctx, `UPDATE users SET name = ?, display_name = ?, email = ?, password_hash = ?,
			disabled = ?, external_ids = ?, profile = ?, created_at = ?, updated_at = ?, created_by = ?, updated_by = ?
			WHERE id = ?`, append(args[1:], id)...); err != nil {
			return mapErr(ctx, op, err)
		}
		if !sameExternalIDs(old.ExternalIDs, next.ExternalIDs) {
			if err := putExternalIDs(ctx, tx, op, "user", id, next.ExternalIDs); err != nil {
				return err
			}
		}
		if next.Disabled && !old.Disabled {
			if err := endUserAccess(ctx, tx, op, id, next.UpdatedAt); err != nil {
				return err
			}
		}
		stored = next
		return nil
	})
	if err != nil {
		return sso.User{}, err
	}
	return stored, nil
}

// endUserAccess deletes the browser sessions of the user id and revokes its
// token families at now.
func endUserAccess(ctx context.Context, tx *wtx, op, id string, now time.Time) error {
	if now.IsZero() {
		return errZeroTime(op, "the time of the change")
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, id); err != nil {
		return mapErr(ctx, op+": sessions", err)
	}
	_, err := tx.ExecContext(ctx, `UPDATE families SET revoked_at = ? WHERE user_id = ? AND revoked_at = 0`, msTime(now), id)
	return mapErr(ctx, op+": families", err)
}

func sameExternalIDs(a, b []sso.ExternalID) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// cloneUser copies u deeply enough that what an update does to its copy
// cannot reach u.
func cloneUser(u sso.User) sso.User {
	b, _ := json.Marshal(u.Profile)
	u.Profile = sso.UserProfile{}
	_ = json.Unmarshal(b, &u.Profile)
	u.ExternalIDs = append([]sso.ExternalID(nil), u.ExternalIDs...)
	return u
}

// DeleteUser deletes the user with id, its memberships, assignments,
// sessions, external IDs, second factors and recovery codes, and revokes
// its families, in one transaction.
// Returns sso.ErrNotFound if none.
func (s *Store) DeleteUser(ctx context.Context, id string, now time.Time) error {
	const op = "delete user"
	return s.write(ctx, op, func(ctx context.Context, tx *wtx) error {
		if err := execOne(ctx, tx, op, `DELETE FROM users WHERE id = ?`, id); err != nil {
			return err
		}
		for _, q := range []string{
			`DELETE FROM memberships WHERE user_id = ?`,
			`DELETE FROM assignments WHERE principal_type = 'USER' AND principal_id = ?`,
			`DELETE FROM application_assignments WHERE principal_type = 'USER' AND principal_id = ?`,
			`DELETE FROM external_ids WHERE resource_id = ? AND kind = 'user'`,
		} {
			if _, err := tx.ExecContext(ctx, q, id); err != nil {
				return mapErr(ctx, op, err)
			}
		}
		if _, err := deleteFactorsOf(ctx, tx, op, id); err != nil { // second factors (mfa.go)
			return err
		}
		return endUserAccess(ctx, tx, op, id, now)
	})
}
