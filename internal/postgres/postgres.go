package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// Store is an sso.Store in one PostgreSQL schema, shared by any number of
// processes. It is safe for concurrent use.
type Store struct {
	pool   *pgxpool.Pool
	schema string // Options.Schema; "" means the search_path's first schema
}

var _ sso.Store = (*Store)(nil)

// Options tune Open. The zero value of a field keeps what the DSN says
// (pool_max_conns, statement_timeout=..., connect_timeout, ...) and
// otherwise the default given with the field.
type Options struct {
	// Schema is the schema the store's tables live in; Open creates it if
	// it does not exist and puts it alone on the search_path. Empty: the
	// first schema of the DSN's or the server's search_path.
	Schema string
	// MaxConns caps the pool. Default: the DSN's pool_max_conns if it
	// has one, otherwise DefaultMaxConns.
	MaxConns int32
	// MinConns is how many connections the pool keeps open when idle.
	// Default 0.
	MinConns int32
	// MaxConnLifetime is how long a connection lives before the pool
	// replaces it. Default 1 hour.
	MaxConnLifetime time.Duration
	// StatementTimeout bounds each statement on the server (the
	// statement_timeout runtime parameter of every connection), and also
	// how long a session may sit idle inside a transaction. Default 5 s.
	StatementTimeout time.Duration
	// ConnectTimeout bounds opening one connection. Default 5 s.
	ConnectTimeout time.Duration
}

// DefaultMaxConns is the pool's default cap. pgxpool's own, the number
// of CPUs (at least 4), starves a small server: requests wait for a
// connection while PostgreSQL idles between round trips, and fewer
// commits share a WAL flush. Measured on 2 CPUs at 64 connections, 16
// connections made RegisterClient 1.6 times faster than 4. Sixteen a node
// keeps six nodes under PostgreSQL's default max_connections of 100.
const DefaultMaxConns = 16

const (
	defaultStatementTimeout = 5 * time.Second
	defaultConnectTimeout   = 5 * time.Second
)

// Open connects to the PostgreSQL database dsn (a postgres:// URL or a
// key=value string, as libpq takes) and applies the migrations the schema
// lacks (see Migrate). Connections are opened lazily, except the one
// Migrate needs and MinConns. No error Open returns repeats the DSN.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	cfg, err := config(dsn, opts)
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: create pool: %w", err)
	}
	s := &Store{pool: pool, schema: opts.Schema}
	if err := s.Migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// config turns dsn and opts into a pool configuration.
func config(dsn string, opts Options) (*pgxpool.Config, error) {
	if opts.MaxConns < 0 || opts.MinConns < 0 || opts.MaxConnLifetime < 0 ||
		opts.StatementTimeout < 0 || opts.ConnectTimeout < 0 {
		return nil, errors.New("postgres: Options must not be negative")
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx redacts passwords from its message only on a best-effort
		// basis, so none of its text is repeated.
		return nil, errors.New("postgres: the database DSN does not parse (a postgres:// URL or key=value pairs)")
	}
	switch {
	case opts.MaxConns > 0:
		cfg.MaxConns = opts.MaxConns
	case !strings.Contains(dsn, "pool_max_conns"):
		cfg.MaxConns = DefaultMaxConns
	}
	if opts.MinConns > 0 {
		cfg.MinConns = opts.MinConns
	}
	if cfg.MinConns > cfg.MaxConns {
		return nil, fmt.Errorf("postgres: MinConns (%d) exceeds MaxConns (%d)", cfg.MinConns, cfg.MaxConns)
	}
	if opts.MaxConnLifetime > 0 {
		cfg.MaxConnLifetime = opts.MaxConnLifetime
	}
	cc := cfg.ConnConfig
	switch {
	case opts.ConnectTimeout > 0:
		cc.ConnectTimeout = opts.ConnectTimeout
	case cc.ConnectTimeout == 0:
		cc.ConnectTimeout = defaultConnectTimeout
	}
	rp := cc.RuntimeParams
	timeout := opts.StatementTimeout
	if timeout == 0 && rp["statement_timeout"] == "" {
		timeout = defaultStatementTimeout
	}
	if timeout > 0 {
		ms := strconv.FormatInt(max(timeout.Milliseconds(), 1), 10)
		rp["statement_timeout"] = ms
		// UpdateDeviceAuth holds a row lock while Go code runs. A node
		// that stalls there (stopped, partitioned) must not block every
		// poll of that authorization for longer than a statement may run.
		rp["idle_in_transaction_session_timeout"] = ms
	}
	// The single-use transitions rely on READ COMMITTED semantics: a
	// conditional UPDATE that waited for a row lock re-checks its WHERE on
	// the committed row. A server default of SERIALIZABLE would only turn
	// the losers into retries, but pinning it keeps behaviour the same on
	// every server.
	rp["default_transaction_isolation"] = "read committed"
	if rp["application_name"] == "" {
		rp["application_name"] = "ssooidc"
	}
	if opts.Schema != "" {
		rp["search_path"] = pgx.Identifier{opts.Schema}.Sanitize()
	}
	return cfg, nil
}

// Ping reports whether the database answers and holds the store's schema.
func (s *Store) Ping(ctx context.Context) error {
	return s.do(ctx, "ping", true, func(ctx context.Context) error {
		var n int
		return s.pool.QueryRow(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n)
	})
}

// PoolStat returns a snapshot of the connection pool's figures, for the
// metrics.
func (s *Store) PoolStat() *pgxpool.Stat { return s.pool.Stat() }

// Close closes every connection of the pool, waiting for the ones in use
// to be released.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Retry policy: how often and how long do retries a call.
const (
	maxAttempts  = 5
	firstBackoff = 5 * time.Millisecond
)

// do runs fn and maps its error (see mapErr), retrying fn when the
// database says the attempt changed nothing and a new one may succeed:
//
//   - serialization failure (40001) and deadlock (40P01): PostgreSQL rolled
//     the transaction back; trying again is what the documentation asks of
//     the client. Dex's PostgreSQL store does not, and loses sessions.
//   - errors pgconn marks safe to retry: nothing reached the server; and a
//     statement prepared before a migration changed its table (0A000).
//   - when idempotent (fn only reads), a lost connection: a connection the
//     server ended while it sat in the pool fails once; the next comes
//     from a fresh one.
//
// A write is never retried after a lost connection: it may have committed.
// An error wrapped in callerError is returned as is, unmapped.
func (s *Store) do(ctx context.Context, op string, idempotent bool, fn func(ctx context.Context) error) error {
	backoff := firstBackoff
	for attempt := 1; ; attempt++ {
		// A cancelled call must store nothing, whatever pgx would do.
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("postgres: %s: %w", op, err)
		}
		err := fn(ctx)
		var ce callerError
		if errors.As(err, &ce) {
			return ce.err
		}
		if err == nil || attempt == maxAttempts || ctx.Err() != nil || !retryable(err, idempotent) {
			return mapErr(ctx, op, err)
		}
		// Full jitter: many nodes that lost the same race spread out.
		t := time.NewTimer(rand.N(backoff) + time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return mapErr(ctx, op, err)
		case <-t.C:
		}
		backoff *= 2
	}
}

// callerError carries an error of the caller's own (UpdateDeviceAuth's
// update, Secret's generate) through do unchanged.
type callerError struct{ err error }

func (e callerError) Error() string { return e.err.Error() }

// retryable reports whether an attempt that failed with err may be tried
// again; see do.
func retryable(err error, idempotent bool) bool {
	if errors.Is(err, sso.ErrNotFound) || errors.Is(err, sso.ErrConflict) || errors.Is(err, pgx.ErrNoRows) {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "40001", "40P01": // serialization_failure, deadlock_detected
			return true
		case "57P01", "57P02", "57P03": // admin_shutdown, crash_shutdown, cannot_connect_now
			return idempotent
		case "0A000":
			// A statement prepared before another node's migration changed
			// a table: it failed before it ran, and pgx has dropped it from
			// its cache, so the retry prepares it afresh.
			return strings.Contains(pe.Message, "cached plan must not change result type")
		}
		return idempotent && strings.HasPrefix(pe.Code, "08") // connection_exception
	}
	if pgconn.SafeToRetry(err) {
		return true
	}
	// Not a server's answer: the connection broke (EOF, reset, refused).
	return idempotent && !pgconn.Timeout(err)
}
