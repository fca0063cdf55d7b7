package postgres

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// TestMigrateDirectory builds a schema at version 2 holding users with
// group names and assignments by name, and checks what migration 3 makes
// of it (see the SQLite store's test of the same name).
func TestMigrateDirectory(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	schema := freshSchema(t)
	conn := adminConn(t)
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	const alice, bob = "0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210"
	stmts := []string{
		`CREATE SCHEMA ` + pgx.Identifier{schema}.Sanitize(),
		`SET search_path TO ` + pgx.Identifier{schema}.Sanitize(),
		ms[0].SQL, ms[1].SQL,
		`CREATE TABLE schema_migrations (version integer NOT NULL PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
		`INSERT INTO schema_migrations (version, name) VALUES (1, '` + ms[0].Name + `'), (2, '` + ms[1].Name + `')`,
		`INSERT INTO users VALUES ('` + alice + `', 'alice', 'Alice', 'alice@example.com', '{devs,ops}', 'hash', now())`,
		`INSERT INTO users VALUES ('` + bob + `', 'bob', '', '', '{devs}', 'hash2', now())`,
		`INSERT INTO sessions VALUES ('\x01', '` + alice + `', now(), now() + interval '1 day')`,
		`INSERT INTO families VALUES ('f1', 'c', '` + bob + `', '{}', true, now(), now() + interval '1 day', NULL)`,
		`INSERT INTO accounts VALUES ('111111111111', 'Prod', '', 'sts', '', '')`,
		`INSERT INTO permission_sets VALUES ('Admin', '', 3600000)`,
		`INSERT INTO assignments VALUES ('111111111111', 'Admin', 'user', 'alice'), ('111111111111', 'Admin', 'group', 'devs'),
			('111111111111', 'Admin', 'group', 'auditors'), ('111111111111', 'Admin', 'user', 'nobody')`,
		`RESET search_path`,
	}
	for _, q := range stmts {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%.60s: %v", q, err)
		}
	}
	s := open(t, testDSN(), schema, Options{})
	defer s.Close()
	a, err := s.GetUserByName(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != "01234567-89ab-cdef-0123-456789abcdef" || a.Email != "alice@example.com" ||
		sso.PrimaryEmail(a.Profile.Emails) != "alice@example.com" || a.PasswordHash != "hash" || a.UpdatedAt.IsZero() {
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
	if n, err := s.CountMembers(ctx, devs.ID); err != nil || n != 2 {
		t.Errorf("members of devs = %d, %v", n, err)
	}
	as, err := s.ListAssignmentsFor(ctx, b.ID)
	if err != nil || len(as) != 1 || as[0].PrincipalID != devs.ID || as[0].PrincipalType != sso.PrincipalGroup {
		t.Errorf("bob's assignments after migration: %+v, %v", as, err)
	}
	if all, err := s.ListAssignments(ctx); err != nil || len(all) != 3 {
		t.Errorf("assignments after migration (the one to nobody dropped): %+v, %v", all, err)
	}
	if gs, _ := s.ListGroups(ctx, sso.GroupQuery{}); len(gs) != 3 {
		t.Errorf("groups after migration: %+v", gs)
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
	if err := s.pool.QueryRow(ctx, `SELECT user_id FROM families WHERE id = 'f1'`).Scan(&fam); err != nil || fam != b.ID {
		t.Errorf("family's user after migration: %q, %v", fam, err)
	}
}
