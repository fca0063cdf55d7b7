package ssotest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

var auditTests = []test{
	{"Audit/AppendListDelete", testAuditAppendList},
	{"Audit/EventsCommitWithTheirChange", testAuditWithChange},
	{"Audit/GrantEventsCommitWithTheirChange", testAuditGrants},
}

func newEvent(typ string, d time.Duration, actor, user string) sso.Event {
	return sso.Event{
		Time:    at(d),
		Type:    typ,
		Actor:   sso.Actor{Type: sso.ActorUser, ID: sso.RandomUUID(), Name: actor},
		Target:  sso.Target{Type: "user", ID: sso.RandomUUID(), Name: user, User: user},
		Address: "2001:db8::/64",
		Details: map[string]string{"method": "password", "note": "\u00fc\u2603"},
	}
}

func testAuditAppendList(t *testing.T, s sso.Store) {
	ctx := t.Context()
	evs := []sso.Event{
		newEvent("signin.succeeded", 0, "alice", "alice"),
		newEvent("user.created", time.Minute, "admin", "bob"),
		newEvent("signin.failed", 2*time.Minute, "", "carol"),
		newEvent("group.created", 3*time.Minute, "alice", ""),
	}
	evs[3].Details = nil
	must(t, "AppendEvents", s.AppendEvents(ctx, evs[:2]...))
	must(t, "AppendEvents", s.AppendEvents(ctx, evs[2:]...))
	all, err := s.ListEvents(ctx, sso.EventQuery{})
	must(t, "ListEvents", err)
	if len(all) != 4 {
		t.Fatalf("ListEvents: %d events, want 4", len(all))
	}
	for i, e := range all {
		want := evs[3-i] // newest first
		if i > 0 && e.Seq >= all[i-1].Seq {
			t.Errorf("events not newest first: seq %d after %d", e.Seq, all[i-1].Seq)
		}
		want.Seq = e.Seq
		same(t, "ListEvents", e, want)
	}
	mine, err := s.ListEvents(ctx, sso.EventQuery{User: "alice"})
	must(t, "ListEvents(alice)", err)
	if len(mine) != 2 || mine[0].Type != "group.created" || mine[1].Type != "signin.succeeded" {
		t.Errorf("ListEvents(alice) = %+v", mine)
	}
	bob, err := s.ListEvents(ctx, sso.EventQuery{User: "bob"})
	must(t, "ListEvents(bob)", err)
	if len(bob) != 1 || bob[0].Type != "user.created" {
		t.Errorf("ListEvents(bob) = %+v", bob)
	}
	recent, err := s.ListEvents(ctx, sso.EventQuery{Since: at(time.Minute)})
	must(t, "ListEvents since", err)
	if len(recent) != 3 {
		t.Errorf("ListEvents(since 1m) = %d events", len(recent))
	}
	page, err := s.ListEvents(ctx, sso.EventQuery{Before: all[1].Seq, Limit: 1})
	must(t, "ListEvents page", err)
	if len(page) != 1 || page[0].Seq != all[2].Seq {
		t.Errorf("ListEvents(before the second, 1) = %+v", page)
	}
	n, err := s.DeleteEventsBefore(ctx, at(2*time.Minute))
	must(t, "DeleteEventsBefore", err)
	if n != 2 {
		t.Errorf("DeleteEventsBefore = %d, want 2", n)
	}
	left, _ := s.ListEvents(ctx, sso.EventQuery{})
	if len(left) != 2 || left[1].Type != "signin.failed" {
		t.Errorf("after DeleteEventsBefore: %+v", left)
	}
}

// testAuditWithChange checks the contract of sso.WithEvent: a write stores
// the events of its context in its own transaction, a failed write stores
// neither, and a read ignores them.
func testAuditWithChange(t *testing.T, s sso.Store) {
	ctx := context.Background()
	u := newUser("alice")
	ev := newEvent("user.created", 0, "admin", "alice")
	must(t, "CreateUser with an event", s.CreateUser(sso.WithEvent(ctx, ev), u))
	// A write that fails stores no event.
	dup := newUser("alice")
	dup.ExternalIDs = nil
	failed := newEvent("user.created", time.Second, "admin", "alice-dup")
	wantErr(t, "CreateUser conflicting", s.CreateUser(sso.WithEvent(ctx, failed), dup), sso.ErrConflict)
	// An update whose function fails stores no event either.
	errMine := errors.New("mine")
	_, err := s.UpdateUser(sso.WithEvent(ctx, newEvent("user.updated", 2*time.Second, "admin", "x")), u.ID,
		func(u sso.User) (sso.User, error) { return u, errMine })
	if err != errMine {
		t.Errorf("UpdateUser failing: %v", err)
	}
	// Reads with events in their context store nothing.
	_, _ = s.GetUser(sso.WithEvent(ctx, newEvent("read", 3*time.Second, "admin", "y")), u.ID)
	// Several kinds of write carry events.
	g := newGroup("g")
	must(t, "CreateGroup with an event", s.CreateGroup(sso.WithEvent(ctx, newEvent("group.created", 4*time.Second, "admin", "")), g))
	m := newMembership(g.ID, u.ID)
	must(t, "CreateMembership with an event", s.CreateMembership(sso.WithEvent(ctx, newEvent("membership.created", 5*time.Second, "admin", "alice")), m))
	se := newSession(u.ID)
	must(t, "CreateSession with an event", s.CreateSession(sso.WithEvent(ctx, newEvent("signin.succeeded", 6*time.Second, "alice", "alice")), se))
	is := newIssue(true)
	must(t, "CreateFamily with an event", s.CreateFamily(sso.WithEvent(ctx, newEvent("family.issued", 7*time.Second, "alice", "alice")), is))
	must(t, "RevokeFamily with an event", s.RevokeFamily(sso.WithEvent(ctx, newEvent("family.revoked", 8*time.Second, "alice", "alice")), is.Family.ID, at(time.Hour)))
	d := newDevice()
	must(t, "CreateDeviceAuth", s.CreateDeviceAuth(ctx, d))
	_, err = s.UpdateDeviceAuth(sso.WithEvent(ctx, newEvent("device.approved", 9*time.Second, "alice", "alice")), d.CodeDigest,
		func(d sso.DeviceAuth) (sso.DeviceAuth, error) {
			d.Status, d.UserID, d.DecidedAt = sso.DeviceApproved, u.ID, at(time.Minute)
			return d, nil
		})
	must(t, "UpdateDeviceAuth with an event", err)
	// Two events on one write.
	both := sso.WithEvent(sso.WithEvent(ctx, newEvent("one", 10*time.Second, "admin", "")), newEvent("two", 11*time.Second, "admin", ""))
	must(t, "DeleteMembership with two events", s.DeleteMembership(both, m.ID))

	all, err := s.ListEvents(ctx, sso.EventQuery{})
	must(t, "ListEvents", err)
	var types []string
	for i := len(all) - 1; i >= 0; i-- {
		types = append(types, all[i].Type)
	}
	want := []string{"user.created", "group.created", "membership.created", "signin.succeeded", "family.issued",
		"family.revoked", "device.approved", "one", "two"}
	if len(types) != len(want) {
		t.Fatalf("events = %v, want %v", types, want)
	}
	for i := range want {
		if types[i] != want[i] {
			t.Fatalf("events = %v, want %v", types, want)
		}
	}
}

// testAuditGrants checks the writes of the grants and the pages that carry
// events (issue 19): redeeming a device code or an authorization code,
// creating and deleting a session, a device decision decided inside its
// update function (WithLateEvents). Each stores its event when it changes
// something, and nothing when it fails.
func testAuditGrants(t *testing.T, s sso.Store) {
	ctx := context.Background()
	ev := func(typ string, d time.Duration) context.Context {
		return sso.WithEvent(ctx, newEvent(typ, d, "alice", "alice"))
	}
	// Device: redeemed once with its event; the second redemption fails
	// and stores nothing.
	d := approvedDevice()
	must(t, "CreateDeviceAuth", s.CreateDeviceAuth(ctx, d))
	must(t, "RedeemDeviceAuth with an event", s.RedeemDeviceAuth(ev("device.issued", 0), d.CodeDigest, newIssue(true)))
	wantErr(t, "RedeemDeviceAuth twice", s.RedeemDeviceAuth(ev("device.issued.again", time.Second), d.CodeDigest, newIssue(true)), sso.ErrConflict)
	wantErr(t, "RedeemDeviceAuth unknown", s.RedeemDeviceAuth(ev("device.unknown", 2*time.Second), digest(), newIssue(true)), sso.ErrNotFound)

	// Authorization code: the same.
	c := newAuthCode()
	must(t, "CreateAuthCode with an event", s.CreateAuthCode(ev("code.created", 3*time.Second), c))
	must(t, "RedeemAuthCode with an event", s.RedeemAuthCode(ev("code.issued", 4*time.Second), c.Digest, at(time.Minute), newIssue(false)))
	wantErr(t, "RedeemAuthCode twice", s.RedeemAuthCode(ev("code.issued.again", 5*time.Second), c.Digest, at(time.Minute), newIssue(false)), sso.ErrConflict)

	// A family that exists already: the write fails, no event.
	is := newIssue(true)
	must(t, "CreateFamily", s.CreateFamily(ctx, is))
	if err := s.CreateFamily(ev("family.duplicate", 6*time.Second), is); err == nil {
		t.Error("CreateFamily of an existing family succeeded")
	}

	// Sessions.
	u := newUser("sessions-" + sso.RandomID())
	must(t, "CreateUser", s.CreateUser(ctx, u))
	se := newSession(u.ID)
	must(t, "CreateSession with an event", s.CreateSession(ev("session.created", 7*time.Second), se))
	must(t, "DeleteSession with an event", s.DeleteSession(ev("session.deleted", 8*time.Second), se.Digest))

	// A device decision whose event is decided by the update function;
	// one whose function refuses stores none.
	p := newDevice()
	must(t, "CreateDeviceAuth", s.CreateDeviceAuth(ctx, p))
	decide := func(typ string, d time.Duration, refuse error) error {
		var evs []sso.Event
		_, err := s.UpdateDeviceAuth(sso.WithLateEvents(ctx, &evs), p.CodeDigest, func(cur sso.DeviceAuth) (sso.DeviceAuth, error) {
			evs = nil
			if refuse != nil {
				return cur, refuse
			}
			if cur.Status != sso.DevicePending {
				return cur, errDecided
			}
			cur.Status, cur.UserID, cur.DecidedAt = sso.DeviceDenied, u.ID, at(time.Minute)
			evs = []sso.Event{newEvent(typ, d, "alice", "alice")}
			return cur, nil
		})
		return err
	}
	if err := decide("device.refused", 9*time.Second, errDecided); err != errDecided {
		t.Errorf("UpdateDeviceAuth refused by its function: %v", err)
	}
	must(t, "UpdateDeviceAuth with a late event", decide("device.denied", 10*time.Second, nil))
	if err := decide("device.denied.again", 11*time.Second, nil); err != errDecided {
		t.Errorf("UpdateDeviceAuth of a decided code: %v", err)
	}

	all, err := s.ListEvents(ctx, sso.EventQuery{Since: at(0)})
	must(t, "ListEvents", err)
	var types []string
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].Actor.Name == "alice" {
			types = append(types, all[i].Type)
		}
	}
	want := []string{"device.issued", "code.created", "code.issued", "session.created", "session.deleted", "device.denied"}
	if fmt.Sprint(types) != fmt.Sprint(want) {
		t.Errorf("events = %v, want %v", types, want)
	}
}

var errDecided = errors.New("decided already")
