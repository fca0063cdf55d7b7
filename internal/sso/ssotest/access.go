package ssotest

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

func newAccount(id string) sso.Account {
	return sso.Account{ID: id, Name: "Account \u00fc " + id, Email: id + "@example.com", Source: sso.SourceSTS,
		RoleARN: "arn:aws:iam::{account_id}:role/{permission_set}", CredentialsFile: "/etc/ssooidc/" + id + ".json"}
}

// newPermissionSet returns a permission set with every field set.
func newPermissionSet(name string, d time.Duration) sso.PermissionSet {
	return sso.PermissionSet{Name: name, Description: "about " + name, SessionDuration: d,
		ID: "ps-" + sso.RandomID()[:16], SessionDurationISO: "", RelayState: "https://console.aws.amazon.com/",
		CreatedAt: base, RoleSuffix: sso.RandomID()[:16], Version: 1,
		Policies: sso.PermissionSetPolicies{
			Managed:         []sso.ManagedPolicy{{ARN: "arn:aws:iam::aws:policy/ReadOnlyAccess", Name: "ReadOnlyAccess"}},
			CustomerManaged: []sso.CustomerManagedPolicy{{Name: "team-policy", Path: "/teams/"}},
			Inline:          "{\n  \"Version\": \"2012-10-17\", \"Statement\": []\n}",
			Boundary:        &sso.PermissionsBoundary{CustomerManaged: &sso.CustomerManagedPolicy{Name: "boundary"}},
		},
		Tags: []sso.Tag{{Key: "team", Value: "platform \u00fc"}, {Key: "cost", Value: ""}},
	}
}

func seedAccess(t *testing.T, s sso.Store) {
	t.Helper()
	ctx := context.Background()
	for _, id := range []string{"222222222222", "111111111111"} {
		if err := s.PutAccount(ctx, newAccount(id)); err != nil {
			t.Fatalf("PutAccount: %v", err)
		}
	}
	for _, p := range []sso.PermissionSet{newPermissionSet("ReadOnly", 2*time.Hour), newPermissionSet("Admin", time.Hour+500*time.Millisecond)} {
		if err := s.CreatePermissionSet(ctx, p); err != nil {
			t.Fatalf("CreatePermissionSet: %v", err)
		}
	}
}

var accessTests = []test{
	{"access/accounts round trip, replace, order, delete", func(t *testing.T, s sso.Store) {
		ctx := context.Background()
		seedAccess(t, s)
		got, err := s.GetAccount(ctx, "111111111111")
		if err != nil || !reflect.DeepEqual(got, newAccount("111111111111")) {
			t.Fatalf("GetAccount = %+v, %v", got, err)
		}
		changed := newAccount("111111111111")
		changed.Name, changed.Source, changed.RoleARN, changed.CredentialsFile, changed.Email = "Renamed", sso.SourceStatic, "", "", ""
		if err := s.PutAccount(ctx, changed); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.GetAccount(ctx, "111111111111"); !reflect.DeepEqual(got, changed) {
			t.Errorf("replace: %+v", got)
		}
		list, err := s.ListAccounts(ctx)
		if err != nil || len(list) != 2 || list[0].ID != "111111111111" || list[1].ID != "222222222222" {
			t.Errorf("ListAccounts = %+v, %v", list, err)
		}
		if err := s.DeleteAccount(ctx, "111111111111"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetAccount(ctx, "111111111111"); !errors.Is(err, sso.ErrNotFound) {
			t.Errorf("GetAccount after delete: %v", err)
		}
		if err := s.DeleteAccount(ctx, "111111111111"); !errors.Is(err, sso.ErrNotFound) {
			t.Errorf("DeleteAccount twice: %v", err)
		}
	}},
	{"access/permission sets round trip, replace, order, delete", func(t *testing.T, s sso.Store) {
		ctx := context.Background()
		seedAccess(t, s)
		got, err := s.GetPermissionSet(ctx, "Admin")
		want := newPermissionSet("Admin", time.Hour+500*time.Millisecond)
		want.ID, want.RoleSuffix = got.ID, got.RoleSuffix
		must(t, "GetPermissionSet", err)
		same(t, "GetPermissionSet", got, want)
		if byID, err := s.GetPermissionSetByID(ctx, got.ID); err != nil || !reflect.DeepEqual(byID, got) {
			t.Errorf("GetPermissionSetByID = %+v, %v", byID, err)
		}
		if _, err := s.GetPermissionSetByID(ctx, "ps-0000000000000000"); !errors.Is(err, sso.ErrNotFound) {
			t.Errorf("GetPermissionSetByID(unknown): %v", err)
		}
		dup := newPermissionSet("Admin", time.Hour)
		if err := s.CreatePermissionSet(ctx, dup); !errors.Is(err, sso.ErrConflict) {
			t.Errorf("CreatePermissionSet of an existing name: %v", err)
		}
		dup.Name, dup.ID = "Other", got.ID
		if err := s.CreatePermissionSet(ctx, dup); !errors.Is(err, sso.ErrConflict) {
			t.Errorf("CreatePermissionSet of an existing ID: %v", err)
		}
		updated, err := s.UpdatePermissionSet(ctx, "Admin", func(p sso.PermissionSet) (sso.PermissionSet, error) {
			p.Description, p.SessionDuration, p.SessionDurationISO = "changed", 12*time.Hour, "PT720M"
			p.Name, p.ID, p.CreatedAt = "Renamed", "ps-ffffffffffffffff", at(time.Hour) // ignored
			p.Policies.Managed = append(p.Policies.Managed, sso.ManagedPolicy{ARN: "arn:aws:iam::aws:policy/job-function/Billing", Name: "Billing"})
			p.Policies.Boundary, p.Tags, p.Version = nil, nil, p.Version+1
			return p, nil
		})
		if err != nil || updated.Name != "Admin" || updated.ID != got.ID || !updated.CreatedAt.Equal(base) || updated.Policies.Inline != want.Policies.Inline {
			t.Fatalf("UpdatePermissionSet = %+v, %v", updated, err)
		}
		if again, _ := s.GetPermissionSet(ctx, "Admin"); !reflect.DeepEqual(again, updated) || again.Description != "changed" ||
			again.SessionDuration != 12*time.Hour || again.SessionDurationISO != "PT720M" || len(again.Policies.Managed) != 2 ||
			again.Policies.Boundary != nil || again.Tags != nil || again.Version != 2 {
			t.Errorf("after update: %+v, want %+v", again, updated)
		}
		boom := errors.New("refused")
		if _, err := s.UpdatePermissionSet(ctx, "Admin", func(p sso.PermissionSet) (sso.PermissionSet, error) {
			p.Description = "not stored"
			return p, boom
		}); !errors.Is(err, boom) {
			t.Errorf("UpdatePermissionSet's own error: %v", err)
		}
		if again, _ := s.GetPermissionSet(ctx, "Admin"); again.Description != "changed" {
			t.Errorf("a refused update was stored: %+v", again)
		}
		if _, err := s.UpdatePermissionSet(ctx, "Nope", func(p sso.PermissionSet) (sso.PermissionSet, error) { return p, nil }); !errors.Is(err, sso.ErrNotFound) {
			t.Errorf("UpdatePermissionSet(unknown): %v", err)
		}
		list, err := s.ListPermissionSets(ctx)
		if err != nil || len(list) != 2 || list[0].Name != "Admin" || list[1].Name != "ReadOnly" {
			t.Errorf("ListPermissionSets = %+v, %v", list, err)
		}
		if err := s.DeletePermissionSet(ctx, "Admin", false); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetPermissionSet(ctx, "Admin"); !errors.Is(err, sso.ErrNotFound) {
			t.Errorf("after delete: %v", err)
		}
		if err := s.DeletePermissionSet(ctx, "Admin", true); !errors.Is(err, sso.ErrNotFound) {
			t.Errorf("delete twice: %v", err)
		}
	}},
	{"access/assignments: put, idempotent, missing parents, for principals, cascades", func(t *testing.T, s sso.Store) {
		ctx := context.Background()
		seedAccess(t, s)
		alice, bob, carol := newUser("alice"), newUser("bob"), newUser("carol")
		devs, ops := newGroup("devs"), newGroup("ops")
		ops.ExternalIDs = nil
		for _, u := range []sso.User{alice, bob, carol} {
			u.ExternalIDs = nil
			if err := s.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
		}
		for _, g := range []sso.Group{devs, ops} {
			if err := s.CreateGroup(ctx, g); err != nil {
				t.Fatal(err)
			}
		}
		for _, m := range []sso.Membership{newMembership(devs.ID, alice.ID), newMembership(ops.ID, bob.ID)} {
			if err := s.CreateMembership(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		as := []sso.Assignment{
			{AccountID: "222222222222", PermissionSet: "ReadOnly", PrincipalType: sso.PrincipalGroup, PrincipalID: devs.ID},
			{AccountID: "111111111111", PermissionSet: "Admin", PrincipalType: sso.PrincipalUser, PrincipalID: alice.ID},
			{AccountID: "111111111111", PermissionSet: "ReadOnly", PrincipalType: sso.PrincipalUser, PrincipalID: bob.ID},
			{AccountID: "111111111111", PermissionSet: "ReadOnly", PrincipalType: sso.PrincipalGroup, PrincipalID: ops.ID},
		}
		for _, a := range as {
			if err := s.PutAssignment(ctx, a); err != nil {
				t.Fatalf("PutAssignment(%+v): %v", a, err)
			}
		}
		if err := s.PutAssignment(ctx, as[0]); err != nil {
			t.Errorf("PutAssignment of an existing assignment: %v", err)
		}
		for name, a := range map[string]sso.Assignment{
			"account":        {AccountID: "999999999999", PermissionSet: "Admin", PrincipalType: sso.PrincipalUser, PrincipalID: alice.ID},
			"permission set": {AccountID: "111111111111", PermissionSet: "Nope", PrincipalType: sso.PrincipalUser, PrincipalID: alice.ID},
			"user":           {AccountID: "111111111111", PermissionSet: "Admin", PrincipalType: sso.PrincipalUser, PrincipalID: sso.RandomUUID()},
			"group":          {AccountID: "111111111111", PermissionSet: "Admin", PrincipalType: sso.PrincipalGroup, PrincipalID: sso.RandomUUID()},
			"group as user":  {AccountID: "111111111111", PermissionSet: "Admin", PrincipalType: sso.PrincipalUser, PrincipalID: devs.ID},
		} {
			if err := s.PutAssignment(ctx, a); !errors.Is(err, sso.ErrNotFound) {
				t.Errorf("PutAssignment with an unknown %s: %v", name, err)
			}
		}
		byOrder := func(xs ...sso.Assignment) []sso.Assignment {
			out := slices.Clone(xs)
			slices.SortFunc(out, func(a, b sso.Assignment) int {
				return strings.Compare(a.AccountID+"/"+a.PermissionSet+"/"+a.PrincipalType+"/"+a.PrincipalID,
					b.AccountID+"/"+b.PermissionSet+"/"+b.PrincipalType+"/"+b.PrincipalID)
			})
			return out
		}
		all, err := s.ListAssignments(ctx)
		if err != nil || !reflect.DeepEqual(all, byOrder(as...)) {
			t.Errorf("ListAssignments = %+v, %v; want %+v", all, err, byOrder(as...))
		}
		// alice directly and through devs; bob directly and through ops.
		mine, err := s.ListAssignmentsFor(ctx, alice.ID)
		if err != nil || !reflect.DeepEqual(mine, byOrder(as[0], as[1])) {
			t.Errorf("ListAssignmentsFor(alice) = %+v, %v", mine, err)
		}
		mine, err = s.ListAssignmentsFor(ctx, bob.ID)
		if err != nil || !reflect.DeepEqual(mine, byOrder(as[2], as[3])) {
			t.Errorf("ListAssignmentsFor(bob) = %+v, %v", mine, err)
		}
		if none, err := s.ListAssignmentsFor(ctx, carol.ID); err != nil || len(none) != 0 {
			t.Errorf("ListAssignmentsFor(carol) = %+v, %v", none, err)
		}
		// A new membership grants at once.
		if err := s.CreateMembership(ctx, newMembership(devs.ID, carol.ID)); err != nil {
			t.Fatal(err)
		}
		if got, err := s.ListAssignmentsFor(ctx, carol.ID); err != nil || !reflect.DeepEqual(got, []sso.Assignment{as[0]}) {
			t.Errorf("ListAssignmentsFor(carol) after joining devs = %+v, %v", got, err)
		}
		if err := s.DeleteAssignment(ctx, as[2]); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteAssignment(ctx, as[2]); !errors.Is(err, sso.ErrNotFound) {
			t.Errorf("DeleteAssignment twice: %v", err)
		}
		if err := s.DeleteAccount(ctx, "222222222222"); err != nil {
			t.Fatal(err)
		}
		if err := s.DeletePermissionSet(ctx, "Admin", false); !errors.Is(err, sso.ErrConflict) {
			t.Errorf("DeletePermissionSet with assignments, without them: %v", err)
		}
		if err := s.DeletePermissionSet(ctx, "Admin", true); err != nil {
			t.Fatal(err)
		}
		if left, _ := s.ListAssignments(ctx); len(left) != 1 || left[0] != as[3] {
			t.Errorf("assignments did not go with their account and permission set: %+v", left)
		}
	}},
}
