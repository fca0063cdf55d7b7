package sqlite

import (
	"bytes"
	"context"
	"slices"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

const deviceColumns = `code_digest, user_code_digest, client_id, start_url, scopes, created_at, expires_at,
	poll_interval, status, user_id, decided_at, last_poll_at, polls`

func scanDevice(row scanner) (sso.DeviceAuth, error) {
	var d sso.DeviceAuth
	err := row.Scan((*blob)(&d.CodeDigest), (*blob)(&d.UserCodeDigest), &d.ClientID, &d.StartURL,
		(*strList)(&d.Scopes), (*msTime)(&d.CreatedAt), (*msTime)(&d.ExpiresAt), &d.Interval,
		(*string)(&d.Status), &d.UserID, (*msTime)(&d.DecidedAt), (*msTime)(&d.LastPollAt), &d.Polls)
	return d, err
}

// CreateDeviceAuth stores d. Returns sso.ErrConflict if d.CodeDigest exists
// or d.UserCodeDigest belongs to another authorization (the unique index on
// it is what tells the service to draw another user code).
func (s *Store) CreateDeviceAuth(ctx context.Context, d sso.DeviceAuth) error {
	return s.write(ctx, "create device authorization", func(ctx context.Context, tx *wtx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO device_auths (`+deviceColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			blob(d.CodeDigest), blob(d.UserCodeDigest), d.ClientID, d.StartURL, strList(d.Scopes),
			msTime(d.CreatedAt), msTime(d.ExpiresAt), d.Interval, string(d.Status), d.UserID,
			msTime(d.DecidedAt), msTime(d.LastPollAt), d.Polls)
		return mapErr(ctx, "create device authorization", err)
	})
}

// GetDeviceAuthByUserCode returns the authorization whose user-code digest
// is digest. Returns sso.ErrNotFound if none.
func (s *Store) GetDeviceAuthByUserCode(ctx context.Context, digest []byte) (sso.DeviceAuth, error) {
	d, err := scanDevice(s.queryRow(ctx,
		`SELECT `+deviceColumns+` FROM device_auths WHERE user_code_digest = ?`, blob(digest)))
	if err != nil {
		return sso.DeviceAuth{}, mapErr(ctx, "get device authorization", err)
	}
	return d, nil
}

// GetDeviceAuth returns the authorization whose device-code digest is
// codeDigest. Returns sso.ErrNotFound if none.
func (s *Store) GetDeviceAuth(ctx context.Context, codeDigest []byte) (sso.DeviceAuth, error) {
	d, err := scanDevice(s.queryRow(ctx,
		`SELECT `+deviceColumns+` FROM device_auths WHERE code_digest = ?`, blob(codeDigest)))
	if err != nil {
		return sso.DeviceAuth{}, mapErr(ctx, "get device authorization", err)
	}
	return d, nil
}

// UpdateDeviceAuth runs update on the authorization codeDigest inside the
// write transaction that stores its result, so no other update of the
// record can interleave. update must not call the store (the writer is
// busy with this transaction) and should be quick: every writer waits for
// it. Only Status, UserID, DecidedAt, LastPollAt, Polls and Interval are
// written; changes to other fields are ignored. An error from update rolls
// back and is returned as is. Returns sso.ErrNotFound if there is no such
// authorization.
func (s *Store) UpdateDeviceAuth(ctx context.Context, codeDigest []byte, update func(sso.DeviceAuth) (sso.DeviceAuth, error)) (sso.DeviceAuth, error) {
	const op = "update device authorization"
	var stored sso.DeviceAuth
	err := s.write(ctx, op, func(ctx context.Context, tx *wtx) error {
		old, err := scanDevice(tx.QueryRowContext(ctx,
			`SELECT `+deviceColumns+` FROM device_auths WHERE code_digest = ?`, blob(codeDigest)))
		if err != nil {
			return mapErr(ctx, op, err)
		}
		// update gets a copy, so whatever it does to the slices it holds
		// cannot reach the record returned below.
		arg := old
		arg.CodeDigest, arg.UserCodeDigest = bytes.Clone(old.CodeDigest), bytes.Clone(old.UserCodeDigest)
		arg.Scopes = slices.Clone(old.Scopes)
		next, err := update(arg)
		if err != nil {
			return err
		}
		stored = old
		stored.Status, stored.UserID, stored.DecidedAt = next.Status, next.UserID, roundTrip(next.DecidedAt)
		stored.LastPollAt, stored.Polls, stored.Interval = roundTrip(next.LastPollAt), next.Polls, next.Interval
		if sameMutable(stored, old) {
			return nil // a read: no write, so the commit syncs nothing
		}
		if _, err := tx.ExecContext(ctx, `UPDATE device_auths
			SET status = ?, user_id = ?, decided_at = ?, last_poll_at = ?, polls = ?, poll_interval = ?
			WHERE code_digest = ?`,
			string(next.Status), next.UserID, msTime(next.DecidedAt), msTime(next.LastPollAt), next.Polls,
			next.Interval, blob(codeDigest)); err != nil {
			return mapErr(ctx, op, err)
		}
		return nil
	})
	if err != nil {
		return sso.DeviceAuth{}, err
	}
	return stored, nil
}

// sameMutable reports whether a and b agree on every field UpdateDeviceAuth
// writes. Times are compared as stored, to the millisecond.
func sameMutable(a, b sso.DeviceAuth) bool {
	return a.Status == b.Status && a.UserID == b.UserID && a.DecidedAt.Equal(b.DecidedAt) &&
		a.LastPollAt.Equal(b.LastPollAt) && a.Polls == b.Polls && a.Interval == b.Interval
}

// RedeemDeviceAuth moves the approved authorization codeDigest to redeemed
// and stores issue in one transaction: the conditional UPDATE decides the
// one winner among concurrent polls. Returns sso.ErrConflict if it is not
// approved and sso.ErrNotFound if it does not exist; in both cases nothing
// is stored.
func (s *Store) RedeemDeviceAuth(ctx context.Context, codeDigest []byte, issue sso.Issue) error {
	const op = "redeem device authorization"
	return s.write(ctx, op, func(ctx context.Context, tx *wtx) error {
		if err := casUpdate(ctx, tx, op,
			`UPDATE device_auths SET status = ? WHERE code_digest = ? AND status = ?`,
			`SELECT 1 FROM device_auths WHERE code_digest = ?`, blob(codeDigest),
			string(sso.DeviceRedeemed), blob(codeDigest), string(sso.DeviceApproved)); err != nil {
			return err
		}
		return insertIssue(ctx, tx, op, issue)
	})
}

// CountDeviceAuths returns how many authorizations expire after now, by
// status (a range of the expires_at index).
func (s *Store) CountDeviceAuths(ctx context.Context, now time.Time) (map[sso.DeviceStatus]int, error) {
	rows, err := s.query(ctx, `SELECT status, count(*) FROM device_auths WHERE expires_at > ? GROUP BY status`, msTime(now))
	if err != nil {
		return nil, mapErr(ctx, "count device authorizations", err)
	}
	defer rows.Close()
	out := map[sso.DeviceStatus]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, mapErr(ctx, "count device authorizations", err)
		}
		out[sso.DeviceStatus(st)] = n
	}
	return out, mapErr(ctx, "count device authorizations", rows.Err())
}
