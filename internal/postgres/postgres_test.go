package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/internal/sso/ssotest"
)

// testDSN is the database the tests use: SSOOIDC_TEST_POSTGRES, or the
// PostgreSQL that CI and development machines run on loopback.
func testDSN() string {
	if dsn := os.Getenv("SSOOIDC_TEST_POSTGRES"); dsn != "" {
		return dsn
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// where names the test database without its password.
func where(dsn string) string {
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		return "(a DSN that does not parse)"
	}
	return cfg.User + "@" + cfg.Host + "/" + cfg.Database
}

// unreachable fails the test: a PostgreSQL store that is not tested must
// fail CI, not skip silently.
func unreachable(t testing.TB, err error) {
	t.Helper()
	t.Fatalf("PostgreSQL at %s is not usable (start it, or point SSOOIDC_TEST_POSTGRES at one): %v", where(testDSN()), err)
}

// randomName returns prefix and 12 random hex digits: a schema or
// application name no other test run uses.
func randomName(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// adminConn is a connection of the test's own, outside any store.
func adminConn(t testing.TB) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, testDSN())
	if err != nil {
		unreachable(t, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// freshSchema returns the name of a schema that does not exist yet and
// drops it, with everything in it, when the test ends.
func freshSchema(t testing.TB) string {
	t.Helper()
	schema := randomName("ssooidc_test_")
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, testDSN())
		if err != nil {
			if !t.Failed() { // else the test has said why already
				t.Errorf("drop schema %s: %v", schema, err)
			}
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{schema}.Sanitize()+` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return schema
}

// open opens a store on dsn in schema; the caller closes it.
func open(t testing.TB, dsn, schema string, opts Options) *Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	opts.Schema = schema
	s, err := Open(ctx, dsn, opts)
	if err != nil {
		unreachable(t, err)
	}
	return s
}

// newStore opens a store in a fresh schema and closes it when the test
// ends.
func newStore(t testing.TB, opts Options) *Store {
	t.Helper()
	s := open(t, testDSN(), freshSchema(t), opts)
	t.Cleanup(func() { s.Close() })
	return s
}

// conformanceSlots bounds how many conformance stores are open at once:
// subtests run in parallel (-parallel, GOMAXPROCS by default), and on a
// machine with many CPUs their pools would exceed the server's
// max_connections (100 by default). Here: at most 6 stores of 8
// connections.
var conformanceSlots = make(chan struct{}, 6)

func TestConformance(t *testing.T) {
	ssotest.Run(t, func(t *testing.T) sso.Store {
		conformanceSlots <- struct{}{}
		t.Cleanup(func() { <-conformanceSlots })
		// Run closes the store; freshSchema's cleanup, registered first,
		// drops the schema after that.
		return open(t, testDSN(), freshSchema(t), Options{MaxConns: 8})
	})
}

// TestMigrateConcurrently starts three stores on one schema that does not
// exist yet, as three nodes starting together would: each must succeed,
// and each migration must have run once (a second run would fail on
// CREATE TABLE, and would add a row).
func TestMigrateConcurrently(t *testing.T) {
	schema := freshSchema(t)
	const n = 3
	stores := make([]*Store, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			stores[i], errs[i] = Open(ctx, testDSN(), Options{Schema: schema})
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open %d: %v", i, err)
			continue
		}
		defer stores[i].Close()
	}
	if t.Failed() {
		return
	}

	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	checkApplied := func(what string) {
		t.Helper()
		rows, err := stores[0].pool.Query(t.Context(), `SELECT version, name FROM schema_migrations ORDER BY version`)
		if err != nil {
			t.Fatal(err)
		}
		type row struct {
			Version int
			Name    string
		}
		got, err := pgx.CollectRows(rows, pgx.RowToStructByPos[row])
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(ms) {
			t.Fatalf("%s: schema_migrations has %d rows, want %d", what, len(got), len(ms))
		}
		for i, r := range got {
			if r.Version != ms[i].Version || r.Name != ms[i].Name {
				t.Errorf("%s: schema_migrations row %d = %+v, want %d %s", what, i, r, ms[i].Version, ms[i].Name)
			}
		}
	}
	checkApplied("after concurrent Opens")

	// The stores share one schema.
	c := sso.Client{ID: sso.RandomID(), CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}
	if err := stores[1].CreateClient(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	if _, err := stores[2].GetClient(t.Context(), c.ID); err != nil {
		t.Errorf("GetClient through another store: %v", err)
	}

	// Migrate again changes nothing.
	for i, s := range stores {
		if err := s.Migrate(t.Context()); err != nil {
			t.Errorf("Migrate %d again: %v", i, err)
		}
	}
	checkApplied("after Migrate again")

	// A schema migrated further by a newer binary is refused.
	if _, err := stores[0].pool.Exec(t.Context(), `INSERT INTO schema_migrations (version, name) VALUES ($1, 'from_the_future.sql')`, len(ms)+1); err != nil {
		t.Fatal(err)
	}
	if err := stores[0].Migrate(t.Context()); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("Migrate of a schema from a newer binary: err = %v, want one saying it is newer", err)
	}
}

// TestReconnect kills every connection of a store from outside, as a
// PostgreSQL restart or a failover would. The calls right after may fail;
// within a few seconds the store serves again by itself, and nothing it
// acknowledged before is lost.
func TestReconnect(t *testing.T) {
	app := randomName("ssooidc_reconnect_")
	dsn := testDSN()
	if strings.Contains(dsn, "://") {
		if strings.Contains(dsn, "?") {
			dsn += "&application_name=" + app
		} else {
			dsn += "?application_name=" + app
		}
	} else {
		dsn += " application_name=" + app
	}
	s := open(t, dsn, freshSchema(t), Options{MaxConns: 4, MinConns: 4})
	defer s.Close()
	ctx := t.Context()

	before := sso.Client{ID: sso.RandomID(), CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}
	if err := s.CreateClient(ctx, before); err != nil {
		t.Fatal(err)
	}
	// Use every connection of the pool, so all of them are open.
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := s.pool.Exec(ctx, `SELECT pg_sleep(0.05)`); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()

	// Only this store's connections: other tests share the database. The
	// brief's filter (datname = current_database()) would kill theirs.
	admin := adminConn(t)
	var killed int
	err := admin.QueryRow(ctx, `SELECT count(*) FROM (
		SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE application_name = $1 AND pid <> pg_backend_pid()) AS k`, app).Scan(&killed)
	if err != nil {
		t.Fatal(err)
	}
	if killed < 2 {
		t.Fatalf("terminated %d connections of the store, want at least 2", killed)
	}

	// Every call right after the kill, by kind: reads retry on a fresh
	// connection, writes may fail once per dead connection.
	deadline := time.Now().Add(5 * time.Second)
	streak, failures := 0, 0
	for streak < 20 {
		if time.Now().After(deadline) {
			t.Fatalf("the store did not recover within 5 s of its connections being killed (%d failed calls)", failures)
		}
		c := sso.Client{ID: sso.RandomID(), CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}
		err := s.CreateClient(ctx, c)
		if err == nil {
			_, err = s.GetClient(ctx, c.ID)
		}
		if err == nil {
			err = s.Ping(ctx)
		}
		if err != nil {
			if errors.Is(err, sso.ErrNotFound) || errors.Is(err, sso.ErrConflict) {
				t.Fatalf("a call after the kill gave a wrong answer instead of an error: %v", err)
			}
			streak, failures = 0, failures+1
			time.Sleep(50 * time.Millisecond)
			continue
		}
		streak++
	}
	t.Logf("%d calls failed after the kill before the store recovered", failures)
	got, err := s.GetClient(ctx, before.ID)
	if err != nil {
		t.Fatalf("GetClient of a client created before the kill: %v", err)
	}
	if got.ID != before.ID {
		t.Errorf("GetClient = %+v", got)
	}
}

func TestOptions(t *testing.T) {
	s := newStore(t, Options{StatementTimeout: 200 * time.Millisecond, MaxConns: 2})
	ctx := t.Context()
	var timeout, isolation, app string
	err := s.pool.QueryRow(ctx, `SELECT current_setting('statement_timeout'), current_setting('default_transaction_isolation'),
		current_setting('application_name')`).Scan(&timeout, &isolation, &app)
	if err != nil {
		t.Fatal(err)
	}
	if timeout != "200ms" || isolation != "read committed" || app != "ssooidc" {
		t.Errorf("settings: statement_timeout %q, default_transaction_isolation %q, application_name %q", timeout, isolation, app)
	}
	_, err = s.pool.Exec(ctx, `SELECT pg_sleep(2)`)
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "57014" {
		t.Errorf("a statement longer than StatementTimeout: err = %v, want query_canceled (57014)", err)
	}
	def := newStore(t, Options{})
	if err := def.pool.QueryRow(ctx, `SELECT current_setting('statement_timeout')`).Scan(&timeout); err != nil {
		t.Fatal(err)
	}
	if timeout != "5s" {
		t.Errorf("default statement_timeout = %q, want 5s", timeout)
	}

	for _, opts := range []Options{{MaxConns: -1}, {StatementTimeout: -time.Second}, {MinConns: 5, MaxConns: 2}} {
		if _, err := Open(ctx, testDSN(), opts); err == nil {
			t.Errorf("Open with %+v succeeded", opts)
		}
	}
}

// TestPoolSize: DefaultMaxConns unless the DSN or the options say
// otherwise.
func TestPoolSize(t *testing.T) {
	sep := "?"
	if strings.Contains(testDSN(), "?") {
		sep = "&"
	}
	for _, c := range []struct {
		dsn  string
		opts Options
		want int32
	}{
		{testDSN(), Options{}, DefaultMaxConns},
		{testDSN() + sep + "pool_max_conns=3", Options{}, 3},
		{testDSN() + sep + "pool_max_conns=3", Options{MaxConns: 5}, 5},
	} {
		cfg, err := config(c.dsn, c.opts)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.MaxConns != c.want {
			t.Errorf("%+v: MaxConns %d, want %d", c.opts, cfg.MaxConns, c.want)
		}
	}
}

// TestOpenErrors checks that Open fails fast when PostgreSQL is not there
// and never repeats a password.
func TestOpenErrors(t *testing.T) {
	const password = "hunter2-not-for-logs"
	ctx := t.Context()
	for _, dsn := range []string{
		"postgres://ssooidc:" + password + "@127.0.0.1:1/ssooidc?sslmode=disable",
		"host=127.0.0.1 port=1 user=ssooidc password=" + password + " sslmode=disable",
		"postgres://ssooidc:" + password + "@127.0.0.1:1/%zz", // does not parse
	} {
		start := time.Now()
		_, err := Open(ctx, dsn, Options{ConnectTimeout: 2 * time.Second})
		if err == nil {
			t.Fatalf("Open of an unreachable server succeeded")
		}
		if strings.Contains(err.Error(), password) {
			t.Errorf("Open's error repeats the password: %v", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("Open of an unreachable server took %v", d)
		}
	}
}

// TestUnstorableKeys checks lookups by strings PostgreSQL text cannot
// hold (NUL, invalid UTF-8), which a client can send: they find nothing
// rather than fail, and rate limits count them.
func TestUnstorableKeys(t *testing.T) {
	s := newStore(t, Options{})
	ctx := t.Context()
	for _, key := range []string{"a\x00b", "\xff\xfe"} {
		if _, err := s.GetClient(ctx, key); !errors.Is(err, sso.ErrNotFound) {
			t.Errorf("GetClient(%q): err = %v, want ErrNotFound", key, err)
		}
		if _, err := s.GetUserByName(ctx, key); !errors.Is(err, sso.ErrNotFound) {
			t.Errorf("GetUserByName(%q): err = %v, want ErrNotFound", key, err)
		}
		for want := 1; want <= 2; want++ {
			n, err := s.Hit(ctx, "login:"+key, time.Minute, time.Now())
			if err != nil || n != want {
				t.Errorf("Hit(%q) = %d, %v; want %d", key, n, err, want)
			}
		}
	}
}

// TestErrorsLeakNoDigest checks that a conflict's message does not quote
// the key (PostgreSQL puts it in the error's Detail).
func TestErrorsLeakNoDigest(t *testing.T) {
	s := newStore(t, Options{})
	ctx := t.Context()
	se := sso.Session{Digest: []byte("0123456789abcdef-secret-digest"), UserID: "u", CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}
	if err := s.CreateSession(ctx, se); err != nil {
		t.Fatal(err)
	}
	err := s.CreateSession(ctx, se)
	if !errors.Is(err, sso.ErrConflict) {
		t.Fatalf("CreateSession twice: err = %v, want ErrConflict", err)
	}
	for _, leak := range []string{"secret-digest", hex.EncodeToString(se.Digest)} {
		if strings.Contains(err.Error(), leak) {
			t.Errorf("the conflict's message quotes the digest: %v", err)
		}
	}
}

// TestUpdateDeviceAuthConnections checks that UpdateDeviceAuth's
// hand-made transaction leaves its connection clean whatever happens: a
// missing record, an update that fails, one that succeeds. A connection
// left inside a transaction would be destroyed on release (and a row lock
// held until then); the pool would open new ones.
func TestUpdateDeviceAuthConnections(t *testing.T) {
	s := newStore(t, Options{MaxConns: 2})
	ctx := t.Context()
	now := time.Now()
	d := sso.DeviceAuth{CodeDigest: []byte("code"), UserCodeDigest: []byte("user"), CreatedAt: now, ExpiresAt: now.Add(time.Hour), Status: sso.DevicePending}
	if err := s.CreateDeviceAuth(ctx, d); err != nil {
		t.Fatal(err)
	}
	before := s.pool.Stat().NewConnsCount()
	boom := errors.New("boom")
	for i := range 30 {
		if _, err := s.UpdateDeviceAuth(ctx, []byte("missing"), func(d sso.DeviceAuth) (sso.DeviceAuth, error) { return d, nil }); !errors.Is(err, sso.ErrNotFound) {
			t.Fatalf("UpdateDeviceAuth missing: %v", err)
		}
		if _, err := s.UpdateDeviceAuth(ctx, d.CodeDigest, func(d sso.DeviceAuth) (sso.DeviceAuth, error) { return d, boom }); err != boom {
			t.Fatalf("UpdateDeviceAuth failing: %v", err)
		}
		got, err := s.UpdateDeviceAuth(ctx, d.CodeDigest, func(d sso.DeviceAuth) (sso.DeviceAuth, error) { d.Polls++; return d, nil })
		if err != nil || got.Polls != i+1 {
			t.Fatalf("UpdateDeviceAuth: %d polls, %v; want %d", got.Polls, err, i+1)
		}
	}
	if n := s.pool.Stat().NewConnsCount() - before; n > 0 {
		t.Errorf("UpdateDeviceAuth made the pool open %d new connections: it left some inside a transaction", n)
	}
	var open int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM pg_locks
		WHERE relation = 'device_auths'::regclass AND pid <> pg_backend_pid()`).Scan(&open); err != nil {
		t.Fatal(err)
	}
	if open != 0 {
		t.Errorf("%d locks on device_auths outlive UpdateDeviceAuth", open)
	}
}

// TestDeleteExpiredBacklog checks that a backlog larger than one round
// of DeleteExpired is deleted, and counted, completely.
func TestDeleteExpiredBacklog(t *testing.T) {
	s := newStore(t, Options{})
	ctx := t.Context()
	now := time.Now()
	live := sso.Issue{Family: sso.Family{ID: "live", CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
		Access: sso.AccessToken{Digest: []byte("live"), FamilyID: "live", IssuedAt: now, ExpiresAt: now.Add(time.Hour)}}
	if err := s.CreateFamily(ctx, live); err != nil {
		t.Fatal(err)
	}
	const sessions, tokens = 2*collectBatch + 345, collectBatch + 1
	if _, err := s.pool.Exec(ctx, `INSERT INTO sessions (digest, user_id, created_at, expires_at)
		SELECT int4send(i), 'u', $1, $1 FROM generate_series(1, $2) AS i`, now.Add(-time.Hour), sessions); err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO access_tokens (digest, family_id, client_id, user_id, scopes, issued_at, expires_at)
		SELECT int4send(i), 'live', 'c', 'u', '{}', $1, $1 FROM generate_series(1, $2) AS i`, now.Add(-time.Hour), tokens); err != nil {
		t.Fatal(err)
	}
	n, err := s.DeleteExpired(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if n != sessions+tokens {
		t.Errorf("DeleteExpired = %d, want %d", n, sessions+tokens)
	}
	var left int
	if err := s.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM sessions) + (SELECT count(*) FROM access_tokens)`).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 1 {
		t.Errorf("%d sessions and access tokens left, want the 1 live token", left)
	}
}
