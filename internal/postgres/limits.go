package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// countHit counts one event under $1 at $2 in a window that ends at $3:
// the upsert either counts into the window or, if it has ended
// (expires_at <= now: the window is [start, start+window)), starts a new
// one at now. Hit adds RETURNING; Take a WHERE that holds only while the
// window has room.
const countHit = `INSERT INTO rate_limits AS r (key, window_start, count, expires_at)
	VALUES ($1, $2, 1, $3)
	ON CONFLICT (key) DO UPDATE SET
		window_start = CASE WHEN r.expires_at <= $2 THEN excluded.window_start ELSE r.window_start END,
		count        = CASE WHEN r.expires_at <= $2 THEN 1 ELSE r.count + 1 END,
		expires_at   = CASE WHEN r.expires_at <= $2 THEN excluded.expires_at ELSE r.expires_at END`

// Hit counts one event under key and returns how many events key has had
// in its current fixed window, this one included, in one statement: the
// upsert either counts into the window or, if the window has ended
// (expires_at <= now: the window is [start, start+window)), starts a new
// one at now. Concurrent hits on one key queue on its row lock.
//
// The transaction commits with synchronous_commit off: a count is not an
// acknowledged write of anyone's data, and waiting for the WAL flush would
// cap one hot key (one attacker's address) at about one hit per flush
// while the queue holds pool connections. A PostgreSQL crash can forget
// the last fraction of a second of counts; nothing else is affected. The
// four statements go in one round trip.
func (s *Store) Hit(ctx context.Context, key string, window time.Duration, now time.Time) (int, error) {
	var n int
	err := s.do(ctx, "hit", false, func(ctx context.Context) error {
		b := &pgx.Batch{}
		b.Queue(`BEGIN`)
		b.Queue(`SET LOCAL synchronous_commit = off`)
		b.Queue(countHit+` RETURNING count`, []byte(key), now, now.Add(window)).QueryRow(func(row pgx.Row) error { return row.Scan(&n) })
		b.Queue(`COMMIT`)
		return s.pool.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// Count returns how many events key has had in its current window at now
// without counting one; 0 if it has none or its window has ended.
func (s *Store) Count(ctx context.Context, key string, now time.Time) (int, error) {
	var n int
	err := s.do(ctx, "count", true, func(ctx context.Context) error {
		err := s.pool.QueryRow(ctx, `SELECT count FROM rate_limits WHERE key = $1 AND expires_at > $2`, []byte(key), now).Scan(&n)
		if errors.Is(err, pgx.ErrNoRows) {
			n = 0
			return nil
		}
		return err
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// Take counts one event under key, as Hit does, unless key already has
// limit events in its current window. The upsert's DO UPDATE has a WHERE
// that holds only while the window has room (or has ended); when it does
// not, nothing is written and RETURNING gives no row. The upsert takes the
// row's lock either way, so the count read after it in the same
// transaction is the one that refused. Like Hit, it commits with
// synchronous_commit off, in one round trip.
func (s *Store) Take(ctx context.Context, key string, limit int, window time.Duration, now time.Time) (int, bool, error) {
	var n int
	var taken bool
	err := s.do(ctx, "take", false, func(ctx context.Context) error {
		taken = false
		b := &pgx.Batch{}
		b.Queue(`BEGIN`)
		b.Queue(`SET LOCAL synchronous_commit = off`)
		b.Queue(countHit+` WHERE r.expires_at <= $2 OR r.count < $4 RETURNING count`, []byte(key), now, now.Add(window), limit).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				taken = true
			}
			return rows.Err()
		})
		b.Queue(`SELECT count FROM rate_limits WHERE key = $1`, []byte(key)).QueryRow(func(row pgx.Row) error { return row.Scan(&n) })
		b.Queue(`COMMIT`)
		return s.pool.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return 0, false, err
	}
	return n, taken, nil
}

// Release gives back one event Take counted under key at takenAt, if the
// window that covered takenAt is still key's window and has events. One
// statement, committed with synchronous_commit off as every count is.
func (s *Store) Release(ctx context.Context, key string, takenAt time.Time) error {
	return s.do(ctx, "release", false, func(ctx context.Context) error {
		b := &pgx.Batch{}
		b.Queue(`BEGIN`)
		b.Queue(`SET LOCAL synchronous_commit = off`)
		b.Queue(`UPDATE rate_limits SET count = count - 1
			WHERE key = $1 AND window_start <= $2 AND expires_at > $2 AND count > 0`, []byte(key), takenAt)
		b.Queue(`COMMIT`)
		return s.pool.SendBatch(ctx, b).Close()
	})
}

// Secret returns the secret stored under name, storing the value of
// generate first if there is none. Racing callers (in any process) all get
// the value that was stored first: the insert is ON CONFLICT DO NOTHING,
// and a caller whose insert did nothing reads the winner's value in a new
// statement, whose snapshot includes it.
func (s *Store) Secret(ctx context.Context, name string, generate func() ([]byte, error)) ([]byte, error) {
	var value []byte
	err := s.do(ctx, "secret", false, func(ctx context.Context) error {
		const get = `SELECT value FROM secrets WHERE name = $1`
		err := s.pool.QueryRow(ctx, get, name).Scan(&value)
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		v, err := generate()
		if err != nil {
			return callerError{err}
		}
		err = s.pool.QueryRow(ctx, `INSERT INTO secrets (name, value) VALUES ($1, $2)
			ON CONFLICT (name) DO NOTHING RETURNING value`, name, v).Scan(&value)
		if errors.Is(err, pgx.ErrNoRows) {
			err = s.pool.QueryRow(ctx, get, name).Scan(&value)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return value, nil
}

// collectBatch bounds how many rows of each table one DeleteExpired
// statement removes, so that a backlog (after the collector was stopped
// for a week, say) is worked off in statements that each finish well
// within the statement timeout, instead of one that never does.
const collectBatch = 5000

// DeleteExpired deletes the clients, device authorizations, authorization
// codes, families with all their tokens, access tokens, sessions, flows,
// rate-limit windows and SSO Admin request records whose expiry is before
// before, and the clients unused past their unused_until, and returns how
// many rows it deleted. Each round is one statement of DELETEs in CTEs, at
// most collectBatch rows of each table (a family's tokens go with it);
// rounds repeat until one finds nothing. Every filter has an index. If ctx ends
// between rounds, what earlier rounds deleted stays deleted.
func (s *Store) DeleteExpired(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	for {
		var n int64
		err := s.do(ctx, "delete expired", false, func(ctx context.Context) error {
			return s.pool.QueryRow(ctx, deleteExpiredSQL, before, collectBatch).Scan(&n)
		})
		if err != nil {
			return total, err
		}
		total += n
		if n == 0 {
			return total, nil
		}
	}
}

const deleteExpiredSQL = `WITH
	c  AS (DELETE FROM clients WHERE id IN
		(SELECT id FROM clients WHERE expires_at < $1 LIMIT $2) OR id IN
		(SELECT id FROM clients WHERE unused_until < $1 LIMIT $2) RETURNING 1),
	d  AS (DELETE FROM device_auths WHERE code_digest IN
		(SELECT code_digest FROM device_auths WHERE expires_at < $1 LIMIT $2) RETURNING 1),
	ac AS (DELETE FROM auth_codes WHERE digest IN
		(SELECT digest FROM auth_codes WHERE expires_at < $1 LIMIT $2) RETURNING 1),
	f  AS (DELETE FROM families WHERE id IN
		(SELECT id FROM families WHERE expires_at < $1 LIMIT $2) RETURNING id),
	at AS (DELETE FROM access_tokens WHERE family_id IN (SELECT id FROM f) OR digest IN
		(SELECT digest FROM access_tokens WHERE expires_at < $1 LIMIT $2) RETURNING 1),
	rt AS (DELETE FROM refresh_tokens WHERE family_id IN (SELECT id FROM f) RETURNING 1),
	se AS (DELETE FROM sessions WHERE digest IN
		(SELECT digest FROM sessions WHERE expires_at < $1 LIMIT $2) RETURNING 1),
	rl AS (DELETE FROM rate_limits WHERE key IN
		(SELECT key FROM rate_limits WHERE expires_at < $1 LIMIT $2) RETURNING 1),
	fl AS (DELETE FROM flows WHERE digest IN
		(SELECT digest FROM flows WHERE expires_at < $1 LIMIT $2) RETURNING 1),
	ar AS (DELETE FROM admin_requests WHERE id IN
		(SELECT id FROM admin_requests WHERE expires_at < $1 LIMIT $2) RETURNING 1)
	SELECT (SELECT count(*) FROM c) + (SELECT count(*) FROM d) + (SELECT count(*) FROM ac) +
		(SELECT count(*) FROM f) + (SELECT count(*) FROM at) + (SELECT count(*) FROM rt) +
		(SELECT count(*) FROM se) + (SELECT count(*) FROM rl) + (SELECT count(*) FROM fl) +
		(SELECT count(*) FROM ar)`
