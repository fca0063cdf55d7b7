package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// txKey carries the transaction of a write whose context has audit events.
type txKey struct{}

// q is what a write's statements run on: the transaction that write runs
// in, if it runs in one (see write), and the pool otherwise.
func (s *Store) q(ctx context.Context) querier {
	if c, ok := ctx.Value(txKey{}).(querier); ok {
		return c
	}
	return s.pool
}

// write runs the write fn through do. When ctx carries audit events
// (sso.WithEvent), fn runs in a transaction that also stores them, so the
// change and its events commit together or not at all; fn's statements
// must go through s.q(ctx). Such a write is never retried after a lost
// connection, whatever idempotent says: the events would be stored twice.
// A write without events costs what it did before: one statement on the
// pool.
func (s *Store) write(ctx context.Context, op string, idempotent bool, fn func(ctx context.Context) error) error {
	if !sso.HasEvents(ctx) {
		return s.do(ctx, op, idempotent, fn)
	}
	return s.do(ctx, op, false, func(ctx context.Context) error {
		return s.inTx(ctx, fn)
	})
}

// inTx runs fn in a READ COMMITTED transaction, stores the events of ctx
// in it (read after fn, which may decide them), and commits: the events
// and the COMMIT go in one round trip. An error of fn rolls back and is
// returned as is.
func (s *Store) inTx(ctx context.Context, fn func(ctx context.Context) error) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// A connection released inside a transaction (the rollback could not
	// be sent) is destroyed by the pool, which ends the transaction.
	defer conn.Release()
	c := conn.Conn()
	if _, err := c.Exec(ctx, `BEGIN ISOLATION LEVEL READ COMMITTED`); err != nil {
		rollback(context.WithoutCancel(ctx), c)
		return err
	}
	if err := fn(context.WithValue(ctx, txKey{}, conn)); err != nil {
		rollback(context.WithoutCancel(ctx), c)
		return err
	}
	evs := sso.EventsFrom(ctx)
	b := &pgx.Batch{}
	if err := queueEvents(b, evs); err != nil {
		rollback(context.WithoutCancel(ctx), c)
		return err
	}
	b.Queue(`COMMIT`)
	_, err = sendBatch(ctx, c, b, execThenCommit(len(evs)))
	return err
}

const eventRowCols = `time, type, actor_type, actor_id, actor_name, target_type, target_id, target_name, target_user,
	address, details, subject`

const insertEventSQL = `INSERT INTO audit_events (` + eventRowCols + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`

// queueEvents queues the inserts of evs on b.
func queueEvents(b *pgx.Batch, evs []sso.Event) error {
	for _, e := range evs {
		args, err := eventArgs(e)
		if err != nil {
			return err
		}
		b.Queue(insertEventSQL, args...)
	}
	return nil
}

// eventArgs are the 12 values of e's row, in the order of eventRowCols.
func eventArgs(e sso.Event) ([]any, error) {
	if e.Time.IsZero() {
		return nil, errZeroTime("write audit event", "the event time")
	}
	details := e.Details
	if details == nil {
		details = map[string]string{}
	}
	d, err := json.Marshal(details)
	if err != nil {
		return nil, err
	}
	return []any{e.Time, e.Type, e.Actor.Type, e.Actor.ID, clean(e.Actor.Name),
		e.Target.Type, clean(e.Target.ID), clean(e.Target.Name), clean(e.Target.User), clean(e.Address), d,
		clean(e.Subject())}, nil
}

// withEvents adds to sql, a statement whose CTE "won" yields a row
// exactly when it makes its change and that ends with a SELECT, one CTE
// per event of ctx that stores it for each row of won; the events' values
// follow args. The change and its events are then one statement, atomic
// by itself: one round trip, where a transaction would take four (BEGIN,
// the change, the events, COMMIT). It returns ctx without the events,
// for the write that runs the statement.
func withEvents(ctx context.Context, sql string, args []any) (context.Context, string, []any, error) {
	evs := sso.EventsFrom(ctx)
	if len(evs) == 0 {
		return ctx, sql, args, nil
	}
	end := strings.LastIndex(sql, "\nSELECT ")
	var b strings.Builder
	b.WriteString(sql[:end])
	for i, e := range evs {
		ea, err := eventArgs(e)
		if err != nil {
			return ctx, "", nil, err
		}
		b.WriteString(",\n" + insertIf("ev"+itoa(i), "audit_events", eventRowCols, "won", len(args)+1, len(ea), 0))
		args = append(args, ea...)
	}
	b.WriteString(sql[end:])
	return sso.WithoutEvents(ctx), b.String(), args, nil
}

// insertEvents stores evs with q, in one round trip.
func insertEvents(ctx context.Context, q querier, evs []sso.Event) error {
	b := &pgx.Batch{}
	if err := queueEvents(b, evs); err != nil {
		return err
	}
	sender, ok := q.(interface {
		SendBatch(context.Context, *pgx.Batch) pgx.BatchResults
	})
	if !ok {
		for _, qq := range b.QueuedQueries {
			if _, err := q.Exec(ctx, qq.SQL, qq.Arguments...); err != nil {
				return err
			}
		}
		return nil
	}
	return sender.SendBatch(ctx, b).Close()
}

// clean makes s storable as text (no NUL, valid UTF-8): event fields may
// quote what a client sent.
func clean(s string) string {
	if storable(s) {
		return s
	}
	b := []rune{}
	for _, r := range s {
		if r != 0 && r != '\uFFFD' {
			b = append(b, r)
		}
	}
	return string(b)
}

// errNotText refuses a value PostgreSQL text cannot hold (NUL, invalid
// UTF-8) in a record to store: the services validate what people type, so
// this is a caller's bug, reported as internal.
var errNotText = errors.New("a text field holds NUL or invalid UTF-8")

// tx runs fn in one READ COMMITTED transaction with the audit events of
// ctx, through do: retried on serialization failures and deadlocks, never
// after a lost connection. An error of fn wrapped in callerError comes back
// as is.
func (s *Store) tx(ctx context.Context, op string, fn func(ctx context.Context, q querier) error) error {
	return s.do(ctx, op, false, func(ctx context.Context) error {
		return s.inTx(ctx, func(ctx context.Context) error { return fn(ctx, s.q(ctx)) })
	})
}

func itoa(i int) string { return strconv.Itoa(i) }
