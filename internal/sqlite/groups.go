package sqlite

import (
	"context"
	"fmt"

	"github.com/ssooidc/ssooidc/internal/sso"
)

const groupColumns = `id, display_name, description, external_ids, created_at, updated_at, created_by, updated_by`

func scanGroup(row scanner) (sso.Group, error) {
	var g sso.Group
	err := row.Scan(&g.ID, &g.DisplayName, &g.Description, jsonDoc{&g.ExternalIDs},
		(*msTime)(&g.CreatedAt), (*msTime)(&g.UpdatedAt), &g.CreatedBy, &g.UpdatedBy)
	if len(g.ExternalIDs) == 0 {
		g.ExternalIDs = nil
	}
	return g, err
}

func groupArgs(g sso.Group) []any {
	ext := g.ExternalIDs
	if ext == nil {
		ext = []sso.ExternalID{}
	}
	return []any{g.ID, g.DisplayName, g.Description, jsonDoc{ext}, msTime(g.CreatedAt), msTime(g.UpdatedAt), g.CreatedBy, g.UpdatedBy}
}

// CreateGroup stores g. Returns sso.ErrConflict if g.ID or g.DisplayName
// exists or an external ID belongs to another group.
func (s *Store) CreateGroup(ctx context.Context, g sso.Group) error {
	const op = "create group"
	args, err := encodeDocs(groupArgs(g))
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	return s.write(ctx, op, func(ctx context.Context, tx *wtx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO groups (`+groupColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			args...); err != nil {
			return mapErr(ctx, op, err)
		}
		return addExternalIDs(ctx, tx, op, "group", g.ID, g.ExternalIDs)
	})
}

// GetGroup returns the group with id. Returns sso.ErrNotFound if none.
func (s *Store) GetGroup(ctx context.Context, id string) (sso.Group, error) {
	g, err := scanGroup(s.queryRow(ctx, `SELECT `+groupColumns+` FROM groups WHERE id = ?`, id))
	return g, mapErr(ctx, "get group", err)
}

// GetGroupByName returns the group with the display name. Returns
// sso.ErrNotFound if none.
func (s *Store) GetGroupByName(ctx context.Context, displayName string) (sso.Group, error) {
	g, err := scanGroup(s.queryRow(ctx, `SELECT `+groupColumns+` FROM groups WHERE display_name = ?`, displayName))
	return g, mapErr(ctx, "get group by name", err)
}

// GetGroupByExternalID returns the group with the external id. Returns
// sso.ErrNotFound if none.
func (s *Store) GetGroupByExternalID(ctx context.Context, issuer, id string) (sso.Group, error) {
	g, err := scanGroup(s.queryRow(ctx, `SELECT `+groupColumns+` FROM groups WHERE id =
		(SELECT resource_id FROM external_ids WHERE kind = 'group' AND issuer = ? AND ext_id = ?)`, issuer, id))
	return g, mapErr(ctx, "get group by external id", err)
}

// ListGroups returns the groups q selects, ordered by ID.
func (s *Store) ListGroups(ctx context.Context, q sso.GroupQuery) ([]sso.Group, error) {
	query, args := `SELECT `+groupColumns+` FROM groups WHERE id > ?`, []any{q.After}
	if q.DisplayName != "" {
		query += ` AND display_name = ?`
		args = append(args, q.DisplayName)
	}
	query, args = pageClause(query, args, q.Limit, q.Offset)
	return listRows(ctx, s, "list groups", scanGroup, query, args...)
}

// CountGroups returns how many groups there are.
func (s *Store) CountGroups(ctx context.Context) (int, error) {
	var n int
	err := s.queryRow(ctx, `SELECT count(*) FROM groups`).Scan(&n)
	return n, mapErr(ctx, "count groups", err)
}

// UpdateGroup runs update on the group with id and stores what it returns,
// in one write transaction.
func (s *Store) UpdateGroup(ctx context.Context, id string, update func(sso.Group) (sso.Group, error)) (sso.Group, error) {
	const op = "update group"
	var stored sso.Group
	err := s.write(ctx, op, func(ctx context.Context, tx *wtx) error {
		old, err := scanGroup(tx.QueryRowContext(ctx, `SELECT `+groupColumns+` FROM groups WHERE id = ?`, id))
		if err != nil {
			return mapErr(ctx, op, err)
		}
		cp := old
		cp.ExternalIDs = append([]sso.ExternalID(nil), old.ExternalIDs...)
		next, err := update(cp)
		if err != nil {
			return err
		}
		next.ID, next.CreatedAt = old.ID, old.CreatedAt
		args := groupArgs(next)
		if _, err := tx.ExecContext(ctx, `UPDATE groups SET display_name = ?, description = ?, external_ids = ?,
			created_at = ?, updated_at = ?, created_by = ?, updated_by = ? WHERE id = ?`, append(args[1:], id)...); err != nil {
			return mapErr(ctx, op, err)
		}
		if !sameExternalIDs(old.ExternalIDs, next.ExternalIDs) {
			if err := putExternalIDs(ctx, tx, op, "group", id, next.ExternalIDs); err != nil {
				return err
			}
		}
		stored = next
		return nil
	})
	if err != nil {
		return sso.Group{}, err
	}
	return stored, nil
}

// DeleteGroup deletes the group with id, its memberships, assignments and
// external IDs. Returns sso.ErrNotFound if none.
func (s *Store) DeleteGroup(ctx context.Context, id string) error {
	const op = "delete group"
	return s.write(ctx, op, func(ctx context.Context, tx *wtx) error {
		if err := execOne(ctx, tx, op, `DELETE FROM groups WHERE id = ?`, id); err != nil {
			return err
		}
		for _, q := range []string{
			`DELETE FROM memberships WHERE group_id = ?`,
			`DELETE FROM assignments WHERE principal_type = 'GROUP' AND principal_id = ?`,
			`DELETE FROM application_assignments WHERE principal_type = 'GROUP' AND principal_id = ?`,
			`DELETE FROM external_ids WHERE resource_id = ? AND kind = 'group'`,
		} {
			if _, err := tx.ExecContext(ctx, q, id); err != nil {
				return mapErr(ctx, op, err)
			}
		}
		return nil
	})
}

const membershipColumns = `id, group_id, user_id, source, created_at, updated_at, created_by, updated_by`

func scanMembership(row scanner) (sso.Membership, error) {
	var m sso.Membership
	err := row.Scan(&m.ID, &m.GroupID, &m.UserID, &m.Source, (*msTime)(&m.CreatedAt), (*msTime)(&m.UpdatedAt),
		&m.CreatedBy, &m.UpdatedBy)
	return m, err
}

const insertMembership = `INSERT INTO memberships (` + membershipColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`

func membershipArgs(m sso.Membership) []any {
	return []any{m.ID, m.GroupID, m.UserID, m.Source, msTime(m.CreatedAt), msTime(m.UpdatedAt), m.CreatedBy, m.UpdatedBy}
}

// CreateMembership stores m. Returns sso.ErrNotFound if its group or user
// does not exist, sso.ErrConflict if m.ID exists or the user is a member
// already.
func (s *Store) CreateMembership(ctx context.Context, m sso.Membership) error {
	const op = "create membership"
	return s.write(ctx, op, func(ctx context.Context, tx *wtx) error {
		if err := parentsExist(ctx, tx, op, m.GroupID, m.UserID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, insertMembership, membershipArgs(m)...)
		return mapErr(ctx, op, err)
	})
}

// parentsExist returns sso.ErrNotFound unless the group and the user exist.
func parentsExist(ctx context.Context, tx *wtx, op, groupID, userID string) error {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM groups WHERE id = ?) + (SELECT count(*) FROM users WHERE id = ?)`,
		groupID, userID).Scan(&n)
	if err != nil {
		return mapErr(ctx, op, err)
	}
	if n != 2 {
		return fmt.Errorf("sqlite: %s: the group or the user: %w", op, sso.ErrNotFound)
	}
	return nil
}

// GetMembership returns the membership with id. Returns sso.ErrNotFound if
// none.
func (s *Store) GetMembership(ctx context.Context, id string) (sso.Membership, error) {
	m, err := scanMembership(s.queryRow(ctx, `SELECT `+membershipColumns+` FROM memberships WHERE id = ?`, id))
	return m, mapErr(ctx, "get membership", err)
}

// GetMembershipOf returns the membership of userID in groupID. Returns
// sso.ErrNotFound if none.
func (s *Store) GetMembershipOf(ctx context.Context, groupID, userID string) (sso.Membership, error) {
	m, err := scanMembership(s.queryRow(ctx, `SELECT `+membershipColumns+` FROM memberships WHERE group_id = ? AND user_id = ?`,
		groupID, userID))
	return m, mapErr(ctx, "get membership of", err)
}

// DeleteMembership deletes the membership with id. Returns
// sso.ErrNotFound if none.
func (s *Store) DeleteMembership(ctx context.Context, id string) error {
	return s.deleteOne(ctx, "delete membership", `DELETE FROM memberships WHERE id = ?`, id)
}

// ListMemberships returns the memberships of q.GroupID or of q.UserID,
// ordered by ID.
func (s *Store) ListMemberships(ctx context.Context, q sso.MembershipQuery) ([]sso.Membership, error) {
	query, args := `SELECT `+membershipColumns+` FROM memberships WHERE group_id = ? AND id > ?`, []any{q.GroupID, q.After}
	if q.GroupID == "" {
		query, args = `SELECT `+membershipColumns+` FROM memberships WHERE user_id = ? AND id > ?`, []any{q.UserID, q.After}
	}
	query, args = pageClause(query, args, q.Limit, 0)
	return listRows(ctx, s, "list memberships", scanMembership, query, args...)
}

// ChangeMembers adds and removes members of groupID in one transaction.
func (s *Store) ChangeMembers(ctx context.Context, groupID string, add []sso.Membership, removeUserIDs []string) error {
	const op = "change members"
	return s.write(ctx, op, func(ctx context.Context, tx *wtx) error {
		var one int
		groupExists := func() error {
			return mapErr(ctx, op+": group", tx.QueryRowContext(ctx, `SELECT 1 FROM groups WHERE id = ?`, groupID).Scan(&one))
		}
		if len(add) == 0 {
			if err := groupExists(); err != nil {
				return err
			}
		}
		// The foreign keys check that the group and each user exist as
		// the rows go in; which one is missing is looked up only then.
		for _, m := range add {
			m.GroupID = groupID
			_, err := tx.ExecContext(ctx, insertMembership+` ON CONFLICT (group_id, user_id) DO NOTHING`, membershipArgs(m)...)
			if isForeignKeyErr(err) {
				if err := groupExists(); err != nil {
					return err
				}
				return fmt.Errorf("sqlite: %s: user %s: %w", op, m.UserID, sso.ErrNotFound)
			}
			if err != nil {
				return mapErr(ctx, op, err)
			}
		}
		for _, u := range removeUserIDs {
			if _, err := tx.ExecContext(ctx, `DELETE FROM memberships WHERE group_id = ? AND user_id = ?`, groupID, u); err != nil {
				return mapErr(ctx, op, err)
			}
		}
		return nil
	})
}

// SyncMemberships makes the memberships of userID from source those of
// add's groups (see sso.GroupStore).
func (s *Store) SyncMemberships(ctx context.Context, userID, source string, add []sso.Membership) error {
	const op = "sync memberships"
	return s.write(ctx, op, func(ctx context.Context, tx *wtx) error {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM users WHERE id = ?`, userID).Scan(&one); err != nil {
			return mapErr(ctx, op+": user", err)
		}
		keep := make([]string, 0, len(add))
		for _, m := range add {
			keep = append(keep, m.GroupID)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM memberships WHERE user_id = ? AND source = ?
			AND group_id NOT IN (SELECT value FROM json_each(?))`, userID, source, strList(keep)); err != nil {
			return mapErr(ctx, op, err)
		}
		for _, m := range add {
			m.UserID, m.Source = userID, source
			if _, err := tx.ExecContext(ctx, `INSERT INTO memberships (`+membershipColumns+`)
				SELECT ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM groups WHERE id = ?)
				ON CONFLICT (group_id, user_id) DO NOTHING`, append(membershipArgs(m), m.GroupID)...); err != nil {
				return mapErr(ctx, op, err)
			}
		}
		return nil
	})
}

// CountMembers returns how many members the group has.
func (s *Store) CountMembers(ctx context.Context, groupID string) (int, error) {
	var n int
	err := s.queryRow(ctx, `SELECT count(*) FROM memberships WHERE group_id = ?`, groupID).Scan(&n)
	return n, mapErr(ctx, "count members", err)
}
