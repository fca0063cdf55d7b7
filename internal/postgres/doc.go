// Package postgres is the store for many nodes: an sso.Store in one
// PostgreSQL schema that any number of stateless ssooidc processes share,
// through github.com/jackc/pgx/v5 and its pool (pgxpool).
//
// It is responsible for the durability and atomicity promises of the
// interfaces in internal/sso across processes, not for any policy: it
// never reads a clock to decide whether something has expired, and it
// never decides who may do what. It runs the conformance suite
// (internal/sso/ssotest) unchanged, like the SQLite store.
//
// How it keeps them:
//
//   - Every single-use transition (RedeemDeviceAuth, RedeemAuthCode,
//     RotateRefreshToken) is one statement: a conditional UPDATE (WHERE
//     status = 'approved', WHERE redeemed_at IS NULL, WHERE used_at IS NULL
//     and the family is not revoked) in a data-modifying CTE, and INSERTs of
//     the new family and tokens that select from it. Exactly one caller
//     moves the record; the issue is stored if and only if it did; a unique
//     violation on any insert rolls the whole statement back. CreateFamily
//     and DeleteUser are one statement the same way.
//   - UpdateDeviceAuth reads the row with SELECT ... FOR UPDATE, runs the
//     caller's function and writes, in one READ COMMITTED transaction.
//   - LimitStore.Hit is one INSERT ... ON CONFLICT DO UPDATE ... RETURNING
//     that also starts a new window when the old one has ended, so a rate
//     limit holds across nodes. SecretStore.Secret is INSERT ... ON
//     CONFLICT DO NOTHING, then a SELECT of the value that won.
//   - DeleteExpired is rounds of one statement of DELETEs in CTEs, each
//     round at most 5000 rows a table, so a backlog never meets the
//     statement timeout; it counts what it removed.
//   - Serialization failures (40001) and deadlocks (40P01) are retried with
//     jittered backoff, as is any call whose request never reached the
//     server; reads are also retried on a connection the server closed.
//     A write whose connection broke after it was sent is never retried (it
//     may have committed): the caller gets an internal error, never a wrong
//     answer.
//   - Every connection starts with statement_timeout (Options, default
//     5 s), idle_in_transaction_session_timeout (the same),
//     default_transaction_isolation = 'read committed' and, if
//     Options.Schema is set, search_path = that schema.
//   - The schema is a list of embedded migrations (migrations/*.sql)
//     recorded in schema_migrations. Migrate applies the missing ones in one
//     transaction that first takes pg_advisory_xact_lock(0x53534f6d,
//     fnv32a(schema)), so N nodes starting together apply each migration
//     once; the lock goes with the transaction, even if the node dies.
//
// Only digests of secrets are stored, as bytea keys. Times are timestamptz
// (microseconds; the zero time is NULL where a zero means "not yet"),
// string lists text[] (empty comes back nil). Unique violations (23505)
// become sso.ErrConflict and missing rows sso.ErrNotFound, wrapped; error
// messages never carry a bound value (a PgError's Detail, which quotes the
// key, is not printed). Lookups by a string that text cannot hold (NUL,
// invalid UTF-8) find nothing; rate-limit keys are bytea, so any key counts.
//
// # The PostgreSQL features it relies on
//
// A PostgreSQL-compatible engine can run this store if it has all of
// these, with PostgreSQL's semantics (tested on PostgreSQL 15):
//
//   - Types: bytea (as primary and unique keys), text, text[] (binary
//     array format), timestamptz, integer, boolean.
//   - Constraints: PRIMARY KEY, UNIQUE, NOT NULL, FOREIGN KEY ... ON DELETE
//     CASCADE, checked at the end of the statement (a family and its
//     tokens are inserted by one statement); a column with COLLATE "C"
//     (user names: byte-wise equality and ORDER BY). B-tree indexes.
//   - Statements: INSERT ... ON CONFLICT (col) DO UPDATE (with excluded and
//     a target alias) and ON CONFLICT DO NOTHING, both with RETURNING;
//     UPDATE ... FROM ... RETURNING; DELETE ... RETURNING; data-modifying
//     statements in WITH (several UPDATE/INSERT/DELETE CTEs in one
//     statement, INSERT ... SELECT from another CTE's RETURNING, all
//     executed to completion whether read or not); SELECT ... FOR UPDATE.
//   - Isolation: READ COMMITTED in which an UPDATE or SELECT FOR UPDATE
//     that waited for a row lock re-evaluates its WHERE clause against the
//     newly committed row version (PostgreSQL's EvalPlanQual), and in which
//     each statement of a transaction sees rows committed before it began.
//     An engine that runs only SERIALIZABLE also works, since the losers'
//     40001 errors are retried; one that re-checks nothing does not.
//   - Error codes (SQLSTATE): 23505, 40001, 40P01, 57014, 57P01-57P03, 08xxx.
//   - Locks: pg_advisory_xact_lock(int4, int4), transaction-scoped.
//   - Transactional DDL: CREATE SCHEMA, CREATE TABLE and CREATE INDEX
//     inside the migration transaction, rolled back with it.
//   - Session parameters set at connection start: statement_timeout,
//     idle_in_transaction_session_timeout, default_transaction_isolation,
//     search_path, application_name. Functions: current_schema(), now(),
//     coalesce; catalog: pg_namespace.
//   - Protocol: the extended query protocol with named prepared statements
//     cached per connection and binary parameters (pgx's default), and the
//     simple protocol for a migration of several statements. Behind
//     PgBouncer in transaction mode this needs max_prepared_statements
//     (1.21+) and ignore_startup_parameters for the parameters above.
package postgres
