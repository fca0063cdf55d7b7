package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// txKey carries the transaction of a write whose context has audit events.
type txKey struct{}

// q is what a write's statements run on: the transaction that write runs
// in, if it runs in one (see write), and the pool otherwise.
func (s *Store) q(ctx context.Context) querier {
	if tx, ok := ctx.Value(txKey{}).(pgx.Tx); ok {
		return tx
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
// in it (read after fn, which may decide them), and commits. An error of
// fn rolls back and is returned as is.
func (s *Store) inTx(ctx context.Context, fn func(ctx context.Context) error) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := fn(context.WithValue(ctx, txKey{}, tx)); err != nil {
		return err
	}
	if evs := sso.EventsFrom(ctx); len(evs) > 0 {
		if err := insertEvents(ctx, tx, evs); err != nil {
			return err
		}
	}
	return tx.Commit(ctx)
}

const insertEventSQL = `INSERT INTO audit_events (time, type, actor_type, actor_id, actor_name,
	target_type, target_id, target_name, target_user, address, details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`

// insertEvents queues the inserts of evs on b.
func queueEvents(b *pgx.Batch, evs []sso.Event) error {
	for _, e := range evs {
		if e.Time.IsZero() {
			return errZeroTime("write audit event", "the event time")
		}
		details := e.Details
		if details == nil {
			details = map[string]string{}
		}
		d, err := json.Marshal(details)
		if err != nil {
			return err
		}
		b.Queue(insertEventSQL, e.Time, e.Type, e.Actor.Type, e.Actor.ID, clean(e.Actor.Name),
			e.Target.Type, clean(e.Target.ID), clean(e.Target.Name), clean(e.Target.User), clean(e.Address), d)
	}
	return nil
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
