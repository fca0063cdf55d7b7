package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// countHit counts one event under ?1 at ?2 in a window that ends at ?3:
// the upsert either counts into the window or, if it has ended, starts a
// new one. In DO UPDATE, bare column names are the stored row and every
// SET expression sees the row as it was before the update. Hit adds
// RETURNING; Take a WHERE that holds only while the window has room.
const countHit = `INSERT INTO rate_limits (key, window_start, count, expires_at)
	VALUES (?1, ?2, 1, ?3)
	ON CONFLICT (key) DO UPDATE SET
		window_start = CASE WHEN excluded.window_start >= expires_at THEN excluded.window_start ELSE window_start END,
		count        = CASE WHEN excluded.window_start >= expires_at THEN 1 ELSE count + 1 END,
		expires_at   = CASE WHEN excluded.window_start >= expires_at THEN excluded.expires_at ELSE expires_at END`

// Hit counts one event under key in a fixed window that covers
// [start, start+window), where start is the first event after the previous
// window ended. One upsert reads and writes the counter, so concurrent hits
// from any number of processes count exactly.
func (s *Store) Hit(ctx context.Context, key string, window time.Duration, now time.Time) (int, error) {
	const op = "count rate-limit hit"
	var n int
	err := s.write(ctx, op, func(ctx context.Context, tx *wtx) error {
		// In DO UPDATE, bare column names are the stored row and every SET
		// expression sees the row as it was before the update.
		err := tx.QueryRowContext(ctx, countHit+` RETURNING count`,
			key, now.UnixMilli(), now.Add(window).UnixMilli()).Scan(&n)
		return mapErr(ctx, op, err)
	})
	return n, err
}

// Count returns how many events key has had in the window that covers now,
// without counting one: 0 if it has none or its window has ended.
func (s *Store) Count(ctx context.Context, key string, now time.Time) (int, error) {
	var n int
	err := s.queryRow(ctx, `SELECT count FROM rate_limits WHERE key = ? AND expires_at > ?`,
		key, now.UnixMilli()).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, mapErr(ctx, "count rate-limit hits", err)
	}
	return n, nil
}

// Take counts one event under key, as Hit does, unless key already has
// limit events in its current window. The upsert's DO UPDATE has a WHERE
// that holds only while the window has room (or has ended): when it does
// not, no row is written and RETURNING gives none, so a refusal writes
// nothing. The writer runs one job at a time, so the count read back after
// a refusal is the one that refused it.
func (s *Store) Take(ctx context.Context, key string, limit int, window time.Duration, now time.Time) (int, bool, error) {
	const op = "take rate-limit slot"
	var n int
	taken := true
	err := s.write(ctx, op, func(ctx context.Context, tx *wtx) error {
		err := tx.QueryRowContext(ctx, countHit+` WHERE excluded.window_start >= expires_at OR count < ?4 RETURNING count`,
			key, now.UnixMilli(), now.Add(window).UnixMilli(), limit).Scan(&n)
		if errors.Is(err, sql.ErrNoRows) {
			taken = false
			err = tx.QueryRowContext(ctx, `SELECT count FROM rate_limits WHERE key = ?`, key).Scan(&n)
		}
		return mapErr(ctx, op, err)
	})
	if err != nil {
		return 0, false, err
	}
	return n, taken, nil
}

// Release gives back one event Take counted under key at takenAt, if the
// window that covered takenAt is still key's window and has events.
func (s *Store) Release(ctx context.Context, key string, takenAt time.Time) error {
	const op = "release rate-limit slot"
	return s.write(ctx, op, func(ctx context.Context, tx *wtx) error {
		ms := takenAt.UnixMilli()
		_, err := tx.ExecContext(ctx, `UPDATE rate_limits SET count = count - 1
			WHERE key = ? AND window_start <= ? AND expires_at > ? AND count > 0`, key, ms, ms)
		return mapErr(ctx, op, err)
	})
}

// Secret returns the secret stored under name, storing the value of
// generate first if there is none. generate runs outside any transaction;
// when callers race, the first insert wins and every caller reads it back.
// An error from generate is returned as is and nothing is stored.
func (s *Store) Secret(ctx context.Context, name string, generate func() ([]byte, error)) ([]byte, error) {
	const op = "get secret"
	var v blob
	err := s.queryRow(ctx, `SELECT value FROM secrets WHERE name = ?`, name).Scan(&v)
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, mapErr(ctx, op, err)
	}
	fresh, err := generate()
	if err != nil {
		return nil, err
	}
	err = s.write(ctx, op, func(ctx context.Context, tx *wtx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`,
			name, blob(fresh)); err != nil {
			return mapErr(ctx, op, err)
		}
		return mapErr(ctx, op, tx.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = ?`, name).Scan(&v))
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}
