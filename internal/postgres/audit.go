package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// AppendEvents stores evs on their own, in one round trip.
func (s *Store) AppendEvents(ctx context.Context, evs ...sso.Event) error {
	if len(evs) == 0 {
		return nil
	}
	return s.do(ctx, "append audit events", false, func(ctx context.Context) error {
		return insertEvents(ctx, s.pool, evs)
	})
}

const eventCols = `seq, time, type, actor_type, actor_id, actor_name, target_type, target_id, target_name,
	target_user, address, details`

func scanEvent(row pgx.Row) (sso.Event, error) {
	var e sso.Event
	var details []byte
	if err := row.Scan(&e.Seq, &e.Time, &e.Type, &e.Actor.Type, &e.Actor.ID, &e.Actor.Name,
		&e.Target.Type, &e.Target.ID, &e.Target.Name, &e.Target.User, &e.Address, &details); err != nil {
		return sso.Event{}, err
	}
	if err := decodeDoc(details, &e.Details); err != nil {
		return sso.Event{}, err
	}
	if len(e.Details) == 0 {
		e.Details = nil
	}
	e.Time = e.Time.UTC()
	return e, nil
}

// ListEvents returns the events q selects, newest first.
func (s *Store) ListEvents(ctx context.Context, q sso.EventQuery) ([]sso.Event, error) {
	if !storable(q.User) {
		return nil, nil
	}
	before := q.Before
	if before <= 0 {
		before = 1<<63 - 1
	}
	since := q.Since
	if since.IsZero() {
		since = time.Unix(0, 0)
	}
	query := `SELECT ` + eventCols + ` FROM audit_events WHERE seq < $1 AND time >= $2`
	args := []any{before, since}
	if q.User != "" {
		query += ` AND subject = $3 AND subject <> ''`
		args = append(args, q.User)
	}
	query += ` ORDER BY seq DESC`
	if q.Limit > 0 {
		query += ` LIMIT ` + itoa(q.Limit)
	}
	return list2(ctx, s, "list audit events", scanEvent, query, args...)
}

// DeleteEventsBefore deletes the events older than t, in batches.
func (s *Store) DeleteEventsBefore(ctx context.Context, t time.Time) (int64, error) {
	var total int64
	for {
		var n int64
		err := s.do(ctx, "delete audit events", true, func(ctx context.Context) error {
			tag, err := s.pool.Exec(ctx, `DELETE FROM audit_events WHERE seq IN
				(SELECT seq FROM audit_events WHERE time < $1 LIMIT $2)`, t, collectBatch)
			n = tag.RowsAffected()
			return err
		})
		total += n
		if err != nil || n < collectBatch {
			return total, err
		}
	}
}
