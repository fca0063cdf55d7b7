package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// mapErr turns a database error into the store's: no rows is
// sso.ErrNotFound, a unique or primary-key violation (23505) sso.ErrConflict,
// a call whose ctx ended wraps ctx.Err(). The message names the operation,
// never a bound value: a *pgconn.PgError prints its severity, message and
// code but not its Detail, which quotes the offending key.
func mapErr(ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("postgres: %s: %w", op, sso.ErrNotFound)
	}
	if errors.Is(err, sso.ErrNotFound) || errors.Is(err, sso.ErrConflict) {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		// pgx may report a statement interrupted by ctx as a server error
		// (57014, query_canceled) or a closed connection; callers test for
		// the context's error.
		return fmt.Errorf("postgres: %s: %w: %w", op, cerr, err)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" { // unique_violation
		return fmt.Errorf("postgres: %s: %w: %w", op, sso.ErrConflict, err)
	}
	// Other constraint failures (not null, foreign key, check) are a
	// caller's bug, not a lost race: they stay internal errors.
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// notFound is the error of a lookup by a key that cannot be stored.
func notFound(op string) error { return fmt.Errorf("postgres: %s: %w", op, sso.ErrNotFound) }

// storable reports whether s can be a text value: PostgreSQL text holds
// neither NUL nor invalid UTF-8, and refuses a parameter that does with an
// error. A lookup by such a key (a client id or user name a client sent)
// finds nothing instead of failing.
func storable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// errZeroTime refuses a zero time where zero would mean "not yet": storing
// it as NULL would leave a used token unused or a revoked family live.
func errZeroTime(op, what string) error {
	return fmt.Errorf("postgres: %s: %s is the zero time", op, what)
}

// tz is t as a nullable timestamptz parameter: the zero time is NULL.
func tz(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// timeOf is the time a nullable timestamptz column held, in UTC; NULL is
// the zero time.
func timeOf(v pgtype.Timestamptz) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return v.Time.UTC()
}

// list is l as a text[] parameter: pgx sends a nil slice as NULL, and the
// list columns are NOT NULL.
func list(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// listOf is a text[] column's value with an empty array as nil.
func listOf(l []string) []string {
	if len(l) == 0 {
		return nil
	}
	return l
}

// bytesOf is a bytea column's value with an empty value as nil (pgx already
// copies it out of the connection's buffer).
func bytesOf(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// exists runs a query that returns one boolean.
func exists(ctx context.Context, q querier, sql string, args ...any) (bool, error) {
	var ok bool
	err := q.QueryRow(ctx, sql, args...).Scan(&ok)
	return ok, err
}

// lostOrMissing explains a conditional write that changed nothing: the
// record exists (another request got there first, or its state forbids
// the change: sso.ErrConflict) or it does not (sso.ErrNotFound). sql
// returns whether the record exists.
func lostOrMissing(ctx context.Context, q querier, sql string, key any) error {
	ok, err := exists(ctx, q, sql, key)
	switch {
	case err != nil:
		return err
	case ok:
		return sso.ErrConflict
	default:
		return sso.ErrNotFound
	}
}

// querier is a pool, a connection or a transaction.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// execOne runs a statement that must change one row: none is
// sso.ErrNotFound.
func execOne(ctx context.Context, q querier, sql string, args ...any) error {
	tag, err := q.Exec(ctx, sql, args...)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return sso.ErrNotFound
	}
	return nil
}

// params returns "$first, $first+1, ..., $first+n-1".
func params(first, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", first+i)
	}
	return b.String()
}
