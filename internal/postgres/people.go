package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// People's sessions: the browser sessions and token families of a person
// (or of everyone), listed and ended (issue 18).

const sessionCols = `digest, user_id, created_at, expires_at, id, user_agent, address`

func scanSession(row pgx.Row) (sso.Session, error) {
	var se sso.Session
	err := row.Scan(&se.Digest, &se.UserID, &se.CreatedAt, &se.ExpiresAt, &se.ID, &se.UserAgent, &se.Address)
	se.CreatedAt, se.ExpiresAt = se.CreatedAt.UTC(), se.ExpiresAt.UTC()
	return se, err
}

// limitArg is q.Limit as a LIMIT parameter: NULL for no limit.
func limitArg(n int) any {
	if n <= 0 {
		return nil
	}
	return n
}

// ListSessions returns the live browser sessions q selects, newest first.
func (s *Store) ListSessions(ctx context.Context, q sso.SessionQuery) ([]sso.Session, error) {
	if !storable(q.UserID) {
		return nil, nil
	}
	query := `SELECT ` + sessionCols + ` FROM sessions WHERE expires_at > $1 AND user_id = $2
		ORDER BY created_at DESC, id COLLATE "C" LIMIT $3`
	if q.UserID == "" {
		query = `SELECT ` + sessionCols + ` FROM sessions WHERE expires_at > $1 AND $2 = ''
			ORDER BY created_at DESC, id COLLATE "C" LIMIT $3`
	}
	var out []sso.Session
	err := s.do(ctx, "list sessions", true, func(ctx context.Context) error {
		rows, err := s.q(ctx).Query(ctx, query, q.Now, q.UserID, limitArg(q.Limit))
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (sso.Session, error) { return scanSession(row) })
		return err
	})
	return out, err
}

// DeleteUserSession deletes the session id of userID and returns it.
// Returns sso.ErrNotFound if the user has no such session.
func (s *Store) DeleteUserSession(ctx context.Context, userID, id string) (sso.Session, error) {
	const op = "delete user session"
	if !storable(userID) || !storable(id) || id == "" {
		return sso.Session{}, notFound(op)
	}
	var se sso.Session
	err := s.write(ctx, op, true, func(ctx context.Context) error {
		var err error
		se, err = scanSession(s.q(ctx).QueryRow(ctx, `DELETE FROM sessions WHERE user_id = $1 AND id = $2 RETURNING `+sessionCols,
			userID, id))
		return err
	})
	if err != nil {
		return sso.Session{}, err
	}
	return se, nil
}

// familySummarySQL reads families with the name of their client (a
// registration, or an application of CreateTokenWithIAM) and their newest
// refresh token's time, one seek in refresh_tokens_family_id each.
const familySummarySQL = `SELECT coalesce(c.name, ap.doc->>'Name', ''),
		coalesce((SELECT max(r.created_at) FROM refresh_tokens AS r WHERE r.family_id = f.id), f.created_at),
		f.id, f.client_id, f.user_id, f.scopes, f.refreshable, f.created_at, f.expires_at, f.revoked_at
	FROM families AS f LEFT JOIN clients AS c ON c.id = f.client_id LEFT JOIN applications AS ap ON ap.arn = f.client_id`

// ListFamilies returns the live token families q selects, newest first.
func (s *Store) ListFamilies(ctx context.Context, q sso.SessionQuery) ([]sso.FamilySummary, error) {
	if !storable(q.UserID) {
		return nil, nil
	}
	query := familySummarySQL + ` WHERE f.user_id = $2 AND f.revoked_at IS NULL AND f.expires_at > $1
		ORDER BY f.created_at DESC, f.id COLLATE "C" LIMIT $3`
	if q.UserID == "" {
		query = familySummarySQL + ` WHERE f.expires_at > $1 AND f.revoked_at IS NULL AND $2 = ''
			ORDER BY f.created_at DESC, f.id COLLATE "C" LIMIT $3`
	}
	var out []sso.FamilySummary
	err := s.do(ctx, "list families", true, func(ctx context.Context) error {
		rows, err := s.q(ctx).Query(ctx, query, q.Now, q.UserID, limitArg(q.Limit))
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (sso.FamilySummary, error) {
			var fs sso.FamilySummary
			err := scanFamily(row, &fs.Family, &fs.ClientName, &fs.LastUsed)
			fs.LastUsed = fs.LastUsed.UTC()
			return fs, err
		})
		return err
	})
	return out, err
}

// RevokeUserFamilies revokes the live families of userID (the one with
// familyID, or all) at now in one statement, and returns their IDs.
func (s *Store) RevokeUserFamilies(ctx context.Context, userID, familyID string, now time.Time, revoked func([]string)) ([]string, error) {
	const op = "revoke user families"
	if now.IsZero() {
		return nil, errZeroTime(op, "now")
	}
	if !storable(userID) || !storable(familyID) {
		if familyID != "" {
			return nil, notFound(op)
		}
		return nil, nil
	}
	query := `UPDATE families SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL AND expires_at > $1 AND $3 = ''
		RETURNING id`
	if familyID != "" {
		query = `UPDATE families SET revoked_at = $1 WHERE id = $3 AND user_id = $2 AND revoked_at IS NULL AND expires_at > $1
			RETURNING id`
	}
	var ids []string
	err := s.write(ctx, op, false, func(ctx context.Context) error {
		rows, err := s.q(ctx).Query(ctx, query, now, userID, familyID)
		if err != nil {
			return err
		}
		if ids, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			return err
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
