package sqlite

import (
	"context"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

const (
	familyColumns  = `id, client_id, user_id, scopes, refreshable, created_at, expires_at, revoked_at`
	accessColumns  = `digest, family_id, client_id, user_id, scopes, issued_at, expires_at`
	refreshColumns = `digest, family_id, generation, created_at, used_at`
	// The family columns again, for a join whose family table is f.
	familyJoin = `f.id, f.client_id, f.user_id, f.scopes, f.refreshable, f.created_at, f.expires_at, f.revoked_at`
)

func familyDest(f *sso.Family) []any {
	return []any{&f.ID, &f.ClientID, &f.UserID, (*strList)(&f.Scopes), &f.Refreshable,
		(*msTime)(&f.CreatedAt), (*msTime)(&f.ExpiresAt), (*msTime)(&f.RevokedAt)}
}

// insertIssue stores a new family and its first tokens inside tx.
func insertIssue(ctx context.Context, tx *wtx, op string, is sso.Issue) error {
	f := is.Family
	if _, err := tx.ExecContext(ctx, `INSERT INTO families (`+familyColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		f.ID, f.ClientID, f.UserID, strList(f.Scopes), f.Refreshable,
		msTime(f.CreatedAt), msTime(f.ExpiresAt), msTime(f.RevokedAt)); err != nil {
		return mapErr(ctx, op+": family", err)
	}
	if err := insertAccess(ctx, tx, op, is.Access); err != nil {
		return err
	}
	if is.Refresh != nil {
		return insertRefresh(ctx, tx, op, *is.Refresh)
	}
	return nil
}

func insertAccess(ctx context.Context, tx *wtx, op string, a sso.AccessToken) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO access_tokens (`+accessColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		blob(a.Digest), a.FamilyID, a.ClientID, a.UserID, strList(a.Scopes), msTime(a.IssuedAt), msTime(a.ExpiresAt))
	return mapErr(ctx, op+": access token", err)
}

func insertRefresh(ctx context.Context, tx *wtx, op string, r sso.RefreshToken) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO refresh_tokens (`+refreshColumns+`) VALUES (?, ?, ?, ?, ?)`,
		blob(r.Digest), r.FamilyID, r.Generation, msTime(r.CreatedAt), msTime(r.UsedAt))
	return mapErr(ctx, op+": refresh token", err)
}

// CreateFamily stores issue. Returns sso.ErrConflict if the family or a
// token digest exists; then nothing is stored.
func (s *Store) CreateFamily(ctx context.Context, issue sso.Issue) error {
	const op = "create family"
	return s.write(ctx, op, func(ctx context.Context, tx *wtx) error { return insertIssue(ctx, tx, op, issue) })
}

// GetAccessToken returns the access token with digest and its family, read
// in one statement (one snapshot). Returns sso.ErrNotFound if none.
func (s *Store) GetAccessToken(ctx context.Context, digest []byte) (sso.AccessToken, sso.Family, error) {
	var a sso.AccessToken
	var f sso.Family
	dest := append([]any{(*blob)(&a.Digest), &a.FamilyID, &a.ClientID, &a.UserID, (*strList)(&a.Scopes),
		(*msTime)(&a.IssuedAt), (*msTime)(&a.ExpiresAt)}, familyDest(&f)...)
	err := s.queryRow(ctx, `SELECT a.digest, a.family_id, a.client_id, a.user_id, a.scopes, a.issued_at,
		a.expires_at, `+familyJoin+` FROM access_tokens a JOIN families f ON f.id = a.family_id
		WHERE a.digest = ?`, blob(digest)).Scan(dest...)
	if err != nil {
		return sso.AccessToken{}, sso.Family{}, mapErr(ctx, "get access token", err)
	}
	return a, f, nil
}

// refreshSQL reads a refresh token and its family in one statement.
const refreshSQL = `SELECT r.digest, r.family_id, r.generation, r.created_at, r.used_at,
		` + familyJoin + ` FROM refresh_tokens r JOIN families f ON f.id = r.family_id
		WHERE r.digest = ?`

func scanRefresh(row scanner) (sso.RefreshToken, sso.Family, error) {
	var r sso.RefreshToken
	var f sso.Family
	dest := append([]any{(*blob)(&r.Digest), &r.FamilyID, &r.Generation, (*msTime)(&r.CreatedAt),
		(*msTime)(&r.UsedAt)}, familyDest(&f)...)
	if err := row.Scan(dest...); err != nil {
		return sso.RefreshToken{}, sso.Family{}, err
	}
	return r, f, nil
}

// GetRefreshToken returns the refresh token with digest and its family, read
// in one statement. Returns sso.ErrNotFound if none.
func (s *Store) GetRefreshToken(ctx context.Context, digest []byte) (sso.RefreshToken, sso.Family, error) {
	r, f, err := scanRefresh(s.queryRow(ctx, refreshSQL, blob(digest)))
	if err != nil {
		return sso.RefreshToken{}, sso.Family{}, mapErr(ctx, "get refresh token", err)
	}
	return r, f, nil
}

// RefreshRotate reads the token and calls plan inside the write
// transaction that stores plan's rotation: one write job, on the writer
// connection, whose page cache no other connection's commit empties (a
// reader's is dropped whole whenever another connection has committed,
// so under a stream of rotations every read on the reader pool starts
// cold). plan runs exactly once if the token exists.
func (s *Store) RefreshRotate(ctx context.Context, digest []byte, usedAt time.Time, plan func(sso.RefreshToken, sso.Family) (*sso.Rotation, error)) (sso.RefreshToken, sso.Family, error) {
	const op = "refresh rotate"
	if usedAt.IsZero() {
		return sso.RefreshToken{}, sso.Family{}, errZeroTime(op, "usedAt")
	}
	var r sso.RefreshToken
	var f sso.Family
	err := s.write(ctx, op, func(ctx context.Context, tx *wtx) error {
		var err error
		if r, f, err = scanRefresh(tx.QueryRowContext(ctx, refreshSQL, blob(digest))); err != nil {
			return mapErr(ctx, op, err)
		}
		rot, err := plan(r, f)
		if err != nil || rot == nil {
			return err
		}
		if err := casUpdate(ctx, tx, op, rotateSQL, `SELECT 1 FROM refresh_tokens WHERE digest = ?`, blob(digest),
			msTime(usedAt), blob(digest)); err != nil {
			return err
		}
		if err := insertRefresh(ctx, tx, op, rot.Next); err != nil {
			return err
		}
		return insertAccess(ctx, tx, op, rot.Access)
	})
	return r, f, err
}

// RotateRefreshToken marks the unused refresh token oldDigest used at usedAt
// and stores next and access, in one transaction. One conditional UPDATE
// (unused, family not revoked) decides the one winner among concurrent
// refreshes. Returns sso.ErrConflict if the token was used or its family is
// revoked, sso.ErrNotFound if it does not exist; in both cases nothing is
// stored.
func (s *Store) RotateRefreshToken(ctx context.Context, oldDigest []byte, usedAt time.Time, next sso.RefreshToken, access sso.AccessToken) error {
	const op = "rotate refresh token"
	if usedAt.IsZero() {
		return errZeroTime(op, "usedAt")
	}
	return s.write(ctx, op, func(ctx context.Context, tx *wtx) error {
		if err := casUpdate(ctx, tx, op, rotateSQL,
			`SELECT 1 FROM refresh_tokens WHERE digest = ?`, blob(oldDigest),
			msTime(usedAt), blob(oldDigest)); err != nil {
			return err
		}
		if err := insertRefresh(ctx, tx, op, next); err != nil {
			return err
		}
		return insertAccess(ctx, tx, op, access)
	})
}

// rotateSQL is the conditional UPDATE that decides the one winner of a
// rotation. The family check is a correlated EXISTS on the family's
// primary key: one index lookup. (An IN over the live families made
// SQLite build the whole set on every rotation, so refresh slowed down in
// proportion to the families stored.)
const rotateSQL = `UPDATE refresh_tokens SET used_at = ?
	WHERE digest = ? AND used_at = 0
	AND EXISTS (SELECT 1 FROM families f WHERE f.id = refresh_tokens.family_id AND f.revoked_at = 0)`

// RevokeFamily marks the family revoked at now; a second revocation keeps
// the first time. Returns sso.ErrNotFound if there is no such family.
func (s *Store) RevokeFamily(ctx context.Context, familyID string, now time.Time) error {
	const op = "revoke family"
	if now.IsZero() {
		return errZeroTime(op, "now")
	}
	return s.write(ctx, op, func(ctx context.Context, tx *wtx) error {
		return execOne(ctx, tx, op,
			`UPDATE families SET revoked_at = CASE revoked_at WHEN 0 THEN ? ELSE revoked_at END WHERE id = ?`,
			msTime(now), familyID)
	})
}
