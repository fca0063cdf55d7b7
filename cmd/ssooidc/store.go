package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

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
func openStore(ctx context.Context, database, dataDir string, pg postgresConfig) (sso.Store, string, error) {
	if strings.HasPrefix(database, "postgres://") || strings.HasPrefix(database, "postgresql://") {
		s, err := postgres.Open(ctx, database, postgres.Options{
			Schema: pg.Schema, MaxConns: pg.MaxConns, MinConns: pg.MinConns, MaxConnLifetime: pg.MaxConnLifetime,
			StatementTimeout: pg.StatementTimeout, ConnectTimeout: pg.ConnectTimeout,
		})
		if err != nil {
			return nil, "", fmt.Errorf("opening PostgreSQL: %w", err)
		}
		return s, "postgres", nil
	}
	if database != "" && !strings.HasPrefix(database, "sqlite:") {
		return nil, "", usagef("--database %q: use postgres://... or sqlite:PATH", redact(database))
	}
	path := strings.TrimPrefix(database, "sqlite:")
	if path == "" {
		path = filepath.Join(dataDir, "ssooidc.db")
	}
	s, err := sqlite.Open(ctx, path)
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
