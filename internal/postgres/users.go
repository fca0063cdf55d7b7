package postgres

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ssooidc/ssooidc/internal/sso"
)

const userCols = `id, name, display_name, email, password_hash, disabled, external_ids, profile,
	created_at, updated_at, created_by, updated_by`

func scanUser(row pgx.Row) (sso.User, error) {
	var u sso.User
	var ext, prof []byte
	err := row.Scan(&u.ID, &u.Name, &u.DisplayName, &u.Email, &u.PasswordHash, &u.Disabled, &ext, &prof,
		&u.CreatedAt, &u.UpdatedAt, &u.CreatedBy, &u.UpdatedBy)
	if err != nil {
		return sso.User{}, err
	}
	if err := decodeDoc(ext, &u.ExternalIDs); err != nil {
		return sso.User{}, err
	}
	if err := decodeDoc(prof, &u.Profile); err != nil {
		return sso.User{}, err
	}
	if len(u.ExternalIDs) == 0 {
		u.ExternalIDs = nil
	}
	u.CreatedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	return u, nil
}

func decodeDoc(b []byte, v any) error {
	if len(b) == 0 {
		return nil
	}
	return json.Unmarshal(b, v)
}

// doc is v as a jsonb parameter.
func doc(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

func userArgs(u sso.User) ([]any, error) {
	ext := u.ExternalIDs
	if ext == nil {
		ext = []sso.ExternalID{}
	}
	e, err := doc(ext)
	if err != nil {
		return nil, err
	}
	p, err := doc(u.Profile)
	if err != nil {
		return nil, err
	}
	return []any{u.ID, u.Name, u.DisplayName, u.Email, u.PasswordHash, u.Disabled, e, p,
		u.CreatedAt, u.UpdatedAt, u.CreatedBy, u.UpdatedBy}, nil
}

// storableUser reports whether every text field of u can be stored.
func storableUser(u sso.User) bool {
	for _, f := range []string{u.ID, u.Name, u.DisplayName, u.Email, u.PasswordHash, u.CreatedBy, u.UpdatedBy} {
		if !storable(f) {
			return false
		}
	}
	return storableIDs(u.ExternalIDs)
}

func storableIDs(ids []sso.ExternalID) bool {
	for _, e := range ids {
		if !storable(e.Issuer) || !storable(e.ID) {
			return false
		}
	}
	return true
}

// CreateUser stores u and its external IDs in one transaction. Returns
// sso.ErrConflict if u.ID or u.Name exists or an external ID belongs to
// another user.
func (s *Store) CreateUser(ctx context.Context, u sso.User) error {
	const op = "create user"
	if !storableUser(u) {
		return mapErr(ctx, op, errNotText)
	}
	args, err := userArgs(u)
	if err != nil {
		return mapErr(ctx, op, err)
	}
	return s.tx(ctx, op, func(ctx context.Context, q querier) error {
		if _, err := q.Exec(ctx, `INSERT INTO users (`+userCols+`) VALUES (`+params(1, 12)+`)`, args...); err != nil {
			return err
		}
		return putExternalIDs(ctx, q, "user", u.ID, u.ExternalIDs)
	})
}

// putExternalIDs replaces the external IDs indexed for resource id.
func putExternalIDs(ctx context.Context, q querier, kind, id string, ids []sso.ExternalID) error {
	if _, err := q.Exec(ctx, `DELETE FROM external_ids WHERE resource_id = $1 AND kind = $2`, id, kind); err != nil {
		return err
	}
	for _, e := range ids {
		if _, err := q.Exec(ctx, `INSERT INTO external_ids (kind, issuer, ext_id, resource_id) VALUES ($1, $2, $3, $4)`,
			kind, e.Issuer, e.ID, id); err != nil {
			return err
		}
	}
	return nil
}

// GetUser returns the user with id. Returns sso.ErrNotFound if none.
func (s *Store) GetUser(ctx context.Context, id string) (sso.User, error) {
	return s.getUser(ctx, "get user", `id = $1`, id)
}

// GetUserByName returns the user named name. Returns sso.ErrNotFound if
// none.
func (s *Store) GetUserByName(ctx context.Context, name string) (sso.User, error) {
	return s.getUser(ctx, "get user by name", `name = $1`, name)
}

// GetUserByExternalID returns the user with the external id. Returns
// sso.ErrNotFound if none.
func (s *Store) GetUserByExternalID(ctx context.Context, issuer, id string) (sso.User, error) {
	if !storable(issuer) {
		return sso.User{}, notFound("get user by external id")
	}
	return s.getUser(ctx, "get user by external id",
		`id = (SELECT resource_id FROM external_ids WHERE kind = 'user' AND issuer = $2 AND ext_id = $1)`, id, issuer)
}

func (s *Store) getUser(ctx context.Context, op, where, key string, more ...any) (sso.User, error) {
	if !storable(key) {
		return sso.User{}, notFound(op)
	}
	var u sso.User
	err := s.do(ctx, op, true, func(ctx context.Context) error {
		var err error
		u, err = scanUser(s.q(ctx).QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE `+where, append([]any{key}, more...)...))
		return err
	})
	if err != nil {
		return sso.User{}, err
	}
	return u, nil
}

// ListUsers returns the users q selects, ordered by ID byte-wise.
func (s *Store) ListUsers(ctx context.Context, q sso.UserQuery) ([]sso.User, error) {
	if !storable(q.After) || !storable(q.Name) || !storable(q.Email) || !storable(q.DisplayName) {
		return nil, nil
	}
	query, args := `SELECT `+userCols+` FROM users WHERE id COLLATE "C" > $1`, []any{q.After}
	switch {
	case q.Name != "":
		query += ` AND name = $2`
		args = append(args, q.Name)
	case q.Email != "":
		query += ` AND email = $2`
		args = append(args, q.Email)
	case q.DisplayName != "":
		query += ` AND display_name = $2`
		args = append(args, q.DisplayName)
	}
	return list2(ctx, s, "list users", scanUser, pageSQL(query, len(args), q.Limit, q.Offset), pageArgs(args, q.Limit, q.Offset)...)
}

// pageSQL appends the order, limit and offset of a listing by id; the
// limit is NULL (none) when limit is 0.
func pageSQL(query string, nargs, limit, offset int) string {
	return query + ` ORDER BY id COLLATE "C" LIMIT $` + itoa(nargs+1) + ` OFFSET $` + itoa(nargs+2)
}

func pageArgs(args []any, limit, offset int) []any {
	var l any
	if limit > 0 {
		l = limit
	}
	return append(args, l, max(offset, 0))
}

// list2 runs a read and scans every row with scan.
func list2[T any](ctx context.Context, s *Store, op string, scan func(pgx.Row) (T, error), query string, args ...any) ([]T, error) {
	var out []T
	err := s.do(ctx, op, true, func(ctx context.Context) error {
		rows, err := s.q(ctx).Query(ctx, query, args...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (T, error) { return scan(row) })
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CountUsers returns how many users there are.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.do(ctx, "count users", true, func(ctx context.Context) error {
		return s.q(ctx).QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&n)
	})
	return n, err
}

// UpdateUser runs update on the user with id, holding its row from the
// read to the write, and stores what it returns (see sso.UserStore).
func (s *Store) UpdateUser(ctx context.Context, id string, update func(sso.User) (sso.User, error)) (sso.User, error) {
	const op = "update user"
	if !storable(id) {
		return sso.User{}, notFound(op)
	}
	var stored sso.User
	err := s.tx(ctx, op, func(ctx context.Context, q querier) error {
		old, err := scanUser(q.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return err
		}
		next, err := update(cloneUser(old))
		if err != nil {
			return callerError{err}
		}
		next.ID, next.CreatedAt = old.ID, old.CreatedAt
		if !storableUser(next) {
			return errNotText
		}
		args, err := userArgs(next)
		if err != nil {
			return err
		}
		if _, err := q.Exec(ctx, `UPDATE users SET name = $2, display_name = $3, email = $4, password_hash = $5,
			disabled = $6, external_ids = $7, profile = $8, created_at = $9, updated_at = $10, created_by = $11,
			updated_by = $12 WHERE id = $1`, args...); err != nil {
			return err
		}
		if !sameExternalIDs(old.ExternalIDs, next.ExternalIDs) {
			if err := putExternalIDs(ctx, q, "user", id, next.ExternalIDs); err != nil {
				return err
			}
		}
		if next.Disabled && !old.Disabled {
			if err := endUserAccess(ctx, q, op, id, next.UpdatedAt); err != nil {
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

// endUserAccess deletes the browser sessions of the user id and revokes
// its token families at now.
func endUserAccess(ctx context.Context, q querier, op, id string, now time.Time) error {
	if now.IsZero() {
		return errZeroTime(op, "the time of the change")
	}
	if _, err := q.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, id); err != nil {
		return err
	}
	_, err := q.Exec(ctx, `UPDATE families SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL`, id, now)
	return err
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

func cloneUser(u sso.User) sso.User {
	b, _ := json.Marshal(u.Profile)
	u.Profile = sso.UserProfile{}
	_ = json.Unmarshal(b, &u.Profile)
	u.ExternalIDs = append([]sso.ExternalID(nil), u.ExternalIDs...)
	return u
}

// DeleteUser deletes the user with id, its memberships, assignments,
// sessions, external IDs, second factors and recovery codes, and revokes
// its families, in one transaction. Returns sso.ErrNotFound if none.
func (s *Store) DeleteUser(ctx context.Context, id string, now time.Time) error {
	const op = "delete user"
	if !storable(id) {
		return notFound(op)
	}
	return s.tx(ctx, op, func(ctx context.Context, q querier) error {
		if err := execOne(ctx, q, `DELETE FROM users WHERE id = $1`, id); err != nil {
			return err
		}
		for _, stmt := range []string{
			`DELETE FROM memberships WHERE user_id = $1`,
			`DELETE FROM assignments WHERE principal_type = 'USER' AND principal_id = $1`,
			`DELETE FROM application_assignments WHERE principal_type = 'USER' AND principal_id = $1`,
			`DELETE FROM external_ids WHERE resource_id = $1 AND kind = 'user'`,
		} {
			if _, err := q.Exec(ctx, stmt, id); err != nil {
				return err
			}
		}
		if _, err := deleteFactorsOf(ctx, q, id); err != nil { // second factors (mfa.go)
			return err
		}
		return endUserAccess(ctx, q, op, id, now)
	})
}
