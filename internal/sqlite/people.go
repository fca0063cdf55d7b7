package sqlite

import (
	"context"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// People's sessions: the browser sessions and token families of a person
// (or of everyone), listed and ended (issue 18).

// limitArg is q.Limit as SQLite's LIMIT: -1 for no limit.
func limitArg(n int) int {
	if n <= 0 {
		return -1
	}
	return n
}

// ListSessions returns the live browser sessions q selects, newest first.
func (s *Store) ListSessions(ctx context.Context, q sso.SessionQuery) ([]sso.Session, error) {
	const op = "list sessions"
	query := `SELECT ` + sessionColumns + ` FROM sessions WHERE expires_at > ?1 AND user_id = ?2
		ORDER BY created_at DESC, id LIMIT ?3`
	if q.UserID == "" {
		query = `SELECT ` + sessionColumns + ` FROM sessions WHERE expires_at > ?1 AND ?2 = ''
			ORDER BY created_at DESC, id LIMIT ?3`
	}
	rows, err := s.query(ctx, query, msTime(q.Now), q.UserID, limitArg(q.Limit))
	if err != nil {
		return nil, mapErr(ctx, op, err)
	}
	defer rows.Close()
	var out []sso.Session
	for rows.Next() {
		se, err := scanSession(rows)
		if err != nil {
			return nil, mapErr(ctx, op, err)
		}
		out = append(out, se)
	}
	return out, mapErr(ctx, op, rows.Err())
}

// DeleteUserSession deletes the session id of userID and returns it.
// Returns sso.ErrNotFound if the user has no such session.
func (s *Store) DeleteUserSession(ctx context.Context, userID, id string) (sso.Session, error) {
	const op = "delete user session"
	var se sso.Session
	err := s.write(ctx, op, func(ctx context.Context, tx *wtx) error {
		var err error
		se, err = scanSession(tx.QueryRowContext(ctx, `DELETE FROM sessions WHERE user_id = ? AND id = ? AND id <> ''
			RETURNING `+sessionColumns, userID, id))
		return mapErr(ctx, op, err)
	})
	if err != nil {
		return sso.Session{}, err
	}
	return se, nil
}

// familySummarySQL reads families with the name of their client (a
// registration, or an application of CreateTokenWithIAM) and their newest
// refresh token's time, one seek in refresh_tokens_family_id each.
const familySummarySQL = `SELECT ` + familyJoin + `, coalesce(c.name, json_extract(ap.doc, '$.Name'), ''),
		coalesce((SELECT max(r.created_at) FROM refresh_tokens AS r WHERE r.family_id = f.id), f.created_at)
	FROM families AS f LEFT JOIN clients AS c ON c.id = f.client_id LEFT JOIN applications AS ap ON ap.arn = f.client_id`

// ListFamilies returns the live token families q selects, newest first.
func (s *Store) ListFamilies(ctx context.Context, q sso.SessionQuery) ([]sso.FamilySummary, error) {
	const op = "list families"
	query := familySummarySQL + ` WHERE f.user_id = ?2 AND f.revoked_at = 0 AND f.expires_at > ?1
		ORDER BY f.created_at DESC, f.id LIMIT ?3`
	if q.UserID == "" {
		query = familySummarySQL + ` WHERE f.expires_at > ?1 AND f.revoked_at = 0 AND ?2 = ''
			ORDER BY f.created_at DESC, f.id LIMIT ?3`
	}
	rows, err := s.query(ctx, query, msTime(q.Now), q.UserID, limitArg(q.Limit))
	if err != nil {
		return nil, mapErr(ctx, op, err)
	}
	defer rows.Close()
	var out []sso.FamilySummary
	for rows.Next() {
		var fs sso.FamilySummary
		var name *string
		if err := rows.Scan(append(familyDest(&fs.Family), &name, (*msTime)(&fs.LastUsed))...); err != nil {
			return nil, mapErr(ctx, op, err)
		}
		if name != nil {
			fs.ClientName = *name
		}
		out = append(out, fs)
	}
	return out, mapErr(ctx, op, rows.Err())
}

// RevokeUserFamilies revokes the live families of userID (the one with
// familyID, or all) at now in one statement, and returns their IDs.
func (s *Store) RevokeUserFamilies(ctx context.Context, userID, familyID string, now time.Time, revoked func([]string)) ([]string, error) {
	const op = "revoke user families"
	if now.IsZero() {
		return nil, errZeroTime(op, "now")
	}
	query := `UPDATE families SET revoked_at = ?1 WHERE user_id = ?2 AND revoked_at = 0 AND expires_at > ?1 AND ?3 = ''
		RETURNING id`
	if familyID != "" {
		query = `UPDATE families SET revoked_at = ?1 WHERE id = ?3 AND user_id = ?2 AND revoked_at = 0 AND expires_at > ?1
			RETURNING id`
	}
	var ids []string
	err := s.write(ctx, op, func(ctx context.Context, tx *wtx) error {
		ids = nil
		rows, err := tx.QueryContext(ctx, query, msTime(now), userID, familyID)
		if err != nil {
			return mapErr(ctx, op, err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return mapErr(ctx, op, err)
			}
			ids = append(ids, id)
		}
		if err := rows.Close(); err != nil {
			return mapErr(ctx, op, err)
		}
		if err := rows.Err(); err != nil {
			return mapErr(ctx, op, err)
		}
		if familyID != "" && len(ids) == 0 {
			return sso.ErrNotFound
		}
		if revoked != nil {
			revoked(ids)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ids, nil
}
