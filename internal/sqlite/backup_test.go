package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// acked records the writes a store acknowledged, in order.
type acked struct {
	mu   sync.Mutex
	ids  []string
	fill chan struct{} // closed once want writes are acknowledged
	want int
}

func (a *acked) add(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.ids = append(a.ids, id)
	if len(a.ids) == a.want {
		close(a.fill)
	}
}

func (a *acked) snapshot() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.ids...)
}

func testClient(id string) sso.Client {
	now := time.Now().UTC().Truncate(time.Millisecond)
	return sso.Client{ID: id, SecretDigest: []byte("digest-of-" + id), Name: "backup test", Type: "public",
		CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
}

// TestBackupUnderWriteLoad: writers keep storing clients while a backup
// is taken; the restored backup holds every client whose write was
// acknowledged before the backup began.
func TestBackupUnderWriteLoad(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := open(t, filepath.Join(dir, "live.db"))
	defer s.Close()

	const writers, perWriter = 8, 4000 // bounded: at most 32,000 writes
	a := &acked{fill: make(chan struct{}), want: 2000}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for range perWriter {
				select {
				case <-stop:
					return
				default:
				}
				id := sso.RandomID()
				if err := s.CreateClient(ctx, testClient(id)); err != nil {
					t.Errorf("CreateClient: %v", err)
					return
				}
				a.add(id)
			}
		})
	}
	select {
	case <-a.fill:
	case <-time.After(time.Minute):
		t.Fatal("the writers did not store 2,000 clients in a minute")
	}
	before := a.snapshot()
	backup := filepath.Join(dir, "backups", "ssooidc.db")
	os.MkdirAll(filepath.Dir(backup), 0o700)
	info, err := Backup(ctx, s.Path(), backup)
	during := len(a.snapshot()) - len(before)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("Backup: %v", err)
	}
	if info.SchemaVersion == 0 || info.SchemaVersion != info.Migrations || info.Bytes == 0 {
		t.Errorf("Backup info %+v", info)
	}
	total := len(a.snapshot())

	// Restoring onto the live database is refused while it is open.
	if _, err := Restore(ctx, backup, s.Path()); !errors.Is(err, ErrInUse) {
		t.Fatalf("Restore onto an open database: %v, want ErrInUse", err)
	}
	target := filepath.Join(dir, "restored", "ssooidc.db")
	if _, err := Restore(ctx, backup, target); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	r := open(t, target)
	defer r.Close()
	for _, id := range before {
		if _, err := r.GetClient(ctx, id); err != nil {
			t.Fatalf("client %s, acknowledged before the backup began, is not in it: %v", id, err)
		}
	}
	present := 0
	for _, id := range a.snapshot()[len(before):] {
		if _, err := r.GetClient(ctx, id); err == nil {
			present++
		}
	}
	t.Logf("acknowledged before the backup: %d, all restored; during it: %d; in all: %d; of the later ones %d are in the backup",
		len(before), during, total, present)
}

// TestRestoreChecksTheBackup: a backup that is not a sound ssooidc
// database of a schema this binary knows is refused, and the database in
// place is left alone.
func TestRestoreChecksTheBackup(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	live := filepath.Join(dir, "ssooidc.db")
	s := open(t, live)
	if err := s.CreateClient(ctx, testClient("kept-client")); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "good.db")
	if _, err := Backup(ctx, live, good); err != nil {
		t.Fatal(err)
	}
	s.Close()
	data, _ := os.ReadFile(good)

	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// A page of the file overwritten with junk past the header.
	corrupt := append([]byte(nil), data...)
	for i := 4096; i < min(len(corrupt), 4096*3); i++ {
		corrupt[i] = 0x5a
	}
	newer := write("newer.db", data)
	db, err := sql.Open("sqlite", dsn(newer, nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	foreign := filepath.Join(dir, "foreign.db")
	db, _ = sql.Open("sqlite", dsn(foreign, nil))
	if _, err := db.Exec(`CREATE TABLE t (x)`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	for name, tc := range map[string]struct {
		path, want string
	}{
		"text file":      {write("notes.txt", []byte("not a database at all, just some text that is long enough")), "not a SQLite database"},
		"truncated":      {write("truncated.db", data[:len(data)/2]), ""},
		"corrupt":        {write("corrupt.db", corrupt), ""},
		"newer schema":   {newer, "newer than this binary"},
		"not ssooidc":    {foreign, "not an ssooidc store"},
		"missing":        {filepath.Join(dir, "nope.db"), "no such file"},
		"the live store": {live, "database itself"},
	} {
		_, err := Restore(ctx, tc.path, live)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Restore = %v, want an error with %q", name, err, tc.want)
		}
	}
	r := open(t, live)
	defer r.Close()
	if _, err := r.GetClient(ctx, "kept-client"); err != nil {
		t.Errorf("a refused restore changed the database: %v", err)
	}
}

// TestRestoreKeepsTheReplacedDatabase: the database a restore replaces is
// kept beside it with its WAL, whole.
func TestRestoreKeepsTheReplacedDatabase(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	live := filepath.Join(dir, "ssooidc.db")
	s := open(t, live)
	if err := s.CreateClient(ctx, testClient("old")); err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(dir, "b.db")
	if _, err := Backup(ctx, live, backup); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateClient(ctx, testClient("after-backup")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	res, err := Restore(ctx, backup, live)
	if err != nil {
		t.Fatal(err)
	}
	if res.Kept == "" {
		t.Fatal("no kept copy named")
	}
	r := open(t, live)
	if _, err := r.GetClient(ctx, "after-backup"); !errors.Is(err, sso.ErrNotFound) {
		t.Errorf("the restored store has a write made after its backup: %v", err)
	}
	r.Close()
	k := open(t, res.Kept)
	defer k.Close()
	for _, id := range []string{"old", "after-backup"} {
		if _, err := k.GetClient(ctx, id); err != nil {
			t.Errorf("the kept database lost %s: %v", id, err)
		}
	}
}
