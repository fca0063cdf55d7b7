package ssotest

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

var groupTests = []test{
	{"Group/RoundTripAndConflicts", testGroupRoundTrip},
	{"Group/ListUpdateDelete", testGroupListUpdateDelete},
	{"Membership/RoundTripAndErrors", testMembershipRoundTrip},
	{"Membership/List", testMembershipList},
	{"Membership/ChangeMembers", testChangeMembers},
	{"Membership/SyncMemberships", testSyncMemberships},
}

func testGroupRoundTrip(t *testing.T, s sso.Store) {
	ctx := t.Context()
	want := newGroup("admins")
	mustFill(t, want)
	in := clone(want)
	must(t, "CreateGroup", s.CreateGroup(ctx, in))
	in.ExternalIDs[0].ID = "clobbered"
	for name, get := range map[string]func() (sso.Group, error){
		"GetGroup":       func() (sso.Group, error) { return s.GetGroup(ctx, want.ID) },
		"GetGroupByName": func() (sso.Group, error) { return s.GetGroupByName(ctx, want.DisplayName) },
		"GetGroupByExternalID": func() (sso.Group, error) {
			return s.GetGroupByExternalID(ctx, want.ExternalIDs[0].Issuer, want.ExternalIDs[0].ID)
		},
	} {
		got, err := get()
		must(t, name, err)
		same(t, name, got, want)
	}
	_, err := s.GetGroupByName(ctx, "Admins")
	wantErr(t, "GetGroupByName with another case", err, sso.ErrNotFound)
	_, err = s.GetGroup(ctx, sso.RandomUUID())
	wantErr(t, "GetGroup missing", err, sso.ErrNotFound)

	sameName := newGroup("admins")
	sameName.ExternalIDs = nil
	wantErr(t, "CreateGroup with an existing name", s.CreateGroup(ctx, sameName), sso.ErrConflict)
	sameExt := newGroup("others")
	sameExt.ExternalIDs = append(sameExt.ExternalIDs, want.ExternalIDs[0])
	wantErr(t, "CreateGroup with another group's external id", s.CreateGroup(ctx, sameExt), sso.ErrConflict)
	_, err = s.GetGroupByName(ctx, "others")
	wantErr(t, "a refused group", err, sso.ErrNotFound)
	// A user and a group may share an external ID: they are kinds apart.
	u := newUser("admins")
	u.ExternalIDs = []sso.ExternalID{want.ExternalIDs[0]}
	must(t, "CreateUser with a group's external id", s.CreateUser(ctx, u))
}

func testGroupListUpdateDelete(t *testing.T, s sso.Store) {
	ctx := t.Context()
	var all []sso.Group
	for _, n := range []string{"b", "a", "C", "d"} {
		g := newGroup(n)
		must(t, "CreateGroup", s.CreateGroup(ctx, g))
		all = append(all, g)
	}
	slices.SortFunc(all, func(a, b sso.Group) int { return strings.Compare(a.ID, b.ID) })
	list, err := s.ListGroups(ctx, sso.GroupQuery{})
	must(t, "ListGroups", err)
	same(t, "ListGroups", list, all)
	list, err = s.ListGroups(ctx, sso.GroupQuery{Page: sso.Page{After: all[0].ID, Limit: 2}})
	must(t, "ListGroups page", err)
	same(t, "ListGroups page", list, all[1:3])
	list, err = s.ListGroups(ctx, sso.GroupQuery{Offset: 3})
	must(t, "ListGroups offset", err)
	same(t, "ListGroups offset", list, all[3:])
	list, err = s.ListGroups(ctx, sso.GroupQuery{DisplayName: "C"})
	must(t, "ListGroups by name", err)
	if len(list) != 1 || list[0].DisplayName != "C" {
		t.Errorf("ListGroups(C) = %+v", list)
	}

	g := all[0]
	want := clone(g)
	want.DisplayName, want.Description, want.UpdatedAt, want.UpdatedBy = "renamed", "new", at(time.Hour), "someone"
	want.ExternalIDs = []sso.ExternalID{{Issuer: "x", ID: "y"}}
	got, err := s.UpdateGroup(ctx, g.ID, func(old sso.Group) (sso.Group, error) {
		same(t, "update saw", old, g)
		return clone(want), nil
	})
	must(t, "UpdateGroup", err)
	same(t, "UpdateGroup", got, want)
	got, err = s.GetGroupByExternalID(ctx, "x", "y")
	must(t, "GetGroupByExternalID after update", err)
	same(t, "after update", got, want)
	other := all[1]
	_, err = s.UpdateGroup(ctx, g.ID, func(old sso.Group) (sso.Group, error) {
		old.DisplayName = other.DisplayName
		return old, nil
	})
	wantErr(t, "UpdateGroup onto another name", err, sso.ErrConflict)
	_, err = s.UpdateGroup(ctx, sso.RandomUUID(), func(old sso.Group) (sso.Group, error) { return old, nil })
	wantErr(t, "UpdateGroup missing", err, sso.ErrNotFound)
	errMine := errors.New("mine")
	if _, err = s.UpdateGroup(ctx, g.ID, func(old sso.Group) (sso.Group, error) { return old, errMine }); err != errMine {
		t.Errorf("UpdateGroup failing: %v", err)
	}

	u := newUser("m")
	must(t, "CreateUser", s.CreateUser(ctx, u))
	m := newMembership(g.ID, u.ID)
	must(t, "CreateMembership", s.CreateMembership(ctx, m))
	seedAccess(t, s)
	a := sso.Assignment{AccountID: "111111111111", PermissionSet: "Admin", PrincipalType: sso.PrincipalGroup, PrincipalID: g.ID}
	must(t, "PutAssignment", s.PutAssignment(ctx, a))
	must(t, "DeleteGroup", s.DeleteGroup(ctx, g.ID))
	wantErr(t, "DeleteGroup twice", s.DeleteGroup(ctx, g.ID), sso.ErrNotFound)
	_, err = s.GetMembership(ctx, m.ID)
	wantErr(t, "membership of a deleted group", err, sso.ErrNotFound)
	if as, _ := s.ListAssignments(ctx); len(as) != 0 {
		t.Errorf("assignments of a deleted group remain: %+v", as)
	}
	_, err = s.GetGroupByExternalID(ctx, "x", "y")
	wantErr(t, "external id of a deleted group", err, sso.ErrNotFound)
	if _, err := s.GetUser(ctx, u.ID); err != nil {
		t.Errorf("deleting a group deleted its member: %v", err)
	}
}

func testMembershipRoundTrip(t *testing.T, s sso.Store) {
	ctx := t.Context()
	g, u := newGroup("g"), newUser("u")
	must(t, "CreateGroup", s.CreateGroup(ctx, g))
	must(t, "CreateUser", s.CreateUser(ctx, u))
	want := newMembership(g.ID, u.ID)
	want.Source = "upstream:okta"
	mustFill(t, want)
	must(t, "CreateMembership", s.CreateMembership(ctx, want))
	got, err := s.GetMembership(ctx, want.ID)
	must(t, "GetMembership", err)
	same(t, "GetMembership", got, want)
	got, err = s.GetMembershipOf(ctx, g.ID, u.ID)
	must(t, "GetMembershipOf", err)
	same(t, "GetMembershipOf", got, want)
	if n, err := s.CountMembers(ctx, g.ID); err != nil || n != 1 {
		t.Errorf("CountMembers = %d, %v", n, err)
	}

	wantErr(t, "CreateMembership twice", s.CreateMembership(ctx, newMembership(g.ID, u.ID)), sso.ErrConflict)
	wantErr(t, "CreateMembership of a missing user", s.CreateMembership(ctx, newMembership(g.ID, sso.RandomUUID())), sso.ErrNotFound)
	wantErr(t, "CreateMembership in a missing group", s.CreateMembership(ctx, newMembership(sso.RandomUUID(), u.ID)), sso.ErrNotFound)
	_, err = s.GetMembershipOf(ctx, g.ID, sso.RandomUUID())
	wantErr(t, "GetMembershipOf missing", err, sso.ErrNotFound)

	must(t, "DeleteMembership", s.DeleteMembership(ctx, want.ID))
	wantErr(t, "DeleteMembership twice", s.DeleteMembership(ctx, want.ID), sso.ErrNotFound)
	_, err = s.GetMembership(ctx, want.ID)
	wantErr(t, "GetMembership after delete", err, sso.ErrNotFound)
}

func testMembershipList(t *testing.T, s sso.Store) {
	ctx := t.Context()
	g1, g2 := newGroup("g1"), newGroup("g2")
	g2.ExternalIDs = nil
	must(t, "CreateGroup", s.CreateGroup(ctx, g1))
	must(t, "CreateGroup", s.CreateGroup(ctx, g2))
	var inG1 []sso.Membership
	var users []sso.User
	for i := range 5 {
		u := newUser("u" + string(rune('a'+i)))
		must(t, "CreateUser", s.CreateUser(ctx, u))
		users = append(users, u)
		m := newMembership(g1.ID, u.ID)
		must(t, "CreateMembership", s.CreateMembership(ctx, m))
		inG1 = append(inG1, m)
	}
	m2 := newMembership(g2.ID, users[0].ID)
	must(t, "CreateMembership", s.CreateMembership(ctx, m2))
	slices.SortFunc(inG1, func(a, b sso.Membership) int { return strings.Compare(a.ID, b.ID) })

	got, err := s.ListMemberships(ctx, sso.MembershipQuery{GroupID: g1.ID})
	must(t, "ListMemberships of a group", err)
	same(t, "ListMemberships of a group", got, inG1)
	got, err = s.ListMemberships(ctx, sso.MembershipQuery{GroupID: g1.ID, Page: sso.Page{After: inG1[1].ID, Limit: 2}})
	must(t, "ListMemberships page", err)
	same(t, "ListMemberships page", got, inG1[2:4])
	got, err = s.ListMemberships(ctx, sso.MembershipQuery{UserID: users[0].ID})
	must(t, "ListMemberships of a user", err)
	mine := []sso.Membership{m2}
	for _, m := range inG1 {
		if m.UserID == users[0].ID {
			mine = append(mine, m)
		}
	}
	slices.SortFunc(mine, func(a, b sso.Membership) int { return strings.Compare(a.ID, b.ID) })
	same(t, "ListMemberships of a user", got, mine)
}

func testChangeMembers(t *testing.T, s sso.Store) {
	ctx := t.Context()
	g := newGroup("g")
	must(t, "CreateGroup", s.CreateGroup(ctx, g))
	var us []sso.User
	for _, n := range []string{"a", "b", "c"} {
		u := newUser(n)
		must(t, "CreateUser", s.CreateUser(ctx, u))
		us = append(us, u)
	}
	must(t, "ChangeMembers add", s.ChangeMembers(ctx, g.ID,
		[]sso.Membership{newMembership("", us[0].ID), newMembership("", us[1].ID)}, nil))
	// Adding a member again and removing a non-member are skipped.
	must(t, "ChangeMembers add again and remove", s.ChangeMembers(ctx, g.ID,
		[]sso.Membership{newMembership("", us[0].ID), newMembership("", us[2].ID)}, []string{us[1].ID, sso.RandomUUID()}))
	members := func() []string {
		ms, err := s.ListMemberships(ctx, sso.MembershipQuery{GroupID: g.ID})
		must(t, "ListMemberships", err)
		var ids []string
		for _, m := range ms {
			ids = append(ids, m.UserID)
		}
		slices.Sort(ids)
		return ids
	}
	want := []string{us[0].ID, us[2].ID}
	slices.Sort(want)
	if got := members(); !slices.Equal(got, want) {
		t.Errorf("members = %v, want %v", got, want)
	}
	// One missing user fails the whole change: nothing is stored.
	err := s.ChangeMembers(ctx, g.ID, []sso.Membership{newMembership("", us[1].ID), newMembership("", sso.RandomUUID())},
		[]string{us[0].ID})
	wantErr(t, "ChangeMembers with a missing user", err, sso.ErrNotFound)
	if got := members(); !slices.Equal(got, want) {
		t.Errorf("members after a failed change = %v, want %v", got, want)
	}
	wantErr(t, "ChangeMembers of a missing group", s.ChangeMembers(ctx, sso.RandomUUID(), nil, nil), sso.ErrNotFound)
	wantErr(t, "ChangeMembers adding to a missing group", s.ChangeMembers(ctx, sso.RandomUUID(),
		[]sso.Membership{newMembership("", us[2].ID)}, nil), sso.ErrNotFound)
	if ms, err := s.ListMemberships(ctx, sso.MembershipQuery{UserID: us[2].ID}); err != nil || len(ms) != 1 {
		t.Errorf("memberships of c after adding it to a missing group: %v, %v (want its one membership of g)", ms, err)
	}
}

func testSyncMemberships(t *testing.T, s sso.Store) {
	ctx := t.Context()
	u := newUser("u")
	must(t, "CreateUser", s.CreateUser(ctx, u))
	var gs []sso.Group
	for _, n := range []string{"a", "b", "c", "manual"} {
		g := newGroup(n)
		g.ExternalIDs = nil
		must(t, "CreateGroup", s.CreateGroup(ctx, g))
		gs = append(gs, g)
	}
	manual := newMembership(gs[3].ID, u.ID)
	must(t, "CreateMembership", s.CreateMembership(ctx, manual))
	sync := func(ids ...string) {
		t.Helper()
		var add []sso.Membership
		for _, id := range ids {
			add = append(add, newMembership(id, ""))
		}
		must(t, "SyncMemberships", s.SyncMemberships(ctx, u.ID, "upstream:idp", add))
	}
	groups := func() []string {
		ms, err := s.ListMemberships(ctx, sso.MembershipQuery{UserID: u.ID})
		must(t, "ListMemberships", err)
		var ids []string
		for _, m := range ms {
			ids = append(ids, m.GroupID)
		}
		slices.Sort(ids)
		return ids
	}
	sorted := func(ids ...string) []string { slices.Sort(ids); return ids }
	sync(gs[0].ID, gs[1].ID, sso.RandomUUID()) // a missing group is skipped
	if got := groups(); !slices.Equal(got, sorted(gs[0].ID, gs[1].ID, gs[3].ID)) {
		t.Errorf("after the first sync: %v", got)
	}
	sync(gs[1].ID, gs[2].ID, gs[3].ID)
	// a is gone; b kept; c added; the manual membership stays as it was.
	if got := groups(); !slices.Equal(got, sorted(gs[1].ID, gs[2].ID, gs[3].ID)) {
		t.Errorf("after the second sync: %v", got)
	}
	m, err := s.GetMembership(ctx, manual.ID)
	must(t, "the manual membership", err)
	same(t, "the manual membership", m, manual)
	sync()
	if got := groups(); !slices.Equal(got, []string{gs[3].ID}) {
		t.Errorf("after an empty sync: %v", got)
	}
	err = s.SyncMemberships(ctx, sso.RandomUUID(), "upstream:idp", nil)
	wantErr(t, "SyncMemberships of a missing user", err, sso.ErrNotFound)
}
