package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// maxBatch bounds how many writes share one transaction: enough to turn
// a burst into a handful of commits, small enough that the first writer
// of a batch does not wait long for the last.
const maxBatch = 256

// errClosed answers writes after Close.
var errClosed = errors.New("sqlite: store is closed")

// writeJob is one write waiting for the writer.
type writeJob struct {
	ctx  context.Context
	op   string
	fn   func(ctx context.Context, tx *sql.Tx) error
	done chan error
}

// write runs fn in a BEGIN IMMEDIATE transaction on the writer and returns
// once that transaction has committed (synced, at the default
// synchronous=FULL): an acknowledged write is a durable write. Every write
// of the store goes through here.
//
// Group commit: writes that arrive while the writer is busy are run
// together in one transaction, each inside its own savepoint, and
// committed with one sync. An error from fn rolls back only that write's
// savepoint and is returned to its caller unchanged (fn maps its own
// errors); the others commit. If the commit fails, every write of the
// batch gets the error and none is stored.
//
// fn runs with a context that is not cancelled with the caller's: a
// cancellation must not interrupt a statement, which would roll back the
// whole shared transaction. A caller whose context is done before its
// write starts gets the context's error and nothing is written.
func (s *Store) write(ctx context.Context, op string, fn func(ctx context.Context, tx *sql.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return mapErr(ctx, op, err)
	}
	j := &writeJob{ctx: ctx, op: op, fn: fn, done: make(chan error, 1)}
	select {
	case s.jobs <- j:
	case <-ctx.Done():
		return mapErr(ctx, op, ctx.Err())
	case <-s.stop:
		return fmt.Errorf("sqlite: %s: %w", op, errClosed)
	}
	// Once queued, the outcome is awaited even if ctx ends meanwhile: the
	// write may already be part of a commit, and the caller must learn
	// whether it happened.
	select {
	case err := <-j.done:
		return err
	case <-s.writerDone:
		// The writer stopped; it answers everything it took, so a job
		// still unanswered was never run.
		select {
		case err := <-j.done:
			return err
		default:
			return fmt.Errorf("sqlite: %s: %w", op, errClosed)
		}
	}
}

// writer is the goroutine that owns the writer connection.
func (s *Store) writer() {
	defer close(s.writerDone)
	for {
		var first *writeJob
		select {
		case first = <-s.jobs:
		case <-s.stop:
			s.drainClosed()
			return
		}
		batch := []*writeJob{first}
	more:
		for len(batch) < maxBatch {
			select {
			case j := <-s.jobs:
				batch = append(batch, j)
			default:
				break more
			}
		}
		s.commitBatch(batch)
	}
}

// drainClosed answers the writes still queued when the store closes.
func (s *Store) drainClosed() {
	for {
		select {
		case j := <-s.jobs:
			j.done <- fmt.Errorf("sqlite: %s: %w", j.op, errClosed)
		default:
			return
		}
	}
}

func (s *Store) commitBatch(batch []*writeJob) {
	live := batch[:0:0]
	for _, j := range batch {
		if err := j.ctx.Err(); err != nil {
			j.done <- mapErr(j.ctx, j.op, err)
			continue
		}
		live = append(live, j)
	}
	if len(live) == 0 {
		return
	}
	ctx := context.Background()
	failAll := func(what string, err error) {
		for _, j := range live {
			j.done <- mapErr(ctx, j.op+": "+what, err)
		}
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		failAll("begin", err)
		return
	}
	results := make([]error, len(live))
	if len(live) == 1 {
		// Alone: the transaction is the write; no savepoint needed.
		if results[0] = live[0].fn(ctx, tx); results[0] != nil {
			_ = tx.Rollback()
			live[0].done <- results[0]
			return
		}
	} else {
		for i, j := range live {
			if _, err := tx.ExecContext(ctx, `SAVEPOINT w`); err != nil {
				_ = tx.Rollback()
				failAll("savepoint", err)
				return
			}
			if results[i] = j.fn(ctx, tx); results[i] != nil {
				// If SQLite rolled the whole transaction back by itself
				// (a full disk, say), the savepoint is gone: the batch
				// failed as a whole.
				if _, err := tx.ExecContext(ctx, `ROLLBACK TO w`); err != nil {
					_ = tx.Rollback()
					failAll("rollback to savepoint", err)
					return
				}
			}
			if _, err := tx.ExecContext(ctx, `RELEASE w`); err != nil {
				_ = tx.Rollback()
				failAll("release savepoint", err)
				return
			}
		}
	}
	if err := tx.Commit(); err != nil {
		failAll("commit", err)
		return
	}
	s.commits.Add(1)
	for i, j := range live {
		j.done <- results[i]
	}
}
