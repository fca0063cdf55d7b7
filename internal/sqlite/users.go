package sqlite

import (
	"context"

	"github.com/ssooidc/ssooidc/internal/sso"
)

const userColumns = `id, name, display_name, email, groups_json, password_hash, created_at`

func scanUser(row scanner) (sso.User, error) {
	var u sso.User
	err := row.Scan(&u.ID, &u.Name, &u.DisplayName, &u.Email, (*strList)(&u.Groups), &u.PasswordHash,
		(*msTime)(&u.CreatedAt))
	return u, err
}

// CreateUser stores u. Returns sso.ErrConflict if u.ID or u.Name exists.
func (s *Store) CreateUser(ctx context.Context, u sso.User) error {
	return s.write(ctx, "create user", func(ctx context.Context, tx *wtx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO users (`+userColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			u.ID, u.Name, u.DisplayName, u.Email, strList(u.Groups), u.PasswordHash, msTime(u.CreatedAt))
		return mapErr(ctx, "create user", err)
	})
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

// ListUsers returns every user in byte order of name.
func (s *Store) ListUsers(ctx context.Context) ([]sso.User, error) {
	rows, err := s.query(ctx, `SELECT `+userColumns+` FROM users ORDER BY name`)
	if err != nil {
		return nil, mapErr(ctx, "list users", err)
	}
	defer rows.Close()
	var users []sso.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, mapErr(ctx, "list users", err)
		}
		users = append(users, u)
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(ctx, "list users", err)
	}
	return users, nil
}

// UpdateUser replaces the user with u.ID by u. Returns sso.ErrNotFound if
// none, sso.ErrConflict if u.Name belongs to another user.
func (s *Store) UpdateUser(ctx context.Context, u sso.User) error {
	const op = "update user"
	return s.write(ctx, op, func(ctx context.Context, tx *wtx) error {
		return execOne(ctx, tx, op, `UPDATE users
			SET name = ?, display_name = ?, email = ?, groups_json = ?, password_hash = ?, created_at = ?
			WHERE id = ?`,
			u.Name, u.DisplayName, u.Email, strList(u.Groups), u.PasswordHash, msTime(u.CreatedAt), u.ID)
	})
}

// DeleteUser deletes the user with id and its sign-in sessions in one
// transaction. Returns sso.ErrNotFound if none.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	const op = "delete user"
	return s.write(ctx, op, func(ctx context.Context, tx *wtx) error {
		if err := execOne(ctx, tx, op, `DELETE FROM users WHERE id = ?`, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, id)
		return mapErr(ctx, op+": sessions", err)
	})
}

// CreateSession stores se. Returns sso.ErrConflict if se.Digest exists.
func (s *Store) CreateSession(ctx context.Context, se sso.Session) error {
	return s.write(ctx, "create session", func(ctx context.Context, tx *wtx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (digest, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
			blob(se.Digest), se.UserID, msTime(se.CreatedAt), msTime(se.ExpiresAt))
		return mapErr(ctx, "create session", err)
	})
}

// GetSession returns the session with digest. Returns sso.ErrNotFound if
// none.
func (s *Store) GetSession(ctx context.Context, digest []byte) (sso.Session, error) {
	var se sso.Session
	err := s.queryRow(ctx, `SELECT digest, user_id, created_at, expires_at FROM sessions WHERE digest = ?`,
		blob(digest)).Scan((*blob)(&se.Digest), &se.UserID, (*msTime)(&se.CreatedAt), (*msTime)(&se.ExpiresAt))
	if err != nil {
		return sso.Session{}, mapErr(ctx, "get session", err)
	}
	return se, nil
}

// DeleteSession deletes the session with digest; a missing one is not an
// error.
func (s *Store) DeleteSession(ctx context.Context, digest []byte) error {
	return s.write(ctx, "delete session", func(ctx context.Context, tx *wtx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE digest = ?`, blob(digest))
		return mapErr(ctx, "delete session", err)
	})
}

// DeleteUserSessions deletes the sessions of userID but keep.
func (s *Store) DeleteUserSessions(ctx context.Context, userID string, keep []byte) (int, error) {
	var n int64
	err := s.write(ctx, "delete user sessions", func(ctx context.Context, tx *wtx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ? AND digest IS NOT ?`, userID, blob(keep))
		if err != nil {
			return mapErr(ctx, "delete user sessions", err)
		}
		n, err = res.RowsAffected()
		return mapErr(ctx, "delete user sessions", err)
	})
	return int(n), err
}
