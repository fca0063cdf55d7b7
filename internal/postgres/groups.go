package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/ssooidc/ssooidc/internal/sso"
)

const groupCols = `id, display_name, description, external_ids, created_at, updated_at, created_by, updated_by`

func scanGroup(row pgx.Row) (sso.Group, error) {
	var g sso.Group
	var ext []byte
	if err := row.Scan(&g.ID, &g.DisplayName, &g.Description, &ext, &g.CreatedAt, &g.UpdatedAt, &g.CreatedBy, &g.UpdatedBy); err != nil {
		return sso.Group{}, err
	}
	if err := decodeDoc(ext, &g.ExternalIDs); err != nil {
		return sso.Group{}, err
	}
	if len(g.ExternalIDs) == 0 {
		g.ExternalIDs = nil
	}
	g.CreatedAt, g.UpdatedAt = g.CreatedAt.UTC(), g.UpdatedAt.UTC()
	return g, nil
}

func groupArgs(g sso.Group) ([]any, error) {
	ext := g.ExternalIDs
	if ext == nil {
		ext = []sso.ExternalID{}
	}
	e, err := doc(ext)
	if err != nil {
		return nil, err
	}
	return []any{g.ID, g.DisplayName, g.Description, e, g.CreatedAt, g.UpdatedAt, g.CreatedBy, g.UpdatedBy}, nil
}

func storableGroup(g sso.Group) bool {
	for _, f := range []string{g.ID, g.DisplayName, g.Description, g.CreatedBy, g.UpdatedBy} {
		if !storable(f) {
			return false
		}
	}
	return storableIDs(g.ExternalIDs)
}

// CreateGroup stores g. Returns sso.ErrConflict if g.ID or g.DisplayName
// exists or an external ID belongs to another group.
func (s *Store) CreateGroup(ctx context.Context, g sso.Group) error {
	const op = "create group"
	if !storableGroup(g) {
		return mapErr(ctx, op, errNotText)
	}
	args, err := groupArgs(g)
	if err != nil {
		return mapErr(ctx, op, err)
	}
	return s.tx(ctx, op, func(ctx context.Context, q querier) error {
		if _, err := q.Exec(ctx, `INSERT INTO groups (`+groupCols+`) VALUES (`+params(1, 8)+`)`, args...); err != nil {
			return err
		}
		return putExternalIDs(ctx, q, "group", g.ID, g.ExternalIDs)
	})
}

func (s *Store) getGroup(ctx context.Context, op, where string, args ...any) (sso.Group, error) {
	for _, a := range args {
		if str, ok := a.(string); ok && !storable(str) {
			return sso.Group{}, notFound(op)
		}
	}
	var g sso.Group
	err := s.do(ctx, op, true, func(ctx context.Context) error {
		var err error
		g, err = scanGroup(s.q(ctx).QueryRow(ctx, `SELECT `+groupCols+` FROM groups WHERE `+where, args...))
		return err
	})
	return g, err
}

// GetGroup returns the group with id. Returns sso.ErrNotFound if none.
func (s *Store) GetGroup(ctx context.Context, id string) (sso.Group, error) {
	return s.getGroup(ctx, "get group", `id = $1`, id)
}

// GetGroupByName returns the group with the display name. Returns
// sso.ErrNotFound if none.
func (s *Store) GetGroupByName(ctx context.Context, displayName string) (sso.Group, error) {
	return s.getGroup(ctx, "get group by name", `display_name = $1`, displayName)
}

// GetGroupByExternalID returns the group with the external id. Returns
// sso.ErrNotFound if none.
func (s *Store) GetGroupByExternalID(ctx context.Context, issuer, id string) (sso.Group, error) {
	return s.getGroup(ctx, "get group by external id",
		`id = (SELECT resource_id FROM external_ids WHERE kind = 'group' AND issuer = $1 AND ext_id = $2)`, issuer, id)
}

// ListGroups returns the groups q selects, ordered by ID byte-wise.
func (s *Store) ListGroups(ctx context.Context, q sso.GroupQuery) ([]sso.Group, error) {
	if !storable(q.After) || !storable(q.DisplayName) {
		return nil, nil
	}
	query, args := `SELECT `+groupCols+` FROM groups WHERE id COLLATE "C" > $1`, []any{q.After}
	if q.DisplayName != "" {
		query += ` AND display_name = $2`
		args = append(args, q.DisplayName)
	}
	return list2(ctx, s, "list groups", scanGroup, pageSQL(query, len(args), q.Limit, q.Offset), pageArgs(args, q.Limit, q.Offset)...)
}

// CountGroups returns how many groups there are.
func (s *Store) CountGroups(ctx context.Context) (int, error) {
	var n int
	err := s.do(ctx, "count groups", true, func(ctx context.Context) error {
		return s.q(ctx).QueryRow(ctx, `SELECT count(*) FROM groups`).Scan(&n)
	})
	return n, err
}

// UpdateGroup runs update on the group with id, holding its row, and
// stores what it returns.
func (s *Store) UpdateGroup(ctx context.Context, id string, update func(sso.Group) (sso.Group, error)) (sso.Group, error) {
	const op = "update group"
	if !storable(id) {
		return sso.Group{}, notFound(op)
	}
	var stored sso.Group
	err := s.tx(ctx, op, func(ctx context.Context, q querier) error {
		old, err := scanGroup(q.QueryRow(ctx, `SELECT `+groupCols+` FROM groups WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return err
		}
		cp := old
		cp.ExternalIDs = append([]sso.ExternalID(nil), old.ExternalIDs...)
		next, err := update(cp)
		if err != nil {
			return callerError{err}
		}
		next.ID, next.CreatedAt = old.ID, old.CreatedAt
		if !storableGroup(next) {
			return errNotText
		}
		args, err := groupArgs(next)
		if err != nil {
			return err
		}
		if _, err := q.Exec(ctx, `UPDATE groups SET display_name = $2, description = $3, external_ids = $4,
			created_at = $5, updated_at = $6, created_by = $7, updated_by = $8 WHERE id = $1`, args...); err != nil {
			return err
		}
		if !sameExternalIDs(old.ExternalIDs, next.ExternalIDs) {
			if err := putExternalIDs(ctx, q, "group", id, next.ExternalIDs); err != nil {
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
	if !storable(id) {
		return notFound(op)
	}
	return s.tx(ctx, op, func(ctx context.Context, q querier) error {
		if err := execOne(ctx, q, `DELETE FROM groups WHERE id = $1`, id); err != nil {
			return err
		}
		for _, stmt := range []string{
			`DELETE FROM memberships WHERE group_id = $1`,
			`DELETE FROM assignments WHERE principal_type = 'GROUP' AND principal_id = $1`,
			`DELETE FROM application_assignments WHERE principal_type = 'GROUP' AND principal_id = $1`,
			`DELETE FROM external_ids WHERE resource_id = $1 AND kind = 'group'`,
		} {
			if _, err := q.Exec(ctx, stmt, id); err != nil {
				return err
			}
		}
		return nil
	})
}

const membershipCols = `id, group_id, user_id, source, created_at, updated_at, created_by, updated_by`

func scanMembership(row pgx.Row) (sso.Membership, error) {
	var m sso.Membership
	err := row.Scan(&m.ID, &m.GroupID, &m.UserID, &m.Source, &m.CreatedAt, &m.UpdatedAt, &m.CreatedBy, &m.UpdatedBy)
	m.CreatedAt, m.UpdatedAt = m.CreatedAt.UTC(), m.UpdatedAt.UTC()
	return m, err
}

func membershipArgs(m sso.Membership) []any {
	return []any{m.ID, m.GroupID, m.UserID, m.Source, m.CreatedAt, m.UpdatedAt, m.CreatedBy, m.UpdatedBy}
}

func storableMembership(m sso.Membership) bool {
	for _, f := range []string{m.ID, m.GroupID, m.UserID, m.Source, m.CreatedBy, m.UpdatedBy} {
		if !storable(f) {
			return false
		}
	}
	return true
}

// insertMembershipIf inserts a membership when its group and user exist,
// skipping one that exists; it returns whether the parents exist and how
// many rows it inserted.
const insertMembershipIf = `WITH
	p AS (SELECT EXISTS (SELECT 1 FROM groups WHERE id = $2) AND EXISTS (SELECT 1 FROM users WHERE id = $3) AS ok),
	i AS (INSERT INTO memberships (` + membershipCols + `) SELECT $1, $2, $3, $4, $5, $6, $7, $8 FROM p WHERE p.ok
		ON CONFLICT (group_id, user_id) DO NOTHING RETURNING 1)
	SELECT p.ok, (SELECT count(*) FROM i) FROM p`

// CreateMembership stores m. Returns sso.ErrNotFound if its group or user
// does not exist, sso.ErrConflict if m.ID exists or the user is a member
// already.
func (s *Store) CreateMembership(ctx context.Context, m sso.Membership) error {
	const op = "create membership"
	if !storableMembership(m) {
		return notFound(op)
	}
	return s.write(ctx, op, false, func(ctx context.Context) error {
		var ok bool
		var n int
		if err := s.q(ctx).QueryRow(ctx, insertMembershipIf, membershipArgs(m)...).Scan(&ok, &n); err != nil {
			return err
		}
		switch {
		case !ok:
			return sso.ErrNotFound
		case n == 0:
			return sso.ErrConflict
		}
		return nil
	})
}

// GetMembership returns the membership with id. Returns sso.ErrNotFound
// if none.
func (s *Store) GetMembership(ctx context.Context, id string) (sso.Membership, error) {
	return s.getMembership(ctx, "get membership", `id = $1`, id)
}

// GetMembershipOf returns the membership of userID in groupID. Returns
// sso.ErrNotFound if none.
func (s *Store) GetMembershipOf(ctx context.Context, groupID, userID string) (sso.Membership, error) {
	return s.getMembership(ctx, "get membership of", `group_id = $1 AND user_id = $2`, groupID, userID)
}

func (s *Store) getMembership(ctx context.Context, op, where string, args ...any) (sso.Membership, error) {
	for _, a := range args {
		if !storable(a.(string)) {
			return sso.Membership{}, notFound(op)
		}
	}
	var m sso.Membership
	err := s.do(ctx, op, true, func(ctx context.Context) error {
		var err error
		m, err = scanMembership(s.q(ctx).QueryRow(ctx, `SELECT `+membershipCols+` FROM memberships WHERE `+where, args...))
		return err
	})
	return m, err
}

// DeleteMembership deletes the membership with id. Returns
// sso.ErrNotFound if none.
func (s *Store) DeleteMembership(ctx context.Context, id string) error {
	if !storable(id) {
		return notFound("delete membership")
	}
	return s.deleteOne(ctx, "delete membership", `DELETE FROM memberships WHERE id = $1`, id)
}

// ListMemberships returns the memberships of q.GroupID or of q.UserID,
// ordered by ID byte-wise.
func (s *Store) ListMemberships(ctx context.Context, q sso.MembershipQuery) ([]sso.Membership, error) {
	if !storable(q.GroupID) || !storable(q.UserID) || !storable(q.After) {
		return nil, nil
	}
	query, args := `SELECT `+membershipCols+` FROM memberships WHERE group_id = $1 AND id COLLATE "C" > $2`, []any{q.GroupID, q.After}
	if q.GroupID == "" {
		query, args = `SELECT `+membershipCols+` FROM memberships WHERE user_id = $1 AND id COLLATE "C" > $2`, []any{q.UserID, q.After}
	}
	return list2(ctx, s, "list memberships", scanMembership, pageSQL(query, 2, q.Limit, 0), pageArgs(args, q.Limit, 0)...)
}

// ChangeMembers adds and removes members of groupID in one transaction.
func (s *Store) ChangeMembers(ctx context.Context, groupID string, add []sso.Membership, removeUserIDs []string) error {
	const op = "change members"
	if !storable(groupID) {
		return notFound(op)
	}
	return s.tx(ctx, op, func(ctx context.Context, q querier) error {
		// The group's row is locked so that a concurrent delete of the
		// group cannot leave memberships behind.
		var one int
		if err := q.QueryRow(ctx, `SELECT 1 FROM groups WHERE id = $1 FOR SHARE`, groupID).Scan(&one); err != nil {
			return err
		}
		for _, m := range add {
			m.GroupID = groupID
			if !storableMembership(m) {
				return sso.ErrNotFound
			}
			var ok bool
			var n int
			if err := q.QueryRow(ctx, insertMembershipIf, membershipArgs(m)...).Scan(&ok, &n); err != nil {
				return err
			}
			if !ok {
				return sso.ErrNotFound
			}
		}
		var rm []string
		for _, u := range removeUserIDs {
			if storable(u) {
				rm = append(rm, u)
			}
		}
		if len(rm) > 0 {
			if _, err := q.Exec(ctx, `DELETE FROM memberships WHERE group_id = $1 AND user_id = ANY($2::text[])`, groupID, rm); err != nil {
				return err
			}
		}
		return nil
	})
}

// SyncMemberships makes the memberships of userID from source those of
// add's groups (see sso.GroupStore).
func (s *Store) SyncMemberships(ctx context.Context, userID, source string, add []sso.Membership) error {
	const op = "sync memberships"
	if !storable(userID) || !storable(source) {
		return notFound(op)
	}
	keep := make([]string, 0, len(add))
	for _, m := range add {
		keep = append(keep, m.GroupID)
	}
	return s.tx(ctx, op, func(ctx context.Context, q querier) error {
		var one int
		if err := q.QueryRow(ctx, `SELECT 1 FROM users WHERE id = $1 FOR SHARE`, userID).Scan(&one); err != nil {
			return err
		}
		if _, err := q.Exec(ctx, `DELETE FROM memberships WHERE user_id = $1 AND source = $2 AND NOT (group_id = ANY($3::text[]))`,
			userID, source, keep); err != nil {
			return err
		}
		for _, m := range add {
			m.UserID, m.Source = userID, source
			if !storableMembership(m) {
				continue
			}
			if _, err := q.Exec(ctx, insertMembershipIf, membershipArgs(m)...); err != nil {
				return err
			}
		}
		return nil
	})
}

// CountMembers returns how many members the group has.
func (s *Store) CountMembers(ctx context.Context, groupID string) (int, error) {
	var n int
	if !storable(groupID) {
		return 0, nil
	}
	err := s.do(ctx, "count members", true, func(ctx context.Context) error {
		return s.q(ctx).QueryRow(ctx, `SELECT count(*) FROM memberships WHERE group_id = $1`, groupID).Scan(&n)
	})
	return n, err
}
