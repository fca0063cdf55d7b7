package sqlite

import (
	"database/sql"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// TestMigrateDirectory opens a file at schema version 2 that holds users
// with group names and assignments by name, and checks what migration 3
// makes of it: UUID user IDs everywhere, group and membership records,
// assignments by principal ID.
func TestMigrateDirectory(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "v2.db")
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if err := create(path); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", dsn(path, nil))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms[:2] {
		if _, err := db.ExecContext(ctx, m.SQL); err != nil {
			t.Fatal(err)
		}
	}
	const alice, bob = "0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210"
	for _, q := range []string{
		`CREATE TABLE schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT`,
		`INSERT INTO schema_migrations VALUES (1, '0001_init.sql', 0), (2, '0002_access.sql', 0)`,
		`INSERT INTO users VALUES ('` + alice + `', 'alice', 'Alice', 'alice@example.com', '["devs","ops"]', 'hash', 1000)`,
		`INSERT INTO users VALUES ('` + bob + `', 'bob', '', '', '["devs"]', 'hash2', 2000)`,
		`INSERT INTO sessions VALUES (x'01', '` + alice + `', 1, 9999999999999)`,
		`INSERT INTO families VALUES ('f1', 'c', '` + bob + `', '[]', 1, 1, 9999999999999, 0)`,
		`INSERT INTO accounts VALUES ('111111111111', 'Prod', '', 'sts', '', '')`,
		`INSERT INTO permission_sets VALUES ('Admin', '', 3600000)`,
		`INSERT INTO assignments VALUES ('111111111111', 'Admin', 'user', 'alice'), ('111111111111', 'Admin', 'group', 'devs'),
			('111111111111', 'Admin', 'group', 'auditors'), ('111111111111', 'Admin', 'user', 'nobody')`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	s := open(t, path)
	defer s.Close()
	a, err := s.GetUserByName(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != "01234567-89ab-cdef-0123-456789abcdef" || a.Email != "alice@example.com" ||
		sso.PrimaryEmail(a.Profile.Emails) != "alice@example.com" || a.PasswordHash != "hash" || a.DisplayName != "Alice" {
		t.Errorf("alice after migration: %+v", a)
	}
	b, err := s.GetUserByName(ctx, "bob")
	if err != nil || b.ID != "fedcba98-7654-3210-fedc-ba9876543210" || len(b.Profile.Emails) != 0 {
		t.Errorf("bob after migration: %+v, %v", b, err)
	}
	if se, err := s.GetSession(ctx, []byte{1}); err != nil || se.UserID != a.ID {
		t.Errorf("alice's session after migration: %+v, %v", se, err)
	}
	devs, err := s.GetGroupByName(ctx, "devs")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"ops", "auditors"} {
		if _, err := s.GetGroupByName(ctx, name); err != nil {
			t.Errorf("group %s after migration: %v", name, err)
		}
	}
	if n, err := s.CountMembers(ctx, devs.ID); err != nil || n != 2 {
		t.Errorf("members of devs = %d, %v", n, err)
	}
	as, err := s.ListAssignmentsFor(ctx, b.ID)
	if err != nil || len(as) != 1 || as[0].PrincipalID != devs.ID || as[0].PrincipalType != sso.PrincipalGroup {
		t.Errorf("bob's assignments after migration: %+v, %v", as, err)
	}
	all, err := s.ListAssignments(ctx)
	if err != nil || len(all) != 3 {
		t.Errorf("assignments after migration (the one to nobody dropped): %+v, %v", all, err)
	}
	// Migration 6: the permission set gets an ID, a role suffix and
	// version 1, and is provisioned where it was assigned.
	ps, err := s.GetPermissionSet(ctx, "Admin")
	if err != nil || !regexp.MustCompile(`^ps-[0-9a-f]{16}$`).MatchString(ps.ID) || !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(ps.RoleSuffix) ||
		ps.Version != 1 || ps.SessionDuration != time.Hour || ps.CreatedAt.IsZero() {
		t.Errorf("permission set after migration: %+v, %v", ps, err)
	}
	if pv, err := s.ListProvisioned(ctx, "Admin", ""); err != nil || len(pv) != 1 || pv[0].AccountID != "111111111111" || !pv[0].Current {
		t.Errorf("provisioned after migration: %+v, %v", pv, err)
	}
	var fam string
	if err := s.r.QueryRowContext(ctx, `SELECT user_id FROM families WHERE id = 'f1'`).Scan(&fam); err != nil || fam != b.ID {
		t.Errorf("family's user after migration: %q, %v", fam, err)
	}
	rows, err := s.r.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		t.Fatal(err)
	}
	if rows.Next() {
		t.Errorf("foreign keys broken after migration")
	}
	rows.Close()
	var refs string
	if err := s.r.QueryRowContext(ctx, `SELECT sql FROM sqlite_schema WHERE name = 'memberships'`).Scan(&refs); err != nil ||
		!strings.Contains(refs, `REFERENCES "users"`) {
		t.Errorf("memberships must reference users after the rename: %s, %v", refs, err)
	}
	// Two groups created in one statement got different IDs.
	gs, _ := s.ListGroups(ctx, sso.GroupQuery{})
	if len(gs) != 3 || gs[0].ID == gs[1].ID || gs[1].ID == gs[2].ID {
		t.Errorf("groups after migration: %+v", gs)
	}
}
