// Package sqlite is the embedded default store: an sso.Store in one SQLite
// file, through the pure-Go driver modernc.org/sqlite (no cgo).
//
// It is responsible for the durability and atomicity promises of the
// interfaces in internal/sso, not for any policy: it never reads a clock to
// decide whether something has expired, and it never decides who may do
// what.
//
// How it keeps them:
//
//   - The file is in WAL mode. At the default SyncFull a write that
//     returned nil is committed and synced: SQLite runs at
//     synchronous=NORMAL and the store's syncer goroutine syncs the WAL
//     (fdatasync) after each commit before it answers (commit.go).
//   - All writes go through one connection, owned by the writer
//     goroutine, and one function, Store.write: each write runs in its own
//     savepoint of a BEGIN IMMEDIATE transaction that gathers the writes
//     arriving while the previous commit is being synced (group commit,
//     pipelined with the sync). Writers in other processes wait for the
//     lock up to the busy timeout.
//   - Reads go through a separate pool of query-only connections, so a
//     reader never waits for the writer (WAL gives each statement a
//     snapshot) and a join such as token+family reads one snapshot.
//     Statements are prepared once per connection, and a read runs without
//     the caller's cancellation (an index lookup is microseconds; a
//     cancellable context costs the driver a goroutine per statement).
//   - Compare-and-swap methods (UpdateDeviceAuth, RedeemDeviceAuth,
//     RedeemAuthCode, RotateRefreshToken) read and write inside one write
//     transaction; single-use transitions are one conditional UPDATE whose
//     RowsAffected says whether this caller won.
//   - The schema is a list of embedded migrations (migrations/*.sql),
//     applied in order in one write transaction at Open and recorded in
//     schema_migrations, so two processes opening one file at once apply
//     each migration once.
//
// Only digests of secrets are stored (as BLOB keys), times as unix
// milliseconds (0 is the zero time), string lists as JSON arrays; an empty
// list comes back as nil. Unique-constraint violations become sso.ErrConflict
// and missing rows sso.ErrNotFound, wrapped; error messages never carry a
// digest or any other bound value.
package sqlite
