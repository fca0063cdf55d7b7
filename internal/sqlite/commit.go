package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// maxBatch bounds how many writes share one transaction: enough to turn
// a burst into a handful of commits, small enough that the first writer
// of a batch does not wait long for the last.
const maxBatch = 256

// maxCachedStmts bounds the writer's prepared statements. The store's
// statements are constants, so the cache fills once; the bound only keeps
// a query built at run time from growing it without end.
const maxCachedStmts = 512

// errClosed answers writes after Close.
var errClosed = errors.New("sqlite: store is closed")

// writeJob is one write waiting for the writer.
type writeJob struct {
	ctx  context.Context
	op   string
	fn   func(ctx context.Context, tx *wtx) error
	done chan error
}

// committed is a batch whose transaction has committed and whose results
// wait for the sync that makes it durable.
type committed struct {
	jobs    []*writeJob
	results []error
}

// write runs fn in a BEGIN IMMEDIATE transaction on the writer connection
// and returns once that transaction is committed and durable (synced, at
// the default SyncFull): an acknowledged write survives a power cut. Every
// write of the store goes through here.
//
// Group commit, pipelined with the sync: the writer goroutine runs each
// write inside its own savepoint of one open transaction as it arrives.
// It commits that transaction when the syncer goroutine is free and hands
// it over; the syncer syncs the WAL and only then answers the writes'
// callers. While that sync is in flight the writer already runs the next
// writes in a new transaction, so the disk's sync latency decides how
// many writes share a commit, not how often the writer may run one. An
// error from fn rolls back only that write's savepoint and is returned to
// its caller unchanged (fn maps its own errors); the others commit. If the
// commit fails, every write of the batch gets the error and none is
// stored.
//
// fn runs with a context that is not cancelled with the caller's: a
// cancellation must not interrupt a statement, which would roll back the
// whole shared transaction. A caller whose context is done before its
// write starts gets the context's error and nothing is written.
func (s *Store) write(ctx context.Context, op string, fn func(ctx context.Context, tx *wtx) error) error {
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
		// The writer and the syncer stopped; they answer everything they
		// took, so a job still unanswered was never run.
		select {
		case err := <-j.done:
			return err
		default:
			return fmt.Errorf("sqlite: %s: %w", op, errClosed)
		}
	}
}

// batch is the writer's open transaction and the writes run in it.
type batch struct {
	jobs    []*writeJob
	results []error
	// events are the audit events of the batch's writes that succeeded,
	// stored right before its COMMIT (see commit).
	events []sso.Event
}

// writer is the goroutine that owns the writer connection.
func (s *Store) writer() {
	w := &wtx{db: s.w, replaced: func() { s.walGen.Add(1) }}
	var cur batch
	idle := true // the syncer is free: no committed batch awaits its sync
	defer func() {
		// Stopping: what is already run is committed and answered.
		if len(cur.jobs) > 0 {
			if !idle {
				<-s.syncIdle
			}
			s.commit(w, &cur)
		}
		s.drainClosed()
		w.close()
		close(s.toSync)
	}()
	for {
		if len(cur.jobs) == 0 {
			select {
			case j := <-s.jobs:
				s.run(w, &cur, j)
			case <-s.stop:
				return
			}
			continue
		}
		// Take every write already queued before deciding to commit.
		if len(cur.jobs) < maxBatch {
			select {
			case j := <-s.jobs:
				s.run(w, &cur, j)
				continue
			default:
			}
		}
		if idle {
			idle = !s.commit(w, &cur)
			continue
		}
		jobs := s.jobs
		if len(cur.jobs) >= maxBatch {
			jobs = nil // full: wait for the syncer
		}
		select {
		case <-s.syncIdle:
			idle = true
		case j := <-jobs:
			s.run(w, &cur, j)
		case <-s.stop:
			return
		}
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

// run runs write j in its own savepoint of the open transaction, opening
// one first if there is none.
func (s *Store) run(w *wtx, cur *batch, j *writeJob) {
	if err := j.ctx.Err(); err != nil {
		j.done <- mapErr(j.ctx, j.op, err)
		return
	}
	if err := s.syncFailed(); err != nil {
		j.done <- mapErr(j.ctx, j.op+": sync", err)
		return
	}
	ctx := context.Background()
	if len(cur.jobs) == 0 {
		if err := w.begin(ctx); err != nil {
			j.done <- mapErr(ctx, j.op+": begin", err)
			return
		}
	}
	if _, err := w.ExecContext(ctx, `SAVEPOINT w`); err != nil {
		s.abort(w, cur, j, "savepoint", err)
		return
	}
	result := j.fn(ctx, w)
	if result == nil {
		// The audit events of the change are stored in its transaction,
		// right before the COMMIT that makes both durable (or neither):
		// outside the write's savepoint, whose journal would copy every
		// page they touch, and all of a batch's in a row.
		evs := sso.EventsFrom(j.ctx)
		if result = checkEvents(evs); result == nil {
			cur.events = append(cur.events, evs...)
		}
	}
	if result != nil {
		// If SQLite rolled the whole transaction back by itself (a full
		// disk, say), the savepoint is gone: the batch failed as a whole.
		if _, err := w.ExecContext(ctx, `ROLLBACK TO w`); err != nil {
			s.abort(w, cur, j, "rollback to savepoint", err)
			return
		}
	}
	if _, err := w.ExecContext(ctx, `RELEASE w`); err != nil {
		s.abort(w, cur, j, "release savepoint", err)
		return
	}
	cur.jobs = append(cur.jobs, j)
	cur.results = append(cur.results, result)
}

// abort rolls the open transaction back and fails its writes and j.
func (s *Store) abort(w *wtx, cur *batch, j *writeJob, what string, err error) {
	w.rollback(context.Background())
	for _, o := range append(cur.jobs, j) {
		o.done <- mapErr(context.Background(), o.op+": "+what, err)
	}
	*cur = batch{}
}

// commit commits the open transaction and hands it to the syncer, which
// answers its writes once the WAL is synced. It reports whether the
// syncer got it (and so is busy now).
func (s *Store) commit(w *wtx, cur *batch) bool {
	ctx := context.Background()
	b := *cur
	*cur = batch{}
	var start time.Time
	if s.obs != nil {
		start = time.Now()
	}
	op := "commit"
	err := writeEvents(ctx, w, b.events)
	if err != nil {
		op = "write audit events"
	} else {
		_, err = w.ExecContext(ctx, `COMMIT`)
	}
	if err != nil {
		// No write of the batch is made without its events, nor the
		// other way round: the whole batch fails.
		w.rollback(ctx)
		for _, j := range b.jobs {
			j.done <- mapErr(ctx, j.op+": "+op, err)
		}
		return false
	}
	s.commits.Add(1)
	if s.obs != nil {
		s.obs.Committed(len(b.jobs), time.Since(start))
	}
	s.toSync <- committed{jobs: b.jobs, results: b.results}
	return true
}

// syncer is the goroutine that makes each committed batch durable (one
// sync of the WAL) before it answers the batch's writes.
func (s *Store) syncer() {
	defer close(s.writerDone)
	defer s.wal.close()
	for b := range s.toSync {
		err := s.syncFailed()
		if err == nil && s.syncWAL {
			var start time.Time
			if s.obs != nil {
				start = time.Now()
			}
			err = s.syncFile()
			if s.obs != nil && err == nil {
				s.obs.Synced(time.Since(start))
			}
			if err != nil {
				// After a failed fsync the kernel may have dropped the
				// dirty pages and a later fsync may succeed without them:
				// nothing written since can be called durable. Every
				// later write fails until the store is reopened, which
				// recovers the file from what the disk really holds.
				s.failSync(err)
			}
		}
		s.answer(b, err)
		s.syncIdle <- struct{}{}
	}
}

// answer returns the results of a committed batch to their callers, or
// syncErr to all of them.
func (s *Store) answer(b committed, syncErr error) {
	for i, j := range b.jobs {
		if syncErr != nil {
			j.done <- mapErr(context.Background(), j.op+": sync", syncErr)
			continue
		}
		j.done <- b.results[i]
	}
}

func (s *Store) syncFailed() error {
	if p := s.syncErr.Load(); p != nil {
		return *p
	}
	return nil
}

func (s *Store) failSync(err error) {
	err = fmt.Errorf("the WAL could not be synced; reopen the store: %w", err)
	s.syncErr.CompareAndSwap(nil, &err)
}

// wtx is the writer connection inside the transaction the writer runs:
// what a write function sees. Its statements are prepared once on the
// connection and reused, so a write pays for binding and stepping only.
// It is used by the writer goroutine alone.
type wtx struct {
	db       *sql.DB
	conn     *sql.Conn
	stmts    map[string]*sql.Stmt
	begun    bool   // a BEGIN succeeded on conn: its schema is loaded
	replaced func() // called when conn is dropped
}

// begin starts a BEGIN IMMEDIATE transaction, connecting first if needed.
func (t *wtx) begin(ctx context.Context) error {
	if t.conn == nil {
		c, err := t.db.Conn(ctx)
		if err != nil {
			return err
		}
		t.conn, t.stmts = c, map[string]*sql.Stmt{}
	}
	// The first BEGIN of a connection runs unprepared: preparing needs the
	// schema, whose read may find the file busy (another process opening
	// it) without waiting out the busy timeout as the BEGIN itself does.
	var err error
	if t.begun {
		_, err = t.ExecContext(ctx, `BEGIN IMMEDIATE`)
	} else {
		_, err = t.conn.ExecContext(ctx, `BEGIN IMMEDIATE`)
	}
	if err != nil {
		// The connection may be unusable: start over with a new one.
		t.close()
		return err
	}
	t.begun = true
	return nil
}

// rollback ends a failed transaction. If SQLite already rolled it back,
// ROLLBACK fails harmlessly; if the connection is broken, it is dropped.
func (t *wtx) rollback(ctx context.Context) {
	if _, err := t.conn.ExecContext(ctx, `ROLLBACK`); err != nil && errors.Is(err, sql.ErrConnDone) {
		t.close()
	}
}

func (t *wtx) close() {
	if t.conn == nil {
		return
	}
	for _, st := range t.stmts {
		_ = st.Close()
	}
	_ = t.conn.Close()
	t.conn, t.stmts, t.begun = nil, nil, false
	if t.replaced != nil {
		t.replaced()
	}
}

// stmt returns query prepared on the connection, or nil if it cannot be
// cached (the caller then runs it unprepared, which reports any error).
func (t *wtx) stmt(ctx context.Context, query string) *sql.Stmt {
	if st, ok := t.stmts[query]; ok {
		return st
	}
	if len(t.stmts) >= maxCachedStmts {
		return nil
	}
	st, err := t.conn.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	t.stmts[query] = st
	return st
}

// ExecContext runs a statement of the transaction.
func (t *wtx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := t.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return t.conn.ExecContext(ctx, query, args...)
}

// QueryRowContext runs a query of the transaction that returns one row.
func (t *wtx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.conn.QueryRowContext(ctx, query, args...)
}

// QueryContext runs a query of the transaction.
func (t *wtx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return t.conn.QueryContext(ctx, query, args...)
}

// execScript runs SQL of several statements (a migration) unprepared.
func (t *wtx) execScript(ctx context.Context, script string) error {
	_, err := t.conn.ExecContext(ctx, script)
	return err
}
