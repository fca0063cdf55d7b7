package bench

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestAttacksInProcess runs both attacks, smaller, on in-process servers:
// the sign-in storm verifies each user's ten failures and refuses the rest
// at once; the flood stores 30 registrations from one address and refuses
// the rest, and from many addresses stores every one.
func TestAttacksInProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts servers")
	}
	stormN, floodN = 120, [2]int{60, 90}
	defer func() { stormN, floodN = 1000, [2]int{2000, 6000} }()
	var progress bytes.Buffer
	rep, err := Run(context.Background(), Options{Backend: SQLite(), Ops: []string{"signin-storm", "register-flood"},
		Progress: &progress, TempDir: t.TempDir()})
	if err != nil {
		t.Fatalf("%v\n%s", err, progress.String())
	}
	if len(rep.Attacks) != 4 {
		t.Fatalf("%d rows: %+v", len(rep.Attacks), rep.Attacks)
	}
	users, names, one, many := rep.Attacks[0], rep.Attacks[1], rep.Attacks[2], rep.Attacks[3]
	// At most the three users' ten failures each are verified; on a loaded
	// machine the hash gate may also turn some away (429) before their
	// turn, so fewer is right too, never more.
	if users.Verifications < 1 || users.Verifications > 30 || users.Answers["401"] != users.Verifications ||
		users.Answers["401"]+users.Answers["429"] != stormN {
		t.Errorf("storm on 3 users: %d verifications, answers %v", users.Verifications, users.Answers)
	}
	if names.Verifications < 1 || names.Answers["401"] != names.Verifications || names.Answers["401"]+names.Answers["429"] != stormN {
		t.Errorf("storm on unknown names: %d verifications, answers %v", names.Verifications, names.Answers)
	}
	if one.Stored != 30 || one.Answers["400 SlowDownException"] != floodN[0]-30 {
		t.Errorf("flood from one address: %d stored, answers %v", one.Stored, one.Answers)
	}
	if many.Stored != floodN[1] || many.StorePerItem <= 0 {
		t.Errorf("flood from many addresses: %d stored, %.0f B each, answers %v", many.Stored, many.StorePerItem, many.Answers)
	}
	var md bytes.Buffer
	if err := rep.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"### Abuse (issue 13)", "| Sign-in storm | 3 users | 120 |", "sign-in storm, 3 users"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, md.String())
		}
	}
}

func TestFloodBody(t *testing.T) {
	for _, i := range []int{0, 999999} {
		if b := floodBody(i); len(b) > 8<<10 || len(b) < 7<<10 {
			t.Errorf("flood body %d is %d bytes, want just under 8 KiB", i, len(b))
		}
	}
}
