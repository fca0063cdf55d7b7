package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"github.com/ssooidc/ssooidc/internal/sqlmigrate"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Store is an sso.Store in one SQLite file. It is safe for concurrent use,
// and several Stores (in one process or many) may share a file.
type Store struct {
	path string
	w    *sql.DB // the one writer connection, owned by the writer goroutine
	r    *sql.DB // query-only connections for reads

	jobs       chan *writeJob // writes waiting for the writer (commit.go)
	toSync     chan committed // the committed batch handed to the syncer
	syncIdle   chan struct{}  // the syncer is done with the batch it got
	syncWAL    bool           // the syncer syncs the WAL (SyncFull); otherwise SQLite syncs, or nothing does
	stop       chan struct{}  // closed by Close
	writerDone chan struct{}  // closed when the writer and the syncer have stopped
	closeOnce  sync.Once
	commits    atomic.Int64          // transactions committed by the writer
	syncErr    atomic.Pointer[error] // set by a failed sync: every later write fails
	wal        walFile
	walGen     atomic.Int64 // bumped when the writer connection is replaced
	syncFile   func() error // s.wal.sync; tests replace it
	reads      sync.Map     // query -> *sql.Stmt prepared on the reader pool
	obs        Observer     // nil: none
}

var _ sso.Store = (*Store)(nil)

// Option configures Open.
type Option interface{ apply(*config) }

type config struct {
	busyTimeout time.Duration
	readConns   int
	synchronous Synchronous
	mmapSize    int64
	observer    Observer
}

// Observer is told about the store's group commits, for metrics. Its
// methods run on the writer and the syncer goroutines, which every write
// waits for: they must return at once (an atomic update, not I/O).
type Observer interface {
	// Committed: a group commit of writes writes, whose COMMIT took d.
	Committed(writes int, d time.Duration)
	// Synced: a sync of the WAL (at SyncFull) that took d.
	Synced(d time.Duration)
}

// Observe has the store report its commits and syncs to o.
func Observe(o Observer) Option { return observeOption{o} }

type observeOption struct{ o Observer }

func (o observeOption) apply(c *config) { c.observer = o.o }

// MmapSize is how many bytes of the database file each connection reads
// through a memory map (PRAGMA mmap_size) instead of read(2) into its own
// page cache. The default is 0, no map, and it is the right choice for a
// store that is written to: in WAL mode a connection that finds the
// database changed since its last read drops its page cache and unmaps
// the whole file, so under a steady stream of writes every read pays an
// munmap and new page faults (measured: a refresh's token lookup took
// several times longer with a 256 MiB map). A read-mostly file gains: a
// lookup in a file larger than the page cache reads its pages without a
// system call or a copy. An I/O error on a mapped page is a fault
// (SIGBUS) that ends the process, not an error one request gets.
type MmapSize int64

func (o MmapSize) apply(c *config) { c.mmapSize = int64(o) }

// BusyTimeout is how long a connection waits for a lock that another
// process holds before it fails with SQLITE_BUSY. The default is 5 s.
type BusyTimeout time.Duration

func (o BusyTimeout) apply(c *config) { c.busyTimeout = time.Duration(o) }

// ReadConns caps the pool of read connections. The default is
// max(4, GOMAXPROCS).
type ReadConns int

func (o ReadConns) apply(c *config) { c.readConns = int(o) }

// Synchronous says when writes reach the disk. The default, SyncFull,
// makes every acknowledged write survive a power cut: the store syncs the
// WAL after each commit before it answers (itself, off the writer's path,
// so that one sync covers every batch committed meanwhile; SQLite runs at
// synchronous=NORMAL, which still syncs around checkpoints). SyncExtra
// leaves the syncing to SQLite at synchronous=EXTRA, a sync inside every
// commit. SyncNormal syncs only at checkpoints: a power cut may lose the
// last commits, though never corrupt the file.
type Synchronous string

// The synchronous levels Open accepts.
const (
	SyncNormal Synchronous = "NORMAL"
	SyncFull   Synchronous = "FULL"
	SyncExtra  Synchronous = "EXTRA"
)

func (o Synchronous) apply(c *config) { c.synchronous = o }

// Open opens the store in the file at path, creating the file (mode 0600)
// and its directory (mode 0700) if they do not exist, and applies the
// migrations the file lacks.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	cfg := config{busyTimeout: 5 * time.Second, readConns: max(4, runtime.GOMAXPROCS(0)), synchronous: SyncFull}
	for _, o := range opts {
		o.apply(&cfg)
	}
	switch cfg.synchronous {
	case SyncNormal, SyncFull, SyncExtra:
	default:
		return nil, fmt.Errorf("sqlite: synchronous must be NORMAL, FULL or EXTRA, not %q", cfg.synchronous)
	}
	if cfg.readConns < 1 || cfg.busyTimeout < 0 || cfg.mmapSize < 0 {
		return nil, errors.New("sqlite: ReadConns must be at least 1, BusyTimeout and MmapSize not negative")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	if err := create(abs); err != nil {
		return nil, err
	}

	common := url.Values{}
	common.Set("_busy_timeout", strconv.FormatInt(cfg.busyTimeout.Milliseconds(), 10))
	common.Set("_foreign_keys", "on")
	if cfg.mmapSize > 0 {
		common.Add("_pragma", "mmap_size("+strconv.FormatInt(cfg.mmapSize, 10)+")")
	}
	wq := cloneValues(common)
	wq.Set("_txlock", "immediate")
	wq.Set("_journal_mode", "WAL")
	level := cfg.synchronous
	if level == SyncFull {
		level = SyncNormal // and the syncer syncs the WAL after every commit
	}
	wq.Set("_synchronous", string(level))
	wq.Add("_pragma", "journal_size_limit(67108864)") // truncate the WAL to 64 MiB after a checkpoint
	rq := cloneValues(common)
	rq.Set("_query_only", "on")

	s := &Store{path: abs, jobs: make(chan *writeJob, maxBatch), toSync: make(chan committed, 1), syncIdle: make(chan struct{}, 1),
		syncWAL: cfg.synchronous == SyncFull, stop: make(chan struct{}), writerDone: make(chan struct{}), obs: cfg.observer}
	s.wal = walFile{path: abs, gen: &s.walGen}
	s.syncFile = s.wal.sync
	if s.w, err = sql.Open("sqlite", dsn(abs, wq)); err != nil {
		return nil, fmt.Errorf("sqlite: open writer: %w", err)
	}
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.w.SetConnMaxLifetime(0)
	s.w.SetConnMaxIdleTime(0)
	if s.r, err = sql.Open("sqlite", dsn(abs, rq)); err != nil {
		s.w.Close()
		return nil, fmt.Errorf("sqlite: open readers: %w", err)
	}
	s.r.SetMaxOpenConns(cfg.readConns)
	s.r.SetMaxIdleConns(cfg.readConns)
	s.r.SetConnMaxIdleTime(5 * time.Minute)

	go s.writer()
	go s.syncer()
	// The writer connects first: it turns WAL on before any reader opens.
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// create makes path's directory (0700) and the empty file (0600) if they
// are missing, so that SQLite never creates them with the umask's modes.
// SQLite gives the -wal and -shm files the mode of the database file.
func create(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("sqlite: create directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("sqlite: create database file: %w", err)
	}
	return f.Close()
}

func cloneValues(v url.Values) url.Values {
	c := url.Values{}
	for k, vs := range v {
		c[k] = slices.Clone(vs)
	}
	return c
}

// dsn is a SQLite URI filename: the path is escaped, so a '?' or '#' in it
// stays part of the name. modernc.org/sqlite reads its _ parameters from the
// query; SQLite ignores them.
func dsn(path string, q url.Values) string {
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path), RawQuery: q.Encode()}
	return u.String()
}

// Path returns the absolute path of the database file.
func (s *Store) Path() string { return s.path }

// Ping reports whether the database file can be read.
func (s *Store) Ping(ctx context.Context) error {
	var n int
	err := s.queryRow(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n)
	return mapErr(ctx, "ping", err)
}

// Close closes every connection. The last connection to close checkpoints
// the WAL into the database file.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.stop)
		if s.writerDone != nil {
			<-s.writerDone
		}
	})
	var errs []error
	s.reads.Range(func(_, st any) bool { _ = st.(*sql.Stmt).Close(); return true })
	if s.r != nil {
		errs = append(errs, s.r.Close())
	}
	if s.w != nil {
		errs = append(errs, s.w.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sqlite: close: %w", err)
	}
	return nil
}

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrations returns the embedded migrations in version order.
func migrations() ([]sqlmigrate.Migration, error) {
	ms, err := sqlmigrate.Load(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	return ms, nil
}

// migrate applies the migrations the file lacks, all in one write
// transaction: a second process opening the file at the same time waits
// for the lock and then finds them applied.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	return s.write(ctx, "migrate", func(ctx context.Context, tx *wtx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    INTEGER NOT NULL PRIMARY KEY,
			name       TEXT    NOT NULL,
			applied_at INTEGER NOT NULL
		) STRICT`); err != nil {
			return mapErr(ctx, "migrate", err)
		}
		var current int
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
			return mapErr(ctx, "migrate", err)
		}
		if current > len(ms) {
			return fmt.Errorf("sqlite: the database has schema version %d, newer than this binary's %d", current, len(ms))
		}
		for _, m := range ms[current:] {
			if err := tx.execScript(ctx, m.SQL); err != nil {
				return mapErr(ctx, "migrate "+m.Name, err)
			}
			// The applied time is bookkeeping for people, not store data, so
			// it is the one place the store reads the clock.
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.Version, m.Name, time.Now().UnixMilli()); err != nil {
				return mapErr(ctx, "migrate "+m.Name, err)
			}
		}
		return nil
	})
}

// stmt returns query prepared on the reader pool (database/sql prepares it
// on each reader connection once, as the connection first runs it).
func (s *Store) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := s.reads.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := s.r.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := s.reads.LoadOrStore(query, st); loaded {
		_ = st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// queryRow runs a read that returns one row through a prepared statement.
// Reads are index lookups of microseconds, so they run without the
// caller's cancellation: a cancellable context would cost the driver a
// goroutine per statement to watch it. A context already done when the
// read starts still fails it.
func (s *Store) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if ctx.Err() != nil {
		return s.r.QueryRowContext(ctx, query, args...) // reports ctx's error
	}
	ctx = context.WithoutCancel(ctx)
	st, err := s.stmt(ctx, query)
	if err != nil {
		return s.r.QueryRowContext(ctx, query, args...) // reports the error
	}
	return st.QueryRowContext(ctx, args...)
}

// query runs a read through a prepared statement; see queryRow.
func (s *Store) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ctx = context.WithoutCancel(ctx)
	st, err := s.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}
