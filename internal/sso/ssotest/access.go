package ssotest

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

func newAccount(id string) sso.Account {
	return sso.Account{ID: id, Name: "Account \u00fc " + id, Email: id + "@example.com", Source: sso.SourceSTS,
		RoleARN: "arn:aws:iam::{account_id}:role/{permission_set}", CredentialsFile: "/etc/ssooidc/" + id + ".json"}
}

func seedAccess(t *testing.T, s sso.Store) {
	t.Helper()
	ctx := context.Background()
	for _, id := range []string{"222222222222", "111111111111"} {
		if err := s.PutAccount(ctx, newAccount(id)); err != nil {
			t.Fatalf("PutAccount: %v", err)
		}
	}
	for _, p := range []sso.PermissionSet{{Name: "ReadOnly", Description: "read", SessionDuration: 2 * time.Hour},
		{Name: "Admin", Description: "all", SessionDuration: time.Hour + 500*time.Millisecond}} {
		if err := s.PutPermissionSet(ctx, p); err != nil {
			t.Fatalf("PutPermissionSet: %v", err)
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
		if err != nil || got.SessionDuration != time.Hour+500*time.Millisecond || got.Description != "all" {
			t.Fatalf("GetPermissionSet = %+v, %v", got, err)
		}
		if err := s.PutPermissionSet(ctx, sso.PermissionSet{Name: "Admin", Description: "changed", SessionDuration: 12 * time.Hour}); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.GetPermissionSet(ctx, "Admin"); got.Description != "changed" || got.SessionDuration != 12*time.Hour {
			t.Errorf("replace: %+v", got)
		}
		list, err := s.ListPermissionSets(ctx)
		if err != nil || len(list) != 2 || list[0].Name != "Admin" || list[1].Name != "ReadOnly" {
			t.Errorf("ListPermissionSets = %+v, %v", list, err)
		}
		if err := s.DeletePermissionSet(ctx, "Admin"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetPermissionSet(ctx, "Admin"); !errors.Is(err, sso.ErrNotFound) {
			t.Errorf("after delete: %v", err)
		}
		if err := s.DeletePermissionSet(ctx, "Admin"); !errors.Is(err, sso.ErrNotFound) {
			t.Errorf("delete twice: %v", err)
		}
	}},
	{"access/assignments: put, idempotent, missing parents, for principals, cascades", func(t *testing.T, s sso.Store) {
		ctx := context.Background()
		seedAccess(t, s)
		as := []sso.Assignment{
			{AccountID: "222222222222", PermissionSet: "ReadOnly", PrincipalType: sso.PrincipalGroup, Principal: "devs"},
			{AccountID: "111111111111", PermissionSet: "Admin", PrincipalType: sso.PrincipalUser, Principal: "alice"},
			{AccountID: "111111111111", PermissionSet: "ReadOnly", PrincipalType: sso.PrincipalUser, Principal: "bob"},
			{AccountID: "111111111111", PermissionSet: "ReadOnly", PrincipalType: sso.PrincipalGroup, Principal: "alice"},
		}
		for _, a := range as {
			if err := s.PutAssignment(ctx, a); err != nil {
				t.Fatalf("PutAssignment(%+v): %v", a, err)
			}
		}
		if err := s.PutAssignment(ctx, as[0]); err != nil {
			t.Errorf("PutAssignment of an existing assignment: %v", err)
		}
		if err := s.PutAssignment(ctx, sso.Assignment{AccountID: "999999999999", PermissionSet: "Admin", PrincipalType: sso.PrincipalUser, Principal: "x"}); !errors.Is(err, sso.ErrNotFound) {
			t.Errorf("unknown account: %v", err)
		}
		if err := s.PutAssignment(ctx, sso.Assignment{AccountID: "111111111111", PermissionSet: "Nope", PrincipalType: sso.PrincipalUser, Principal: "x"}); !errors.Is(err, sso.ErrNotFound) {
			t.Errorf("unknown permission set: %v", err)
		}
		all, err := s.ListAssignments(ctx)
		if err != nil || len(all) != 4 || all[0] != as[1] || all[1] != as[3] || all[2] != as[2] || all[3] != as[0] {
			t.Errorf("ListAssignments order = %+v, %v", all, err)
		}
		// alice the user and the group devs; a group named like a user is
		// not the user.
		mine, err := s.ListAssignmentsFor(ctx, "alice", []string{"devs", "nobody"})
		if err != nil || len(mine) != 2 || mine[0] != as[1] || mine[1] != as[0] {
			t.Errorf("ListAssignmentsFor(alice, devs) = %+v, %v", mine, err)
		}
		if none, err := s.ListAssignmentsFor(ctx, "carol", nil); err != nil || len(none) != 0 {
			t.Errorf("ListAssignmentsFor(carol) = %+v, %v", none, err)
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
		if err := s.DeletePermissionSet(ctx, "Admin"); err != nil {
			t.Fatal(err)
		}
		if left, _ := s.ListAssignments(ctx); len(left) != 1 || left[0] != as[3] {
			t.Errorf("assignments did not go with their account and permission set: %+v", left)
		}
	}},
}
