package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/sqlite"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// TestAdminAudit stores more events than one page holds and reads them
// back through the command: the table, JSON lines, --user, --since,
// --limit, and the errors of bad flags.
func TestAdminAudit(t *testing.T) {
	dir := t.TempDir()
	dd := "--data-dir=" + dir
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(dir, "ssooidc.db"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	const n = auditPage + 20
	var evs []sso.Event
	for i := range n {
		user := "bob"
		if i%10 == 0 {
			user = "alice"
		}
		evs = append(evs, sso.Event{
			// The oldest a week ago, the newest now.
			Time:    now.Add(-time.Duration(n-1-i) * 7 * 24 * time.Hour / n),
			Type:    "signin.failed",
			Actor:   sso.Actor{Type: sso.ActorUser, ID: "id-" + user, Name: user},
			Target:  sso.Target{Type: "user", ID: "id-" + user, Name: user, User: user},
			Address: "192.0.2.7",
			Details: map[string]string{"method": "password", "reason": "wrong_password", "n": fmt.Sprint(i)},
		})
	}
	if err := store.AppendEvents(ctx, evs...); err != nil {
		t.Fatal(err)
	}
	store.Close()

	table := mustRun(t, "", "admin", "audit", dd)
	lines := strings.Split(strings.TrimSpace(table), "\n")
	if len(lines) != n+1 || !strings.HasPrefix(lines[0], "TIME") {
		t.Fatalf("the table has %d lines, want %d and a header:\n%s", len(lines), n+1, lines[0])
	}
	if !strings.Contains(lines[1], fmt.Sprintf("n=%d", n-1)) || !strings.Contains(lines[n], "n=0 ") {
		t.Errorf("not newest first:\n%s\n...\n%s", lines[1], lines[n])
	}
	for _, want := range []string{"signin.failed", "user alice", "192.0.2.7", "method=password", "reason=wrong_password"} {
		if !strings.Contains(table, want) {
			t.Errorf("the table lacks %q", want)
		}
	}

	// JSON lines, through a page boundary, with the log line's keys.
	out := mustRun(t, "", "admin", "audit", "--json", "--limit", fmt.Sprint(auditPage+5), dd)
	sc := bufio.NewScanner(strings.NewReader(out))
	count, last := 0, int64(0)
	for sc.Scan() {
		var l auditLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("line %d is not JSON: %v: %s", count+1, err, sc.Text())
		}
		if last != 0 && l.Seq >= last {
			t.Fatalf("seq %d after %d: not newest first", l.Seq, last)
		}
		if l.Event != "signin.failed" || l.ClientAddr != "192.0.2.7" || l.ActorType != "user" || l.Details["method"] != "password" {
			t.Fatalf("line %d: %+v", count+1, l)
		}
		last = l.Seq
		count++
	}
	if count != auditPage+5 {
		t.Errorf("--limit %d printed %d lines", auditPage+5, count)
	}

	alice := mustRun(t, "", "admin", "audit", "--json", "--user", "alice", dd)
	if got := strings.Count(alice, "\n"); got != n/10 {
		t.Errorf("--user alice printed %d events, want %d", got, n/10)
	}
	if strings.Contains(alice, `"bob"`) {
		t.Error("--user alice printed bob's events")
	}
	// A day of seven: about a seventh of the events.
	day := mustRun(t, "", "admin", "audit", "--json", "--since", "24h", dd)
	if got := strings.Count(day, "\n"); got < n/7-2 || got > n/7+2 {
		t.Errorf("--since 24h printed %d events, want about %d", got, n/7)
	}
	if got := strings.Count(mustRun(t, "", "admin", "audit", "--json", "--since", "8d", dd), "\n"); got != n {
		t.Errorf("--since 8d printed %d events, want %d", got, n)
	}
	future := now.Add(time.Hour).Format(time.RFC3339)
	if got := mustRun(t, "", "admin", "audit", "--since", future, dd); !strings.Contains(got, "(no events)") {
		t.Errorf("--since %s printed:\n%s", future, got)
	}

	for _, bad := range [][]string{{"--since", "yesterday"}, {"--since", "-1h"}, {"--limit", "-1"}, {"extra"}} {
		_, stderr, err := runCmd(t, "", append([]string{"admin", "audit", dd}, bad...)...)
		if err == nil {
			t.Errorf("admin audit %v succeeded", bad)
		}
		if strings.Contains(stderr, "panic") {
			t.Errorf("admin audit %v: %s", bad, stderr)
		}
	}
}

func TestParseSince(t *testing.T) {
	now := time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"24h", now.Add(-24 * time.Hour)},
		{"90m", now.Add(-90 * time.Minute)},
		{"7d", now.Add(-7 * 24 * time.Hour)},
		{"2025-01-31", time.Date(2025, 1, 31, 0, 0, 0, 0, time.UTC)},
		{"2025-01-31T09:00:00+02:00", time.Date(2025, 1, 31, 7, 0, 0, 0, time.UTC)},
	} {
		got, err := parseSince(tc.in, now)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("parseSince(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "yesterday", "-2h", "2025-13-01", "d"} {
		if _, err := parseSince(bad, now); err == nil {
			t.Errorf("parseSince(%q) succeeded", bad)
		}
	}
}
