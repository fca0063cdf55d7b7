package sqlite

import (
	"context"
	"encoding/json"
	"time"
)

// collectBatch is how many records one collection transaction deletes at
// most, so that a large backlog never holds the writer for long: other
// writes slip in between batches.
const collectBatch = 1000

// expiring lists the tables whose rows carry their own expiry, with their
// key column and the condition that a row has expired (? is the cutoff).
// A client also expires unused: unused_until is 0 once it has started an
// authorization, so the partial index on unused_until > 0 finds the rest.
var expiring = []struct{ table, key, expired string }{
	{"clients", "id", "expires_at < ?"},
	{"clients", "id", "unused_until > 0 AND unused_until < ?"},
	{"device_auths", "code_digest", "expires_at < ?"},
	{"auth_codes", "digest", "expires_at < ?"},
	{"access_tokens", "digest", "expires_at < ?"},
	{"sessions", "digest", "expires_at < ?"},
	{"flows", "digest", "expires_at < ?"},
	{"rate_limits", "key", "expires_at < ?"},
	{"admin_requests", "id", "expires_at < ?"},
}

// DeleteExpired deletes every record whose expiry is before before (an
// expiry equal to before is kept), clients unused past their UnusedUntil,
// and the tokens of every expired family,
// and returns how many records it deleted, tokens included. It works in
// batches of separate transactions; if ctx ends part-way, what was deleted
// stays deleted and the count so far comes back with the error.
func (s *Store) DeleteExpired(ctx context.Context, before time.Time) (int64, error) {
	cutoff := before.UnixMilli()
	var total int64
	for {
		n, err := s.collectFamilies(ctx, cutoff)
		total += n
		if err != nil {
			return total, err
		}
		if n == 0 {
			break
		}
	}
	for _, t := range expiring {
		for {
			var n int64
			err := s.write(ctx, "delete expired "+t.table, func(ctx context.Context, tx *wtx) error {
				res, err := tx.ExecContext(ctx, `DELETE FROM `+t.table+` WHERE `+t.key+` IN
					(SELECT `+t.key+` FROM `+t.table+` WHERE `+t.expired+` LIMIT ?)`, cutoff, collectBatch)
				if err != nil {
					return mapErr(ctx, "delete expired "+t.table, err)
				}
				n, err = res.RowsAffected()
				return mapErr(ctx, "delete expired "+t.table, err)
			})
			total += n
			if err != nil {
				return total, err
			}
			if n < collectBatch {
				break
			}
		}
	}
	return total, nil
}

// collectFamilies deletes one batch of expired families with their tokens
// and returns how many rows went.
func (s *Store) collectFamilies(ctx context.Context, cutoff int64) (int64, error) {
	const op = "delete expired families"
	var total int64
	err := s.write(ctx, op, func(ctx context.Context, tx *wtx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id FROM families WHERE expires_at < ? LIMIT ?`, cutoff, collectBatch)
		if err != nil {
			return mapErr(ctx, op, err)
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return mapErr(ctx, op, err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return mapErr(ctx, op, err)
		}
		if len(ids) == 0 {
			return nil
		}
		list, err := json.Marshal(ids)
		if err != nil {
			return err
		}
		// Tokens first, explicitly, so that they are counted; the foreign
		// keys' cascade would delete them uncounted.
		for _, table := range []string{"access_tokens", "refresh_tokens"} {
			res, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE family_id IN (SELECT value FROM json_each(?))`, string(list))
			if err != nil {
				return mapErr(ctx, op, err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return mapErr(ctx, op, err)
			}
			total += n
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM families WHERE id IN (SELECT value FROM json_each(?))`, string(list))
		if err != nil {
			return mapErr(ctx, op, err)
		}
		n, err := res.RowsAffected()
		total += n
		return mapErr(ctx, op, err)
	})
	if err != nil {
		return 0, err
	}
	return total, nil
}
