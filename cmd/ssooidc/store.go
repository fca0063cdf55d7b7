package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ssooidc/ssooidc/internal/metrics"
	"github.com/ssooidc/ssooidc/internal/postgres"
	"github.com/ssooidc/ssooidc/internal/sqlite"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// postgresConfig is the config file's "postgres" section: pool and
// statement settings for --database postgres://...
type postgresConfig struct {
	Schema           string        `yaml:"schema"`
	MaxConns         int32         `yaml:"max_conns"`
	MinConns         int32         `yaml:"min_conns"`
	MaxConnLifetime  time.Duration `yaml:"max_conn_lifetime"`
	StatementTimeout time.Duration `yaml:"statement_timeout"`
	ConnectTimeout   time.Duration `yaml:"connect_timeout"`
}

// openStore opens the store the flags and the file name: PostgreSQL when
// the database is a postgres:// (or postgresql://) URL, else SQLite in the
// data directory. It returns a description that never repeats a password.
//
// With m, the store reports to the metrics: SQLite its group commits,
// PostgreSQL its pool at each scrape.
func openStore(ctx context.Context, database, dataDir string, pg postgresConfig, m *metrics.Metrics) (sso.Store, string, error) {
	if isPostgres(database) {
		s, err := postgres.Open(ctx, database, postgres.Options{
			Schema: pg.Schema, MaxConns: pg.MaxConns, MinConns: pg.MinConns, MaxConnLifetime: pg.MaxConnLifetime,
			StatementTimeout: pg.StatementTimeout, ConnectTimeout: pg.ConnectTimeout,
		})
		if err != nil {
			return nil, "", fmt.Errorf("opening PostgreSQL: %w", err)
		}
		if m != nil {
			m.WatchPool(func() metrics.PoolStats { return poolStats(s.PoolStat()) })
		}
		return s, "postgres", nil
	}
	if database != "" && !strings.HasPrefix(database, "sqlite:") {
		return nil, "", usagef("--database %q: use postgres://... or sqlite:PATH", redact(database))
	}
	path := sqlitePath(database, dataDir)
	var opts []sqlite.Option
	if m != nil {
		opts = append(opts, sqlite.Observe(m.SQLite()))
	}
	s, err := sqlite.Open(ctx, path, opts...)
	if err != nil {
		return nil, "", fmt.Errorf("opening the SQLite store: %w", err)
	}
	return s, "sqlite:" + s.Path(), nil
}

// redact hides everything after the scheme, which may hold a password.
func redact(dsn string) string {
	if i := strings.Index(dsn, "://"); i >= 0 {
		return dsn[:i+3] + "..."
	}
	if len(dsn) > 8 {
		return dsn[:8] + "..."
	}
	return dsn
}

func isPostgres(database string) bool {
	return strings.HasPrefix(database, "postgres://") || strings.HasPrefix(database, "postgresql://")
}

// sqlitePath is the SQLite file of a sqlite:PATH database, or the default
// one in dataDir.
func sqlitePath(database, dataDir string) string {
	if path := strings.TrimPrefix(database, "sqlite:"); path != "" {
		return path
	}
	return filepath.Join(dataDir, "ssooidc.db")
}

func poolStats(s *pgxpool.Stat) metrics.PoolStats {
	return metrics.PoolStats{
		AcquiredConns: s.AcquiredConns(), IdleConns: s.IdleConns(), TotalConns: s.TotalConns(), MaxConns: s.MaxConns(),
		ConstructingConns: s.ConstructingConns(), AcquireCount: s.AcquireCount(), EmptyAcquireCount: s.EmptyAcquireCount(),
		CanceledAcquireCount: s.CanceledAcquireCount(), NewConnsCount: s.NewConnsCount(),
		AcquireDuration: s.AcquireDuration(), EmptyAcquireWaitTime: s.EmptyAcquireWaitTime(),
	}
}

// openWith opens the store for serve, reporting to m (nil: no metrics).
func (f *storeFlags) openWith(ctx context.Context, m *metrics.Metrics) (sso.Store, string, error) {
	fc, dir, err := f.resolve()
	if err != nil {
		return nil, "", err
	}
	return openStore(ctx, f.database, dir, fc.Postgres, m)
}
