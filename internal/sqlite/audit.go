package sqlite

import (
	"context"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

const insertEvent = `INSERT INTO audit_events (time, type, actor_type, actor_id, actor_name,
	target_type, target_id, target_name, target_user, address, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// writeEvents stores evs inside the caller's transaction: the writer runs
// it after every write whose context carries events, in that write's
// savepoint, so a change and its events commit or roll back together.
func writeEvents(ctx context.Context, tx *wtx, evs []sso.Event) error {
	for _, e := range evs {
		if e.Time.IsZero() {
			return errZeroTime("write audit event", "the event time")
		}
		details := e.Details
		if details == nil {
			details = map[string]string{}
		}
		if _, err := tx.ExecContext(ctx, insertEvent, msTime(e.Time), e.Type, e.Actor.Type, e.Actor.ID, e.Actor.Name,
			e.Target.Type, e.Target.ID, e.Target.Name, e.Target.User, e.Address, jsonDoc{details}); err != nil {
			return mapErr(ctx, "write audit event", err)
		}
	}
	return nil
}

// AppendEvents stores evs on their own.
func (s *Store) AppendEvents(ctx context.Context, evs ...sso.Event) error {
	ctx = sso.WithoutEvents(ctx)
	return s.write(ctx, "append audit events", func(ctx context.Context, tx *wtx) error {
		return writeEvents(ctx, tx, evs)
	})
}

const eventColumns = `seq, time, type, actor_type, actor_id, actor_name, target_type, target_id, target_name,
	target_user, address, details`

func scanEvent(row scanner) (sso.Event, error) {
	var e sso.Event
	err := row.Scan(&e.Seq, (*msTime)(&e.Time), &e.Type, &e.Actor.Type, &e.Actor.ID, &e.Actor.Name,
		&e.Target.Type, &e.Target.ID, &e.Target.Name, &e.Target.User, &e.Address, jsonDoc{&e.Details})
	if len(e.Details) == 0 {
		e.Details = nil
	}
	return e, err
}

// ListEvents returns the events q selects, newest first.
func (s *Store) ListEvents(ctx context.Context, q sso.EventQuery) ([]sso.Event, error) {
	before := q.Before
	if before <= 0 {
		before = 1<<63 - 1
	}
	query, args := `SELECT `+eventColumns+` FROM audit_events WHERE seq < ? AND time >= ?`, []any{before, msTime(q.Since)}
	if q.User != "" {
		// Each side of the OR walks its own partial index.
		query = `SELECT ` + eventColumns + ` FROM audit_events WHERE seq IN (
			SELECT seq FROM audit_events WHERE actor_name = ?3 AND actor_name <> '' AND seq < ?1
			UNION SELECT seq FROM audit_events WHERE target_user = ?3 AND target_user <> '' AND seq < ?1) AND time >= ?2`
		args = append(args, q.User)
	}
	query += ` ORDER BY seq DESC`
	if q.Limit > 0 {
		query += ` LIMIT ?`
		args = append(args, q.Limit)
	}
	return listRows(ctx, s, "list audit events", scanEvent, query, args...)
}

// DeleteEventsBefore deletes the events older than t, in batches.
func (s *Store) DeleteEventsBefore(ctx context.Context, t time.Time) (int64, error) {
	ctx = sso.WithoutEvents(ctx)
	var total int64
	for {
		var n int64
		err := s.write(ctx, "delete audit events", func(ctx context.Context, tx *wtx) error {
			res, err := tx.ExecContext(ctx, `DELETE FROM audit_events WHERE seq IN
				(SELECT seq FROM audit_events WHERE time < ? LIMIT ?)`, msTime(t), collectBatch)
			if err != nil {
				return mapErr(ctx, "delete audit events", err)
			}
			n, err = res.RowsAffected()
			return mapErr(ctx, "delete audit events", err)
		})
		total += n
		if err != nil || n < collectBatch {
			return total, err
		}
	}
}
