package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// msTime stores a time.Time as INTEGER unix milliseconds, the zero time as
// 0. Times come back in UTC.
type msTime time.Time

func (t msTime) Value() (driver.Value, error) {
	if time.Time(t).IsZero() {
		return int64(0), nil
	}
	return time.Time(t).UnixMilli(), nil
}

func (t *msTime) Scan(src any) error {
	ms, ok := src.(int64)
	if !ok {
		return fmt.Errorf("time column holds %T, want int64", src)
	}
	if ms == 0 {
		*t = msTime{}
	} else {
		*t = msTime(time.UnixMilli(ms).UTC())
	}
	return nil
}

// strList stores a []string as a JSON array in TEXT. Empty comes back nil.
type strList []string

func (l strList) Value() (driver.Value, error) {
	if len(l) == 0 {
		return "[]", nil
	}
	if plain(l) {
		// What json.Marshal writes for strings that need no escaping,
		// without its reflection.
		n := 1
		for _, e := range l {
			n += len(e) + 3
		}
		b := make([]byte, 0, n)
		b = append(b, '[')
		for i, e := range l {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '"')
			b = append(b, e...)
			b = append(b, '"')
		}
		return string(append(b, ']')), nil
	}
	b, err := json.Marshal([]string(l))
	return string(b), err
}

// plain reports whether every string of l is printable ASCII that JSON
// writes as is (json.Marshal escapes '"', '\\', control characters and,
// for HTML, '<', '>' and '&').
func plain(l []string) bool {
	for _, e := range l {
		for i := 0; i < len(e); i++ {
			c := e[i]
			if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				return false
			}
		}
	}
	return true
}

func (l *strList) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return fmt.Errorf("list column holds %T, want text", src)
	}
	if out, ok := parsePlain(s); ok {
		*l = out
		return nil
	}
	var out []string
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return fmt.Errorf("list column: %w", err)
	}
	if len(out) == 0 {
		out = nil
	}
	*l = out
	return nil
}

// parsePlain parses a JSON array of strings as Value writes it when every
// string is plain: no whitespace, no escapes, ASCII only. Anything else
// reports false and is left to encoding/json.
func parsePlain(s string) ([]string, bool) {
	if len(s) < 2 || s[0] != '[' || s[len(s)-1] != ']' {
		return nil, false
	}
	s = s[1 : len(s)-1]
	if s == "" {
		return nil, true
	}
	out := make([]string, 0, strings.Count(s, ",")+1)
	for {
		if len(s) < 2 || s[0] != '"' {
			return nil, false
		}
		end := strings.IndexByte(s[1:], '"') + 1
		if end == 0 {
			return nil, false
		}
		e := s[1:end]
		for i := 0; i < len(e); i++ {
			if c := e[i]; c < 0x20 || c >= 0x7f || c == '\\' {
				return nil, false
			}
		}
		out = append(out, e)
		s = s[end+1:]
		if s == "" {
			return out, true
		}
		if s[0] != ',' {
			return nil, false
		}
		s = s[1:]
	}
}

// blob stores a []byte as a BLOB and scans one into a copy the caller owns.
// NULL and an empty BLOB come back nil.
type blob []byte

func (b blob) Value() (driver.Value, error) {
	if len(b) == 0 {
		return nil, nil
	}
	return []byte(b), nil
}

func (b *blob) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*b = nil
	case []byte:
		if len(v) == 0 {
			*b = nil
		} else {
			*b = append([]byte(nil), v...)
		}
	default:
		return fmt.Errorf("blob column holds %T", src)
	}
	return nil
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// mapErr turns a database error into the store's: no rows is
// sso.ErrNotFound, a unique or primary-key violation sso.ErrConflict, a
// cancelled or expired ctx wraps ctx.Err(). The message names the
// operation, never a bound value.
func mapErr(ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("sqlite: %s: %w", op, sso.ErrNotFound)
	}
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		// The driver reports an interrupted statement as SQLITE_INTERRUPT;
		// callers test for the context's error.
		return fmt.Errorf("sqlite: %s: %w: %w", op, cerr, err)
	}
	var e *msqlite.Error
	if errors.As(err, &e) {
		switch e.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("sqlite: %s: %w: %w", op, sso.ErrConflict, err)
		}
		// Other constraint failures (NOT NULL, FOREIGN KEY, CHECK) are a
		// caller's bug, not a lost race: they stay internal errors.
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}

// isForeignKeyErr reports whether err is a foreign key constraint failure.
func isForeignKeyErr(err error) bool {
	var e *msqlite.Error
	return errors.As(err, &e) && e.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

// execOne runs a statement that must touch exactly one row: none is
// sso.ErrNotFound.
func execOne(ctx context.Context, tx *wtx, op, query string, args ...any) error {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return mapErr(ctx, op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return mapErr(ctx, op, err)
	}
	if n == 0 {
		return fmt.Errorf("sqlite: %s: %w", op, sso.ErrNotFound)
	}
	return nil
}

// lostOrMissing explains a conditional UPDATE that touched no row: the row
// exists (another request got there first, or its state forbids the
// change: sso.ErrConflict) or it does not (sso.ErrNotFound). exists is a
// query that returns a row if and only if the record exists.
func lostOrMissing(ctx context.Context, tx *wtx, op, exists string, args ...any) error {
	var one int
	err := tx.QueryRowContext(ctx, exists, args...).Scan(&one)
	if err == nil {
		return fmt.Errorf("sqlite: %s: %w", op, sso.ErrConflict)
	}
	return mapErr(ctx, op, err)
}

// casUpdate runs a conditional UPDATE and reports, through lostOrMissing,
// why it touched no row.
func casUpdate(ctx context.Context, tx *wtx, op, update, exists string, key any, args ...any) error {
	res, err := tx.ExecContext(ctx, update, args...)
	if err != nil {
		return mapErr(ctx, op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return mapErr(ctx, op, err)
	}
	if n == 0 {
		return lostOrMissing(ctx, tx, op, exists, key)
	}
	return nil
}

// errZeroTime refuses a zero time where zero would mean "not yet": storing
// it would leave a used token unused.
func errZeroTime(op, what string) error {
	return fmt.Errorf("sqlite: %s: %s is the zero time", op, what)
}

// roundTrip returns t as the store would read it back.
func roundTrip(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return time.UnixMilli(t.UnixMilli()).UTC()
}
