package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

const insertEvent = `INSERT INTO audit_events (time, type, actor_type, actor_id, actor_name,
	target_type, target_id, target_name, target_user, address, details, subject) VALUES `

const eventRow = `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// maxEventRows is how many events one INSERT stores: a batch's events go
// in as few statements as this allows (each statement has its cost of
// binding and stepping), with at most this many prepared forms.
const maxEventRows = 16

// checkEvents refuses events that cannot be stored, before their write
// is accepted into a batch.
func checkEvents(evs []sso.Event) error {
	for _, e := range evs {
		if e.Time.IsZero() {
			return errZeroTime("write audit event", "the event time")
		}
	}
	return nil
}

// writeEvents stores evs inside the caller's transaction. The writer runs
// it right before the COMMIT of a batch, with the events of the batch's
// writes that succeeded, so a change and its events commit or roll back
// together.
func writeEvents(ctx context.Context, tx *wtx, evs []sso.Event) error {
	if err := checkEvents(evs); err != nil {
		return err
	}
	for len(evs) > 0 {
		n := min(len(evs), maxEventRows)
		args := make([]any, 0, 12*n)
		for _, e := range evs[:n] {
			details := e.Details
			if details == nil {
				details = map[string]string{}
			}
			args = append(args, msTime(e.Time), e.Type, e.Actor.Type, e.Actor.ID, e.Actor.Name,
				e.Target.Type, e.Target.ID, e.Target.Name, e.Target.User, e.Address, jsonDoc{details}, e.Subject())
		}
		if _, err := tx.ExecContext(ctx, insertEvents[n], args...); err != nil {
			return mapErr(ctx, "write audit event", err)
		}
		evs = evs[n:]
	}
	return nil
}

// insertEvents[n] is the INSERT of n events.
var insertEvents = func() []string {
	out := make([]string, maxEventRows+1)
	for n := 1; n <= maxEventRows; n++ {
		out[n] = insertEvent + strings.Repeat(eventRow+", ", n-1) + eventRow
	}
	return out
}()

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
	from := int64(0)
	if !q.Since.IsZero() {
		var err error
		if from, err = s.firstEventAt(ctx, q.Since); err != nil {
			return nil, err
		}
	}
	query, args := `SELECT `+eventColumns+` FROM audit_events WHERE seq < ? AND seq >= ?`, []any{before, from}
	if q.User != "" {
		query += ` AND subject = ? AND subject <> ''`
		args = append(args, q.User)
	}
	query += ` ORDER BY seq DESC`
	if q.Limit > 0 {
		query += ` LIMIT ?`
		args = append(args, q.Limit)
	}
	return listRows(ctx, s, "list audit events", scanEvent, query, args...)
}

// firstEventAt returns the seq of the first event at or after t, or one
// past the last event when there is none: a binary search on seq, since
// events are stored in the order they happen (the writer stamps and stores
// them in one goroutine's order, give or take a batch's milliseconds).
// Each probe is one lookup by rowid.
func (s *Store) firstEventAt(ctx context.Context, t time.Time) (int64, error) {
	var lo, hi int64
	if err := s.queryRow(ctx, `SELECT coalesce(min(seq), 0), coalesce(max(seq), 0) FROM audit_events`).Scan(&lo, &hi); err != nil {
		return 0, mapErr(ctx, "find audit events by time", err)
	}
	ans := hi + 1 // none: one past the last
	hi++
	// Each probe finds x, the first event at or after mid. One at or
	// after t is an answer, and any better one is before mid; one before
	// t rules out every event up to x.
	for lo < hi {
		mid := lo + (hi-lo)/2
		var x int64
		var at msTime
		err := s.queryRow(ctx, `SELECT seq, time FROM audit_events WHERE seq >= ? ORDER BY seq LIMIT 1`, mid).Scan(&x, &at)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			hi = mid
		case err != nil:
			return 0, mapErr(ctx, "find audit events by time", err)
		case time.Time(at).Before(t):
			lo = x + 1
		default:
			ans, hi = x, mid
		}
	}
	return ans, nil
}

// DeleteEventsBefore deletes the events older than t, in batches of the
// oldest.
func (s *Store) DeleteEventsBefore(ctx context.Context, t time.Time) (int64, error) {
	ctx = sso.WithoutEvents(ctx)
	end, err := s.firstEventAt(ctx, t)
	if err != nil {
		return 0, err
	}
	var total int64
	for {
		var n int64
		err := s.write(ctx, "delete audit events", func(ctx context.Context, tx *wtx) error {
			res, err := tx.ExecContext(ctx, `DELETE FROM audit_events WHERE seq IN
				(SELECT seq FROM audit_events WHERE seq < ? ORDER BY seq LIMIT ?)`, end, collectBatch)
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
