package ssotest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

var adminTests = []test{
	{"Admin/QueryAssignmentsPages", testQueryAssignments},
	{"Admin/Provisioning", testProvisioning},
	{"Admin/AssignmentRequests", testAssignmentRequests},
	{"Admin/RequestRecords", testRequestRecords},
	{"Admin/Applications", testApplications},
	{"Admin/ApplicationAssignments", testAppAssignments},
	{"Admin/TrustedTokenIssuers", testTrustedTokenIssuers},
}

// seedPeople stores n users, one group with the first two as members, and
// returns them.
func seedPeople(t *testing.T, s sso.Store, n int) ([]sso.User, sso.Group) {
	t.Helper()
	ctx := t.Context()
	var users []sso.User
	for i := range n {
		u := newUser(fmt.Sprintf("user%02d", i))
		u.ExternalIDs = nil
		must(t, "CreateUser", s.CreateUser(ctx, u))
		users = append(users, u)
	}
	g := newGroup("team")
	g.ExternalIDs = nil
	must(t, "CreateGroup", s.CreateGroup(ctx, g))
	for _, u := range users[:min(2, n)] {
		must(t, "CreateMembership", s.CreateMembership(ctx, newMembership(g.ID, u.ID)))
	}
	return users, g
}

// pageAll reads every page of q, limit at a time, and returns the pages.
func pageAll(t *testing.T, s sso.Store, q sso.AssignmentQuery, limit int) [][]sso.Assignment {
	t.Helper()
	var pages [][]sso.Assignment
	q.Limit = limit
	for range 100 {
		page, err := s.QueryAssignments(t.Context(), q)
		must(t, "QueryAssignments", err)
		if len(page) == 0 {
			return pages
		}
		pages = append(pages, page)
		q.After = sso.AssignmentKey(page[len(page)-1])
	}
	t.Fatal("QueryAssignments never ends")
	return nil
}

func flatten(pages [][]sso.Assignment) []sso.Assignment {
	var out []sso.Assignment
	for _, p := range pages {
		out = append(out, p...)
	}
	return out
}

func testQueryAssignments(t *testing.T, s sso.Store) {
	ctx := t.Context()
	seedAccess(t, s)
	users, g := seedPeople(t, s, 3)
	// Permission set names whose byte order differs from a
	// case-insensitive or locale order.
	for _, n := range []string{"a-lower", "B_upper", "Z.last"} {
		must(t, "CreatePermissionSet", s.CreatePermissionSet(ctx, newPermissionSet(n, time.Hour)))
	}
	var mine []sso.Assignment // users[0]'s direct assignments, in order
	for _, acct := range []string{"111111111111", "222222222222"} {
		for _, ps := range []string{"Admin", "B_upper", "ReadOnly", "Z.last", "a-lower"} {
			a := sso.Assignment{AccountID: acct, PermissionSet: ps, PrincipalType: sso.PrincipalUser, PrincipalID: users[0].ID}
			must(t, "PutAssignment", s.PutAssignment(ctx, a))
			mine = append(mine, a)
			for _, o := range []sso.Assignment{
				{AccountID: acct, PermissionSet: ps, PrincipalType: sso.PrincipalUser, PrincipalID: users[1].ID},
				{AccountID: acct, PermissionSet: ps, PrincipalType: sso.PrincipalGroup, PrincipalID: g.ID},
			} {
				must(t, "PutAssignment", s.PutAssignment(ctx, o))
			}
		}
	}
	pages := pageAll(t, s, sso.AssignmentQuery{PrincipalType: sso.PrincipalUser, PrincipalID: users[0].ID}, 3)
	if len(pages) != 4 || len(pages[0]) != 3 || len(pages[3]) != 1 || !reflect.DeepEqual(flatten(pages), mine) {
		t.Errorf("pages of users[0] = %+v\nwant %+v", pages, mine)
	}
	one := pageAll(t, s, sso.AssignmentQuery{PrincipalType: sso.PrincipalUser, PrincipalID: users[0].ID, AccountID: "222222222222"}, 2)
	if got := flatten(one); !reflect.DeepEqual(got, mine[5:]) {
		t.Errorf("users[0] in 222222222222 = %+v", got)
	}
	// One account and permission set: its principals, by type then ID.
	byPS := flatten(pageAll(t, s, sso.AssignmentQuery{AccountID: "111111111111", PermissionSet: "B_upper"}, 1))
	if len(byPS) != 3 || byPS[0].PrincipalType != sso.PrincipalGroup || byPS[1].PrincipalType != sso.PrincipalUser ||
		byPS[1].PrincipalID > byPS[2].PrincipalID {
		t.Errorf("assignments of 111111111111/B_upper = %+v", byPS)
	}
	all := flatten(pageAll(t, s, sso.AssignmentQuery{}, 7))
	if list, _ := s.ListAssignments(ctx); len(all) != 30 || !reflect.DeepEqual(all, list) {
		t.Errorf("every assignment, paged = %d, ListAssignments %d", len(all), len(list))
	}
	full := sso.AssignmentQuery{AccountID: mine[0].AccountID, PermissionSet: mine[0].PermissionSet,
		PrincipalType: mine[0].PrincipalType, PrincipalID: mine[0].PrincipalID}
	if got := flatten(pageAll(t, s, full, 5)); !reflect.DeepEqual(got, mine[:1]) {
		t.Errorf("one assignment by every field = %+v", got)
	}
	for _, bad := range []string{"not a key", "\x00\x00\x00\x00\x00", "a\xffb\x00c\x00d\x00e"} {
		if got, err := s.QueryAssignments(ctx, sso.AssignmentQuery{Page: sso.Page{After: bad}}); err != nil || len(got) != 0 {
			t.Errorf("QueryAssignments after %q = %+v, %v", bad, got, err)
		}
	}
	if got, err := s.QueryAssignments(ctx, sso.AssignmentQuery{PrincipalType: sso.PrincipalUser, PrincipalID: "\xff\x00"}); err != nil || len(got) != 0 {
		t.Errorf("QueryAssignments of a principal that cannot be stored = %+v, %v", got, err)
	}
}

// provisioned returns ListProvisioned as account: current pairs.
func provisioned(t *testing.T, s sso.Store, name, account string) map[string]bool {
	t.Helper()
	ps, err := s.ListProvisioned(t.Context(), name, account)
	must(t, "ListProvisioned", err)
	out := map[string]bool{}
	for _, p := range ps {
		out[p.PermissionSet+"/"+p.AccountID] = p.Current
	}
	return out
}

func newRequest(kind string) sso.AdminRequest {
	return sso.AdminRequest{ID: sso.RandomUUID(), Kind: kind, Status: sso.StatusSucceeded, AccountID: "111111111111",
		PermissionSetARN: "arn:aws:sso:::permissionSet/ssoins-1234567890abcdef/ps-1234567890abcdef",
		CreatedAt:        base, ExpiresAt: at(30 * 24 * time.Hour)}
}

func testProvisioning(t *testing.T, s sso.Store) {
	ctx := t.Context()
	seedAccess(t, s)
	users, _ := seedPeople(t, s, 2)
	a1 := sso.Assignment{AccountID: "111111111111", PermissionSet: "Admin", PrincipalType: sso.PrincipalUser, PrincipalID: users[0].ID}
	a2 := a1
	a2.PrincipalID = users[1].ID
	must(t, "PutAssignment", s.PutAssignment(ctx, a1))
	must(t, "PutAssignment", s.PutAssignment(ctx, a2))
	if got := provisioned(t, s, "Admin", ""); !reflect.DeepEqual(got, map[string]bool{"Admin/111111111111": true}) {
		t.Errorf("after two assignments: %v", got)
	}
	// A change that needs provisioning: the account is behind.
	_, err := s.UpdatePermissionSet(ctx, "Admin", func(p sso.PermissionSet) (sso.PermissionSet, error) {
		p.Version++
		return p, nil
	})
	must(t, "UpdatePermissionSet", err)
	if got := provisioned(t, s, "", "111111111111"); !reflect.DeepEqual(got, map[string]bool{"Admin/111111111111": false}) {
		t.Errorf("after a change: %v", got)
	}
	// Provisioning to one more account, then to every account it has.
	must(t, "ProvisionPermissionSet", s.ProvisionPermissionSet(ctx, "Admin", "222222222222", newRequest(sso.RequestProvision)))
	if got := provisioned(t, s, "Admin", ""); !reflect.DeepEqual(got, map[string]bool{"Admin/111111111111": false, "Admin/222222222222": true}) {
		t.Errorf("after provisioning 222222222222: %v", got)
	}
	must(t, "ProvisionPermissionSet", s.ProvisionPermissionSet(ctx, "Admin", "", newRequest(sso.RequestProvision)))
	if got := provisioned(t, s, "Admin", ""); !reflect.DeepEqual(got, map[string]bool{"Admin/111111111111": true, "Admin/222222222222": true}) {
		t.Errorf("after provisioning all: %v", got)
	}
	for name, call := range map[string]func() error{
		"unknown permission set": func() error {
			return s.ProvisionPermissionSet(ctx, "Nope", "111111111111", newRequest(sso.RequestProvision))
		},
		"unknown account": func() error {
			return s.ProvisionPermissionSet(ctx, "Admin", "999999999999", newRequest(sso.RequestProvision))
		},
		"all of an unknown permission set": func() error { return s.ProvisionPermissionSet(ctx, "Nope", "", newRequest(sso.RequestProvision)) },
	} {
		if err := call(); !errors.Is(err, sso.ErrNotFound) {
			t.Errorf("ProvisionPermissionSet, %s: %v", name, err)
		}
	}
	if reqs, _ := s.ListAdminRequests(ctx, sso.RequestQuery{Kind: sso.RequestProvision}); len(reqs) != 2 {
		t.Errorf("provisioning requests stored: %d, want 2 (the refused ones store nothing)", len(reqs))
	}
	// The last assignment in an account unprovisions it; not before.
	must(t, "DeleteAssignment", s.DeleteAssignment(ctx, a1))
	if got := provisioned(t, s, "", "111111111111"); len(got) != 1 {
		t.Errorf("after deleting one of two assignments: %v", got)
	}
	must(t, "DeleteAssignment", s.DeleteAssignment(ctx, a2))
	if got := provisioned(t, s, "", "111111111111"); len(got) != 0 {
		t.Errorf("after deleting the last assignment: %v", got)
	}
	if got := provisioned(t, s, "Admin", ""); len(got) != 1 {
		t.Errorf("the other account: %v", got)
	}
	must(t, "DeleteAccount", s.DeleteAccount(ctx, "222222222222"))
	if got := provisioned(t, s, "Admin", ""); len(got) != 0 {
		t.Errorf("after deleting the account: %v", got)
	}
}

func testAssignmentRequests(t *testing.T, s sso.Store) {
	ctx := t.Context()
	seedAccess(t, s)
	users, _ := seedPeople(t, s, 1)
	a := sso.Assignment{AccountID: "111111111111", PermissionSet: "ReadOnly", PrincipalType: sso.PrincipalUser, PrincipalID: users[0].ID}
	create := sso.AssignmentRequest{Request: newRequest(sso.RequestCreateAssignment), Assignment: a}
	create.Request.PrincipalType, create.Request.PrincipalID = a.PrincipalType, a.PrincipalID
	ev := newEvent("assignment.created", 0, "", "")
	must(t, "ApplyAssignmentRequest", s.ApplyAssignmentRequest(sso.WithEvent(ctx, ev), create))
	got, err := s.GetAdminRequest(ctx, sso.RequestCreateAssignment, create.Request.ID)
	must(t, "GetAdminRequest", err)
	same(t, "GetAdminRequest", got, create.Request)
	if _, err := s.GetAdminRequest(ctx, sso.RequestDeleteAssignment, create.Request.ID); !errors.Is(err, sso.ErrNotFound) {
		t.Errorf("GetAdminRequest of another kind: %v", err)
	}
	if mine, _ := s.ListAssignmentsFor(ctx, users[0].ID); len(mine) != 1 || mine[0] != a {
		t.Errorf("after the creation request: %+v", mine)
	}
	if evs, _ := s.ListEvents(ctx, sso.EventQuery{}); len(evs) != 1 || evs[0].Type != "assignment.created" {
		t.Errorf("events after the creation: %+v", evs)
	}
	if err := s.ApplyAssignmentRequest(ctx, create); !errors.Is(err, sso.ErrConflict) {
		t.Errorf("a second request with the same ID: %v", err)
	}
	// A creation whose parent is missing stores nothing, events included.
	missing := sso.AssignmentRequest{Request: newRequest(sso.RequestCreateAssignment), Assignment: a}
	missing.Assignment.PrincipalID = sso.RandomUUID()
	if err := s.ApplyAssignmentRequest(sso.WithEvent(ctx, ev), missing); !errors.Is(err, sso.ErrNotFound) {
		t.Errorf("a creation for a missing principal: %v", err)
	}
	if _, err := s.GetAdminRequest(ctx, sso.RequestCreateAssignment, missing.Request.ID); !errors.Is(err, sso.ErrNotFound) {
		t.Errorf("a refused request was stored: %v", err)
	}
	del := sso.AssignmentRequest{Request: newRequest(sso.RequestDeleteAssignment), Assignment: a}
	must(t, "ApplyAssignmentRequest(delete)", s.ApplyAssignmentRequest(ctx, del))
	if mine, _ := s.ListAssignmentsFor(ctx, users[0].ID); len(mine) != 0 {
		t.Errorf("after the deletion request: %+v", mine)
	}
	if got := provisioned(t, s, "ReadOnly", ""); len(got) != 0 {
		t.Errorf("provisioned after the last assignment's deletion: %v", got)
	}
	again := sso.AssignmentRequest{Request: newRequest(sso.RequestDeleteAssignment), Assignment: a}
	if err := s.ApplyAssignmentRequest(sso.WithEvent(ctx, ev), again); !errors.Is(err, sso.ErrNotFound) {
		t.Errorf("deleting a missing assignment: %v", err)
	}
	if evs, _ := s.ListEvents(ctx, sso.EventQuery{}); len(evs) != 1 {
		t.Errorf("refused requests stored events: %+v", evs)
	}
}

func testRequestRecords(t *testing.T, s sso.Store) {
	ctx := t.Context()
	var ids []string
	for i := range 5 {
		r := newRequest(sso.RequestDeleteAssignment)
		if i%2 == 1 {
			r.Status, r.FailureReason = sso.StatusFailed, "The assignment does not exist. \u00fc"
		}
		if i == 4 {
			r.ExpiresAt = at(-time.Minute)
		}
		must(t, "PutAdminRequest", s.PutAdminRequest(ctx, r))
		ids = append(ids, r.ID)
	}
	must(t, "PutAdminRequest", s.PutAdminRequest(ctx, newRequest(sso.RequestCreateAssignment)))
	dup := newRequest(sso.RequestProvision)
	dup.ID = ids[0]
	if err := s.PutAdminRequest(ctx, dup); !errors.Is(err, sso.ErrConflict) {
		t.Errorf("PutAdminRequest of an existing ID: %v", err)
	}
	var seen []string
	q := sso.RequestQuery{Kind: sso.RequestDeleteAssignment, Page: sso.Page{Limit: 2}}
	for range 10 {
		page, err := s.ListAdminRequests(ctx, q)
		must(t, "ListAdminRequests", err)
		if len(page) == 0 {
			break
		}
		for _, r := range page {
			seen = append(seen, r.ID)
		}
		q.After = page[len(page)-1].ID
	}
	if len(seen) != 5 {
		t.Errorf("paged requests: %d, want 5", len(seen))
	}
	for i := 1; i < len(seen); i++ {
		if seen[i] <= seen[i-1] {
			t.Errorf("requests not in ID order: %v", seen)
		}
	}
	failed, err := s.ListAdminRequests(ctx, sso.RequestQuery{Kind: sso.RequestDeleteAssignment, Status: sso.StatusFailed})
	if err != nil || len(failed) != 2 || failed[0].FailureReason == "" {
		t.Errorf("failed requests = %+v, %v", failed, err)
	}
	n, err := s.DeleteExpired(ctx, base)
	if err != nil || n != 1 {
		t.Errorf("DeleteExpired = %d, %v; want the one expired request", n, err)
	}
	if _, err := s.GetAdminRequest(ctx, sso.RequestDeleteAssignment, ids[4]); !errors.Is(err, sso.ErrNotFound) {
		t.Errorf("an expired request survived collection: %v", err)
	}
}

func newApplication(suffix string) sso.Application {
	return sso.Application{
		ARN:  "arn:aws:sso::123456789012:application/ssoins-1234567890abcdef/apl-" + suffix,
		Name: "App \u00fc " + suffix, Description: "an app", ProviderARN: "arn:aws:sso::aws:applicationProvider/custom",
		Status: sso.Enabled, Portal: sso.Portal{SignInOrigin: "APPLICATION", ApplicationURL: "https://app.example/", Visibility: sso.Enabled},
		Tags:        []sso.Tag{{Key: "k", Value: "v"}},
		ClientToken: "token-" + suffix, CreatedAt: base,
		Grants: []sso.AppGrant{
			{Type: "authorization_code", RedirectURIs: []string{"https://app.example/cb"}},
			{Type: "urn:ietf:params:oauth:grant-type:jwt-bearer", Issuers: []sso.AuthorizedIssuer{{IssuerARN: "arn:tti", Audiences: []string{"aud"}}}},
		},
		Scopes: []sso.AccessScope{{Scope: "app:read", Targets: []string{"arn:aws:sso:::instance/ssoins-1234567890abcdef"}}},
		// Keys out of order and spaces: the policy comes back as JSON
		// with its keys in the order they were written.
		ActorPolicy:        json.RawMessage(`{"Version":"2012-10-17","Statement":[{"Principal":{"AWS":"arn:aws:iam::123456789012:role/app"},"Effect":"Allow","Action":"sso-oauth:CreateTokenWithIAM","Resource":"*"}]}`),
		AssignmentRequired: true, BackgroundSessions: sso.Disabled,
	}
}

func testApplications(t *testing.T, s sso.Store) {
	ctx := t.Context()
	a, b := newApplication("1111111111111111"), newApplication("0000000000000000")
	b.Source, b.ClientToken, b.ActorPolicy, b.Grants, b.Scopes, b.Tags = "config", "", nil, nil, nil, nil
	must(t, "CreateApplication", s.CreateApplication(ctx, a))
	must(t, "CreateApplication", s.CreateApplication(ctx, b))
	got, err := s.GetApplication(ctx, a.ARN)
	a.Version = 1
	must(t, "GetApplication", err)
	same(t, "GetApplication", got, a)
	dup := newApplication("2222222222222222")
	dup.ClientToken = a.ClientToken
	if err := s.CreateApplication(ctx, dup); !errors.Is(err, sso.ErrConflict) {
		t.Errorf("CreateApplication with another's client token: %v", err)
	}
	dup = newApplication("1111111111111111")
	dup.ClientToken = "other"
	if err := s.CreateApplication(ctx, dup); !errors.Is(err, sso.ErrConflict) {
		t.Errorf("CreateApplication of an existing ARN: %v", err)
	}
	c := newApplication("3333333333333333")
	c.ClientToken = ""
	must(t, "CreateApplication without a client token", s.CreateApplication(ctx, c))
	list, err := s.ListApplications(ctx)
	if err != nil || len(list) != 3 || list[0].ARN != b.ARN || list[2].ARN != c.ARN || list[0].Source != "config" {
		t.Errorf("ListApplications = %+v, %v", list, err)
	}
	updated, err := s.UpdateApplication(ctx, a.ARN, func(x sso.Application) (sso.Application, error) {
		x.Status, x.AssignmentRequired = sso.Disabled, false
		x.Grants = x.Grants[:1]
		x.ARN, x.ClientToken, x.CreatedAt, x.Version = "ignored", "ignored", at(time.Hour), 42
		return x, nil
	})
	if err != nil || updated.Version != 2 || updated.ARN != a.ARN || updated.ClientToken != a.ClientToken {
		t.Fatalf("UpdateApplication = %+v, %v", updated, err)
	}
	if again, _ := s.GetApplication(ctx, a.ARN); !reflect.DeepEqual(again, updated) || again.Status != sso.Disabled || len(again.Grants) != 1 {
		t.Errorf("after update: %+v", again)
	}
	boom := errors.New("no")
	if _, err := s.UpdateApplication(ctx, a.ARN, func(x sso.Application) (sso.Application, error) { return x, boom }); !errors.Is(err, boom) {
		t.Errorf("UpdateApplication's own error: %v", err)
	}
	if again, _ := s.GetApplication(ctx, a.ARN); again.Version != 2 {
		t.Errorf("a refused update changed the version: %d", again.Version)
	}
	if _, err := s.UpdateApplication(ctx, "arn:nope", func(x sso.Application) (sso.Application, error) { return x, nil }); !errors.Is(err, sso.ErrNotFound) {
		t.Errorf("UpdateApplication(unknown): %v", err)
	}
	must(t, "DeleteApplication", s.DeleteApplication(ctx, a.ARN))
	if _, err := s.GetApplication(ctx, a.ARN); !errors.Is(err, sso.ErrNotFound) {
		t.Errorf("GetApplication after delete: %v", err)
	}
	if err := s.DeleteApplication(ctx, a.ARN); !errors.Is(err, sso.ErrNotFound) {
		t.Errorf("DeleteApplication twice: %v", err)
	}
	// The client token of a deleted application is free again.
	must(t, "CreateApplication", s.CreateApplication(ctx, newApplication("1111111111111111")))
}

func testAppAssignments(t *testing.T, s sso.Store) {
	ctx := t.Context()
	users, g := seedPeople(t, s, 4) // users 0 and 1 are in g
	apps := []sso.Application{newApplication("aaaaaaaaaaaaaaaa"), newApplication("bbbbbbbbbbbbbbbb")}
	for _, a := range apps {
		must(t, "CreateApplication", s.CreateApplication(ctx, a))
	}
	as := []sso.AppAssignment{
		{ApplicationARN: apps[0].ARN, PrincipalType: sso.PrincipalGroup, PrincipalID: g.ID},
		{ApplicationARN: apps[0].ARN, PrincipalType: sso.PrincipalUser, PrincipalID: users[2].ID},
		{ApplicationARN: apps[1].ARN, PrincipalType: sso.PrincipalUser, PrincipalID: users[2].ID},
	}
	for _, a := range as {
		must(t, "CreateAppAssignment", s.CreateAppAssignment(ctx, a))
	}
	if err := s.CreateAppAssignment(ctx, as[0]); !errors.Is(err, sso.ErrConflict) {
		t.Errorf("CreateAppAssignment twice: %v", err)
	}
	for name, a := range map[string]sso.AppAssignment{
		"application":   {ApplicationARN: "arn:nope", PrincipalType: sso.PrincipalUser, PrincipalID: users[0].ID},
		"user":          {ApplicationARN: apps[0].ARN, PrincipalType: sso.PrincipalUser, PrincipalID: sso.RandomUUID()},
		"group as user": {ApplicationARN: apps[0].ARN, PrincipalType: sso.PrincipalUser, PrincipalID: g.ID},
	} {
		if err := s.CreateAppAssignment(ctx, a); !errors.Is(err, sso.ErrNotFound) {
			t.Errorf("CreateAppAssignment with an unknown %s: %v", name, err)
		}
	}
	for i, want := range map[int]bool{0: true, 1: true, 2: true, 3: false} {
		if ok, err := s.AppAssigned(ctx, apps[0].ARN, users[i].ID); err != nil || ok != want {
			t.Errorf("AppAssigned(app 0, user %d) = %v, %v; want %v", i, ok, err, want)
		}
	}
	if ok, _ := s.AppAssigned(ctx, apps[1].ARN, users[0].ID); ok {
		t.Error("AppAssigned(app 1, user 0) through a group assigned to another application")
	}
	// By application, a page at a time; by principal.
	var got []sso.AppAssignment
	q := sso.AppAssignmentQuery{ApplicationARN: apps[0].ARN, Page: sso.Page{Limit: 1}}
	for range 5 {
		page, err := s.QueryAppAssignments(ctx, q)
		must(t, "QueryAppAssignments", err)
		if len(page) == 0 {
			break
		}
		got = append(got, page...)
		q.After = sso.AppAssignmentKey(page[0])
	}
	if !reflect.DeepEqual(got, as[:2]) {
		t.Errorf("assignments of app 0 = %+v", got)
	}
	mine, err := s.QueryAppAssignments(ctx, sso.AppAssignmentQuery{PrincipalType: sso.PrincipalUser, PrincipalID: users[2].ID})
	if err != nil || !reflect.DeepEqual(mine, []sso.AppAssignment{as[1], as[2]}) {
		t.Errorf("assignments of user 2 = %+v, %v", mine, err)
	}
	one, err := s.QueryAppAssignments(ctx, sso.AppAssignmentQuery{PrincipalType: sso.PrincipalUser, PrincipalID: users[2].ID, ApplicationARN: apps[1].ARN})
	if err != nil || !reflect.DeepEqual(one, as[2:]) {
		t.Errorf("assignments of user 2 to app 1 = %+v, %v", one, err)
	}
	must(t, "DeleteAppAssignment", s.DeleteAppAssignment(ctx, as[1]))
	if err := s.DeleteAppAssignment(ctx, as[1]); !errors.Is(err, sso.ErrNotFound) {
		t.Errorf("DeleteAppAssignment twice: %v", err)
	}
	// A deleted principal or application takes its assignments along.
	must(t, "DeleteUser", s.DeleteUser(ctx, users[2].ID, base))
	must(t, "DeleteGroup", s.DeleteGroup(ctx, g.ID))
	for _, arn := range []string{apps[0].ARN, apps[1].ARN} {
		if left, _ := s.QueryAppAssignments(ctx, sso.AppAssignmentQuery{ApplicationARN: arn}); len(left) != 0 {
			t.Errorf("assignments of %s after deleting their principals: %+v", arn, left)
		}
	}
	must(t, "CreateAppAssignment", s.CreateAppAssignment(ctx, sso.AppAssignment{ApplicationARN: apps[1].ARN,
		PrincipalType: sso.PrincipalUser, PrincipalID: users[3].ID}))
	must(t, "DeleteApplication", s.DeleteApplication(ctx, apps[1].ARN))
	if left, _ := s.QueryAppAssignments(ctx, sso.AppAssignmentQuery{PrincipalType: sso.PrincipalUser, PrincipalID: users[3].ID}); len(left) != 0 {
		t.Errorf("assignments of a deleted application: %+v", left)
	}
}

func newIssuer(n string) sso.TrustedTokenIssuer {
	return sso.TrustedTokenIssuer{
		ARN:  "arn:aws:sso::123456789012:trustedTokenIssuer/ssoins-1234567890abcdef/tti-" + n,
		Name: "idp-" + n, Type: "OIDC_JWT", IssuerURL: "https://idp.example/" + n, ClientToken: "t-" + n, CreatedAt: base,
		Tags: []sso.Tag{{Key: "k", Value: "v"}}, ClaimAttributePath: "email", IdentityStoreAttributePath: "emails.value",
		JWKSRetrieval: "OPEN_ID_DISCOVERY",
	}
}

func testTrustedTokenIssuers(t *testing.T, s sso.Store) {
	ctx := context.Background()
	a, b := newIssuer("b"), newIssuer("a")
	b.Source, b.JWKSURL, b.JWKS, b.ClientToken, b.Tags = "config", "https://idp.example/keys", []byte(`{"keys":[]}`), "", nil
	must(t, "CreateTrustedTokenIssuer", s.CreateTrustedTokenIssuer(ctx, a))
	must(t, "CreateTrustedTokenIssuer", s.CreateTrustedTokenIssuer(ctx, b))
	stored, err := s.GetTrustedTokenIssuer(ctx, b.ARN)
	must(t, "GetTrustedTokenIssuer", err)
	same(t, "GetTrustedTokenIssuer", stored, b)
	dup := newIssuer("c")
	dup.ClientToken = a.ClientToken
	if err := s.CreateTrustedTokenIssuer(ctx, dup); !errors.Is(err, sso.ErrConflict) {
		t.Errorf("CreateTrustedTokenIssuer with another's client token: %v", err)
	}
	if err := s.CreateTrustedTokenIssuer(ctx, newIssuer("b")); !errors.Is(err, sso.ErrConflict) {
		t.Errorf("CreateTrustedTokenIssuer of an existing ARN: %v", err)
	}
	list, err := s.ListTrustedTokenIssuers(ctx)
	if err != nil || len(list) != 2 || list[0].ARN != b.ARN {
		t.Errorf("ListTrustedTokenIssuers = %+v, %v", list, err)
	}
	got, err := s.UpdateTrustedTokenIssuer(ctx, a.ARN, func(x sso.TrustedTokenIssuer) (sso.TrustedTokenIssuer, error) {
		x.Name, x.ClaimAttributePath, x.IssuerURL = "renamed", "sub", "https://elsewhere.example"
		return x, nil
	})
	if err != nil || got.Name != "renamed" || got.IssuerURL != a.IssuerURL {
		t.Errorf("UpdateTrustedTokenIssuer = %+v, %v", got, err)
	}
	if again, _ := s.GetTrustedTokenIssuer(ctx, a.ARN); !reflect.DeepEqual(again, got) {
		t.Errorf("after update: %+v, want %+v", again, got)
	}
	must(t, "DeleteTrustedTokenIssuer", s.DeleteTrustedTokenIssuer(ctx, a.ARN))
	if _, err := s.GetTrustedTokenIssuer(ctx, a.ARN); !errors.Is(err, sso.ErrNotFound) {
		t.Errorf("GetTrustedTokenIssuer after delete: %v", err)
	}
	if err := s.DeleteTrustedTokenIssuer(ctx, a.ARN); !errors.Is(err, sso.ErrNotFound) {
		t.Errorf("DeleteTrustedTokenIssuer twice: %v", err)
	}
}
