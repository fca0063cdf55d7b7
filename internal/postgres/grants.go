package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// Device authorizations, authorization codes and token families.
//
// Each single-use transition is one statement: a conditional UPDATE in a
// data-modifying CTE named won, and INSERTs that select from won, so the
// issue is stored if and only if this caller made the transition, and a
// unique violation on any insert rolls the UPDATE back with it. Under READ
// COMMITTED a concurrent caller blocks on the row lock, re-evaluates the
// WHERE clause against the committed row, matches nothing and inserts
// nothing: no serialization failure to retry, one round trip.

// Column lists of the token tables, in the order of the arguments that
// familyArgs, accessArgs and refreshArgs return.
const (
	familyCols  = `id, client_id, user_id, scopes, refreshable, created_at, expires_at, revoked_at`
	accessCols  = `digest, family_id, client_id, user_id, scopes, issued_at, expires_at`
	refreshCols = `digest, family_id, generation, created_at, used_at`
)

func familyArgs(f sso.Family) []any {
	return []any{f.ID, f.ClientID, f.UserID, list(f.Scopes), f.Refreshable, f.CreatedAt, f.ExpiresAt, tz(f.RevokedAt)}
}

func accessArgs(a sso.AccessToken) []any {
	return []any{a.Digest, a.FamilyID, a.ClientID, a.UserID, list(a.Scopes), a.IssuedAt, a.ExpiresAt}
}

func refreshArgs(r sso.RefreshToken) []any {
	return []any{r.Digest, r.FamilyID, r.Generation, r.CreatedAt, tz(r.UsedAt)}
}

// insertIf is a CTE that inserts one row of cols into table, its values
// the parameters from $first, if the CTE gate yields a row (and the
// boolean parameter $cond is true, when cond > 0).
func insertIf(name, table, cols, gate string, first, n, cond int) string {
	where := ""
	if cond > 0 {
		where = fmt.Sprintf(" WHERE $%d", cond)
	}
	return fmt.Sprintf(`%s AS (INSERT INTO %s (%s) SELECT %s FROM %s%s)`, name, table, cols, params(first, n), gate, where)
}

// issueInserts are the CTEs that store an sso.Issue if the CTE won yields
// a row, with parameters from $first in the order of issueArgs.
func issueInserts(first int) string {
	return insertIf("fam", "families", familyCols, "won", first, 8, 0) + ",\n" +
		insertIf("acc", "access_tokens", accessCols, "won", first+8, 7, 0) + ",\n" +
		insertIf("ref", "refresh_tokens", refreshCols, "won", first+16, 5, first+15)
}

// issueArgs are the parameters of issueInserts: 21 of them.
func issueArgs(is sso.Issue) []any {
	args := append(familyArgs(is.Family), accessArgs(is.Access)...)
	if is.Refresh == nil {
		return append(args, false, nil, nil, nil, nil, nil)
	}
	return append(append(args, true), refreshArgs(*is.Refresh)...)
}

var (
	createFamilySQL = `WITH won AS (SELECT 1),
` + issueInserts(1) + `
SELECT 1`

	redeemDeviceSQL = `WITH won AS (
	UPDATE device_auths SET status = '` + string(sso.DeviceRedeemed) + `'
	WHERE code_digest = $1 AND status = '` + string(sso.DeviceApproved) + `' RETURNING 1),
` + issueInserts(2) + `
SELECT count(*) FROM won`

	redeemCodeSQL = `WITH won AS (
	UPDATE auth_codes SET redeemed_at = $2, family_id = $3 WHERE digest = $1 AND redeemed_at IS NULL RETURNING 1),
` + issueInserts(4) + `
SELECT count(*) FROM won`

	// The family row is read, not locked: a revocation that commits while
	// a rotation runs orders after it, and revocation stops every token of
	// the family, the new ones included.
	rotateSQL = `WITH won AS (
	UPDATE refresh_tokens AS r SET used_at = $2 FROM families AS f
	WHERE r.digest = $1 AND r.used_at IS NULL AND f.id = r.family_id AND f.revoked_at IS NULL
	RETURNING 1),
` + insertIf("ref", "refresh_tokens", refreshCols, "won", 3, 5, 0) + ",\n" +
		insertIf("acc", "access_tokens", accessCols, "won", 8, 7, 0) + `
SELECT count(*) FROM won`
)

// CreateFamily stores issue (and the audit events of ctx) in one
// statement. Returns sso.ErrConflict if
// the family or a token digest exists.
func (s *Store) CreateFamily(ctx context.Context, issue sso.Issue) error {
	ctx, sql, args, err := withEvents(ctx, createFamilySQL, issueArgs(issue))
	if err != nil {
		return err
	}
	return s.write(ctx, "create family", false, func(ctx context.Context) error {
		_, err := s.q(ctx).Exec(ctx, sql, args...)
		return err
	})
}

// scanFamily scans the family columns that follow dest.
func scanFamily(row pgx.Row, f *sso.Family, dest ...any) error {
	var revoked pgtype.Timestamptz
	err := row.Scan(append(dest, &f.ID, &f.ClientID, &f.UserID, &f.Scopes, &f.Refreshable, &f.CreatedAt, &f.ExpiresAt, &revoked)...)
	f.Scopes = listOf(f.Scopes)
	f.CreatedAt, f.ExpiresAt, f.RevokedAt = f.CreatedAt.UTC(), f.ExpiresAt.UTC(), timeOf(revoked)
	return err
}

// GetAccessToken returns the access token with digest and its family.
// Returns sso.ErrNotFound if none.
func (s *Store) GetAccessToken(ctx context.Context, digest []byte) (sso.AccessToken, sso.Family, error) {
	var a sso.AccessToken
	var f sso.Family
	err := s.do(ctx, "get access token", true, func(ctx context.Context) error {
		row := s.q(ctx).QueryRow(ctx, `SELECT a.digest, a.family_id, a.client_id, a.user_id, a.scopes, a.issued_at, a.expires_at,
			f.id, f.client_id, f.user_id, f.scopes, f.refreshable, f.created_at, f.expires_at, f.revoked_at
			FROM access_tokens AS a JOIN families AS f ON f.id = a.family_id WHERE a.digest = $1`, digest)
		return scanFamily(row, &f, &a.Digest, &a.FamilyID, &a.ClientID, &a.UserID, &a.Scopes, &a.IssuedAt, &a.ExpiresAt)
	})
	if err != nil {
		return sso.AccessToken{}, sso.Family{}, err
	}
	a.Scopes = listOf(a.Scopes)
	a.IssuedAt, a.ExpiresAt = a.IssuedAt.UTC(), a.ExpiresAt.UTC()
	return a, f, nil
}

// GetRefreshToken returns the refresh token with digest and its family.
// Returns sso.ErrNotFound if none.
func (s *Store) GetRefreshToken(ctx context.Context, digest []byte) (sso.RefreshToken, sso.Family, error) {
	var r sso.RefreshToken
	var f sso.Family
	var used pgtype.Timestamptz
	err := s.do(ctx, "get refresh token", true, func(ctx context.Context) error {
		row := s.q(ctx).QueryRow(ctx, `SELECT r.digest, r.family_id, r.generation, r.created_at, r.used_at,
			f.id, f.client_id, f.user_id, f.scopes, f.refreshable, f.created_at, f.expires_at, f.revoked_at
			FROM refresh_tokens AS r JOIN families AS f ON f.id = r.family_id WHERE r.digest = $1`, digest)
		return scanFamily(row, &f, &r.Digest, &r.FamilyID, &r.Generation, &r.CreatedAt, &used)
	})
	if err != nil {
		return sso.RefreshToken{}, sso.Family{}, err
	}
	r.CreatedAt, r.UsedAt = r.CreatedAt.UTC(), timeOf(used)
	return r, f, nil
}

// RotateRefreshToken marks the unused refresh token oldDigest as used at
// usedAt and stores next and access, in one statement. Returns
// sso.ErrConflict if oldDigest was already used or its family is revoked,
// sso.ErrNotFound if it does not exist; in both cases nothing is stored.
func (s *Store) RotateRefreshToken(ctx context.Context, oldDigest []byte, usedAt time.Time, next sso.RefreshToken, access sso.AccessToken) error {
	const op = "rotate refresh token"
	if usedAt.IsZero() {
		return errZeroTime(op, "usedAt")
	}
	args := append(append([]any{oldDigest, usedAt}, refreshArgs(next)...), accessArgs(access)...)
	return s.write(ctx, op, false, func(ctx context.Context) error {
		return s.transition(ctx, rotateSQL, args, `SELECT EXISTS (SELECT 1 FROM refresh_tokens WHERE digest = $1)`)
	})
}

// RefreshRotate reads the token, calls plan and stores its rotation with
// RotateRefreshToken's one conditional statement. If that statement finds
// the token used or its family revoked meanwhile, it reads again and asks
// plan again (which then sees the change), at most a few times.
func (s *Store) RefreshRotate(ctx context.Context, digest []byte, usedAt time.Time, plan func(sso.RefreshToken, sso.Family) (*sso.Rotation, error)) (sso.RefreshToken, sso.Family, error) {
	if usedAt.IsZero() {
		return sso.RefreshToken{}, sso.Family{}, errZeroTime("refresh rotate", "usedAt")
	}
	var r sso.RefreshToken
	var f sso.Family
	var err error
	for range 4 {
		if r, f, err = s.GetRefreshToken(ctx, digest); err != nil {
			return r, f, err
		}
		rot, perr := plan(r, f)
		if perr != nil || rot == nil {
			return r, f, perr
		}
		err = s.RotateRefreshToken(ctx, digest, usedAt, rot.Next, rot.Access)
		if !errors.Is(err, sso.ErrConflict) {
			return r, f, err
		}
		// Lost to a concurrent rotation or revocation: read again, and
		// plan decides on the new state. (A digest of the rotation that
		// exists conflicts every time, and ends the loop as ErrConflict.)
	}
	return r, f, err
}

// transition runs a single-use transition statement (its first parameter
// the record's key, its result how many records it moved) and, if it moved
// none, finds out why with the existence query exists.
func (s *Store) transition(ctx context.Context, sql string, args []any, exists string) error {
	var n int
	if err := s.q(ctx).QueryRow(ctx, sql, args...).Scan(&n); err != nil {
		return err
	}
	if n == 1 {
		return nil
	}
	return lostOrMissing(ctx, s.q(ctx), exists, args[0])
}

// RevokeFamily marks the family revoked at now, keeping the time of an
// earlier revocation. Returns sso.ErrNotFound if none.
func (s *Store) RevokeFamily(ctx context.Context, familyID string, now time.Time) error {
	const op = "revoke family"
	if now.IsZero() {
		return errZeroTime(op, "now")
	}
	if !storable(familyID) {
		return notFound(op)
	}
	// Idempotent: a retry after a lost commit keeps the first time.
	return s.write(ctx, op, true, func(ctx context.Context) error {
		return execOne(ctx, s.q(ctx), `UPDATE families SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1`, familyID, now)
	})
}

const deviceCols = `code_digest, user_code_digest, client_id, start_url, scopes, created_at, expires_at,
	poll_interval, status, user_id, decided_at, last_poll_at, polls`

// CreateDeviceAuth stores d. Returns sso.ErrConflict if d.CodeDigest or
// d.UserCodeDigest exists.
func (s *Store) CreateDeviceAuth(ctx context.Context, d sso.DeviceAuth) error {
	return s.write(ctx, "create device authorization", false, func(ctx context.Context) error {
		_, err := s.q(ctx).Exec(ctx, `INSERT INTO device_auths (`+deviceCols+`) VALUES (`+params(1, 13)+`)`,
			d.CodeDigest, d.UserCodeDigest, d.ClientID, d.StartURL, list(d.Scopes), d.CreatedAt, d.ExpiresAt,
			d.Interval, string(d.Status), d.UserID, tz(d.DecidedAt), tz(d.LastPollAt), d.Polls)
		return err
	})
}

func scanDevice(row pgx.Row) (sso.DeviceAuth, error) {
	var d sso.DeviceAuth
	var status string
	var decided, polled pgtype.Timestamptz
	err := row.Scan(&d.CodeDigest, &d.UserCodeDigest, &d.ClientID, &d.StartURL, &d.Scopes, &d.CreatedAt, &d.ExpiresAt,
		&d.Interval, &status, &d.UserID, &decided, &polled, &d.Polls)
	d.Status = sso.DeviceStatus(status)
	d.Scopes = listOf(d.Scopes)
	d.CreatedAt, d.ExpiresAt = d.CreatedAt.UTC(), d.ExpiresAt.UTC()
	d.DecidedAt, d.LastPollAt = timeOf(decided), timeOf(polled)
	return d, err
}

// GetDeviceAuthByUserCode returns the authorization whose user-code digest
// is digest. Returns sso.ErrNotFound if none.
func (s *Store) GetDeviceAuthByUserCode(ctx context.Context, digest []byte) (sso.DeviceAuth, error) {
	var d sso.DeviceAuth
	err := s.do(ctx, "get device authorization", true, func(ctx context.Context) error {
		var err error
		d, err = scanDevice(s.q(ctx).QueryRow(ctx, `SELECT `+deviceCols+` FROM device_auths WHERE user_code_digest = $1`, digest))
		return err
	})
	if err != nil {
		return sso.DeviceAuth{}, err
	}
	return d, nil
}

// CountDeviceAuths returns how many authorizations expire after now, by
// status (a range of the expires_at index).
func (s *Store) CountDeviceAuths(ctx context.Context, now time.Time) (map[sso.DeviceStatus]int, error) {
	out := map[sso.DeviceStatus]int{}
	err := s.do(ctx, "count device authorizations", true, func(ctx context.Context) error {
		clear(out)
		rows, err := s.pool.Query(ctx, `SELECT status, count(*) FROM device_auths WHERE expires_at > $1 GROUP BY status`, now)
		if err != nil {
			return err
		}
		var st string
		var n int
		_, err = pgx.ForEachRow(rows, []any{&st, &n}, func() error {
			out[sso.DeviceStatus(st)] = n
			return nil
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GetDeviceAuth returns the authorization whose device-code digest is
// codeDigest. Returns sso.ErrNotFound if none.
func (s *Store) GetDeviceAuth(ctx context.Context, codeDigest []byte) (sso.DeviceAuth, error) {
	var d sso.DeviceAuth
	err := s.do(ctx, "get device authorization", true, func(ctx context.Context) error {
		var err error
		d, err = scanDevice(s.q(ctx).QueryRow(ctx, `SELECT `+deviceCols+` FROM device_auths WHERE code_digest = $1`, codeDigest))
		return err
	})
	if err != nil {
		return sso.DeviceAuth{}, err
	}
	return d, nil
}

// UpdateDeviceAuth runs update on the authorization codeDigest and stores
// the fields it may change, in one READ COMMITTED transaction that holds
// the row (SELECT ... FOR UPDATE) from the read to the write, so
// concurrent updates of one authorization queue instead of losing each
// other's changes. update may run more than once if the transaction is
// retried (deadlock, serialization failure); an error from update rolls
// back and is returned as is. Returns sso.ErrNotFound if none.
//
// This is the pending poll, the hottest write of the service, so it costs
// two round trips, not four: BEGIN is pipelined with the SELECT, and the
// UPDATE with COMMIT.
func (s *Store) UpdateDeviceAuth(ctx context.Context, codeDigest []byte, update func(sso.DeviceAuth) (sso.DeviceAuth, error)) (sso.DeviceAuth, error) {
	var stored sso.DeviceAuth
	err := s.do(ctx, "update device authorization", false, func(ctx context.Context) error {
		conn, err := s.pool.Acquire(ctx)
		if err != nil {
			return err
		}
		// Release destroys a connection left inside a transaction.
		defer conn.Release()

		b := &pgx.Batch{}
		b.Queue(`BEGIN ISOLATION LEVEL READ COMMITTED`)
		b.Queue(`SELECT `+deviceCols+` FROM device_auths WHERE code_digest = $1 FOR UPDATE`, codeDigest)
		old, err := sendBatch(ctx, conn.Conn(), b, func(br pgx.BatchResults) (sso.DeviceAuth, error) {
			if _, err := br.Exec(); err != nil {
				return sso.DeviceAuth{}, err
			}
			return scanDevice(br.QueryRow())
		})
		if err != nil {
			return err
		}
		next, err := update(cloneDevice(old))
		if err != nil {
			rollback(ctx, conn.Conn())
			return callerError{err}
		}
		stored = old
		stored.Status, stored.UserID, stored.DecidedAt = next.Status, next.UserID, next.DecidedAt
		stored.LastPollAt, stored.Polls, stored.Interval = next.LastPollAt, next.Polls, next.Interval
		if sameMutable(stored, old) {
			// Nothing to write: end the transaction without a commit
			// record to flush.
			rollback(ctx, conn.Conn())
			return nil
		}

		b = &pgx.Batch{}
		b.Queue(`UPDATE device_auths SET status = $2, user_id = $3, decided_at = $4,
			last_poll_at = $5, polls = $6, poll_interval = $7 WHERE code_digest = $1`,
			codeDigest, string(stored.Status), stored.UserID, tz(stored.DecidedAt),
			tz(stored.LastPollAt), stored.Polls, stored.Interval)
		// The audit events of the change (a decision), in its transaction.
		evs := sso.EventsFrom(ctx)
		if err := queueEvents(b, evs); err != nil {
			rollback(ctx, conn.Conn())
			return err
		}
		b.Queue(`COMMIT`)
		_, err = sendBatch(ctx, conn.Conn(), b, execThenCommit(1+len(evs)))
		return err
	})
	if err != nil {
		return sso.DeviceAuth{}, err
	}
	return stored, nil
}

// sendBatch sends b on conn, one pipeline of statements, and reads its
// results with read. On any error it rolls back the transaction that b
// began or continued.
func sendBatch[T any](ctx context.Context, conn *pgx.Conn, b *pgx.Batch, read func(pgx.BatchResults) (T, error)) (T, error) {
	br := conn.SendBatch(ctx, b)
	v, err := read(br)
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		rollback(ctx, conn)
	}
	return v, err
}

// execThenCommit reads the results of a batch of n statements and a
// COMMIT. COMMIT of a failed transaction answers ROLLBACK, not an error:
// nothing before it failed, but the tag is the proof.
func execThenCommit(n int) func(pgx.BatchResults) (struct{}, error) {
	return func(br pgx.BatchResults) (struct{}, error) {
		for range n {
			if _, err := br.Exec(); err != nil {
				return struct{}{}, err
			}
		}
		tag, err := br.Exec()
		if err == nil && tag.String() != "COMMIT" {
			err = fmt.Errorf("commit answered %q", tag.String())
		}
		return struct{}{}, err
	}
}

// rollback ends the transaction conn is in, if any. If it cannot (ctx
// ended, connection lost), the pool destroys the connection on release,
// which ends the transaction on the server too.
func rollback(ctx context.Context, conn *pgx.Conn) {
	if conn.PgConn().TxStatus() != 'I' && !conn.IsClosed() {
		conn.Exec(ctx, `ROLLBACK`)
	}
}

// sameMutable reports whether a and b agree on every field
// UpdateDeviceAuth may change.
func sameMutable(a, b sso.DeviceAuth) bool {
	return a.Status == b.Status && a.UserID == b.UserID && a.DecidedAt.Equal(b.DecidedAt) &&
		a.LastPollAt.Equal(b.LastPollAt) && a.Polls == b.Polls && a.Interval == b.Interval
}

// cloneDevice copies d's slices, so what update does to its argument
// cannot reach the record UpdateDeviceAuth returns.
func cloneDevice(d sso.DeviceAuth) sso.DeviceAuth {
	d.CodeDigest = slices.Clone(d.CodeDigest)
	d.UserCodeDigest = slices.Clone(d.UserCodeDigest)
	d.Scopes = slices.Clone(d.Scopes)
	return d
}

// RedeemDeviceAuth moves the approved authorization codeDigest to redeemed
// and stores issue (and the audit events of ctx), in one statement. Returns sso.ErrConflict if the
// authorization is not approved, sso.ErrNotFound if it does not exist; in
// both cases nothing is stored.
func (s *Store) RedeemDeviceAuth(ctx context.Context, codeDigest []byte, issue sso.Issue) error {
	ctx, sql, args, err := withEvents(ctx, redeemDeviceSQL, append([]any{codeDigest}, issueArgs(issue)...))
	if err != nil {
		return err
	}
	return s.write(ctx, "redeem device authorization", false, func(ctx context.Context) error {
		return s.transition(ctx, sql, args, `SELECT EXISTS (SELECT 1 FROM device_auths WHERE code_digest = $1)`)
	})
}

const codeCols = `digest, client_id, user_id, redirect_uri, challenge, scopes, created_at, expires_at, redeemed_at, family_id`

// CreateAuthCode stores c. Returns sso.ErrConflict if c.Digest exists.
func (s *Store) CreateAuthCode(ctx context.Context, c sso.AuthCode) error {
	return s.write(ctx, "create authorization code", false, func(ctx context.Context) error {
		_, err := s.q(ctx).Exec(ctx, `INSERT INTO auth_codes (`+codeCols+`) VALUES (`+params(1, 10)+`)`,
			c.Digest, c.ClientID, c.UserID, c.RedirectURI, c.Challenge, list(c.Scopes), c.CreatedAt, c.ExpiresAt,
			tz(c.RedeemedAt), c.FamilyID)
		return err
	})
}

// GetAuthCode returns the code with digest. Returns sso.ErrNotFound if
// none.
func (s *Store) GetAuthCode(ctx context.Context, digest []byte) (sso.AuthCode, error) {
	var c sso.AuthCode
	var redeemed pgtype.Timestamptz
	err := s.do(ctx, "get authorization code", true, func(ctx context.Context) error {
		return s.q(ctx).QueryRow(ctx, `SELECT `+codeCols+` FROM auth_codes WHERE digest = $1`, digest).Scan(
			&c.Digest, &c.ClientID, &c.UserID, &c.RedirectURI, &c.Challenge, &c.Scopes, &c.CreatedAt, &c.ExpiresAt,
			&redeemed, &c.FamilyID)
	})
	if err != nil {
		return sso.AuthCode{}, err
	}
	c.Scopes = listOf(c.Scopes)
	c.CreatedAt, c.ExpiresAt, c.RedeemedAt = c.CreatedAt.UTC(), c.ExpiresAt.UTC(), timeOf(redeemed)
	return c, nil
}

// RedeemAuthCode marks the unredeemed code digest as redeemed at now,
// records issue.Family.ID as its family and stores issue (and the audit
// events of ctx), in one statement. Returns sso.ErrConflict if it was already redeemed and
// sso.ErrNotFound if it does not exist; in both cases nothing is stored.
func (s *Store) RedeemAuthCode(ctx context.Context, digest []byte, now time.Time, issue sso.Issue) error {
	const op = "redeem authorization code"
	if now.IsZero() {
		return errZeroTime(op, "now")
	}
	ctx, sql, args, err := withEvents(ctx, redeemCodeSQL, append([]any{digest, now, issue.Family.ID}, issueArgs(issue)...))
	if err != nil {
		return err
	}
	return s.write(ctx, op, false, func(ctx context.Context) error {
		return s.transition(ctx, sql, args, `SELECT EXISTS (SELECT 1 FROM auth_codes WHERE digest = $1)`)
	})
}
