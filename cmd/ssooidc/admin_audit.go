package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

const auditUsage = `Usage: ssooidc admin audit [--user NAME] [--since D] [--limit N] [--json] [--data-dir DIR | --database DSN] [--config FILE]

Shows the audit trail, newest first: sign-ins (succeeded and refused, with
the method, the user and the client address), sign-outs, device and
/authorize approvals and denials, token families issued and revoked,
refresh token and code reuse, and every change of users, groups,
memberships, accounts, permission sets, assignments, applications, trusted
token issuers and SCIM tokens, with who made it. Events are kept for
audit_retention (default one year). The server also writes each event to
its log as one "audit" line.

--user selects the events a person made or that are about them. --since
takes a duration back from now (24h, 7d) or a time (2025-01-31 or RFC 3339,
2025-01-31T09:00:00Z). --json prints one JSON object per line instead of
the table, with the same keys as the log line.
Flags:`

// auditPage is how many events one store read returns: the command pages
// through the trail, so a year of events is never held at once.
const auditPage = 500

// auditArgs is what "admin audit" was asked.
type auditArgs struct {
	user  string
	since time.Time
	limit int
	json  bool
}

// cmdAudit is "admin audit".
func cmdAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("admin audit", auditUsage, stderr)
	var sf storeFlags
	sf.register(fs)
	var a auditArgs
	var since string
	fs.StringVar(&a.user, "user", "", "only the events made by or about the user with this name")
	fs.StringVar(&since, "since", "", "only the events since a duration ago (24h, 7d) or a time (2025-01-31, RFC 3339)")
	fs.IntVar(&a.limit, "limit", 0, "at most this many events, the newest (default: all)")
	fs.BoolVar(&a.json, "json", false, "print JSON lines instead of a table")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if a.limit < 0 {
		return usagef("--limit must be 0 (all) or more, not %d", a.limit)
	}
	if since != "" {
		t, err := parseSince(since, time.Now())
		if err != nil {
			return usagef("--since %q: %v", since, err)
		}
		a.since = t
	}
	store, _, _, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	return printAudit(ctx, store, a, stdout)
}

// parseSince reads --since: a duration back from now (Go's units, plus d
// for days), a date (midnight UTC) or an RFC 3339 time.
func parseSince(s string, now time.Time) (time.Time, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		if days, err := strconv.Atoi(n); err == nil && days >= 0 {
			return now.Add(-time.Duration(days) * 24 * time.Hour), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d < 0 {
			return time.Time{}, fmt.Errorf("a duration back from now cannot be negative")
		}
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("give a duration (24h, 90m, 7d), a date (2025-01-31) or an RFC 3339 time (2025-01-31T09:00:00Z)")
}

// printAudit pages through the events a selects, newest first, and prints
// them as a table or JSON lines.
func printAudit(ctx context.Context, store sso.AuditStore, a auditArgs, out io.Writer) error {
	q := sso.EventQuery{User: a.user, Since: a.since}
	printed := 0
	var tw *tabwriter.Writer
	if !a.json {
		tw = tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "TIME\tEVENT\tACTOR\tTARGET\tUSER\tADDRESS\tDETAILS")
	}
	enc := json.NewEncoder(out)
	for {
		q.Limit = auditPage
		if a.limit > 0 {
			q.Limit = min(auditPage, a.limit-printed)
		}
		evs, err := store.ListEvents(ctx, q)
		if err != nil {
			return fmt.Errorf("reading the audit trail: %w", err)
		}
		for _, e := range evs {
			if a.json {
				if err := enc.Encode(eventJSON(e)); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Time.UTC().Format(time.RFC3339), e.Type, actorText(e.Actor),
					targetText(e.Target), dash(e.Target.User), dash(e.Address), detailText(e.Details))
			}
		}
		printed += len(evs)
		if len(evs) < q.Limit || (a.limit > 0 && printed >= a.limit) {
			break
		}
		q.Before = evs[len(evs)-1].Seq
		if tw != nil {
			// A page at a time: the columns may shift between pages, the
			// memory does not grow with the trail.
			if err := tw.Flush(); err != nil {
				return err
			}
		}
	}
	if tw != nil {
		if printed == 0 {
			fmt.Fprintln(tw, "(no events)")
		}
		return tw.Flush()
	}
	return nil
}

// auditLine is an event as "admin audit --json" prints it: the keys of the
// server's "audit" log line, with the details as an object.
type auditLine struct {
	Seq        int64             `json:"seq"`
	Time       string            `json:"time"`
	Event      string            `json:"event"`
	ActorType  string            `json:"actor_type"`
	ActorID    string            `json:"actor_id,omitempty"`
	Actor      string            `json:"actor,omitempty"`
	TargetType string            `json:"target_type,omitempty"`
	TargetID   string            `json:"target_id,omitempty"`
	Target     string            `json:"target,omitempty"`
	User       string            `json:"user,omitempty"`
	ClientAddr string            `json:"client_addr,omitempty"`
	Details    map[string]string `json:"details,omitempty"`
}

func eventJSON(e sso.Event) auditLine {
	return auditLine{Seq: e.Seq, Time: e.Time.UTC().Format(time.RFC3339Nano), Event: e.Type,
		ActorType: e.Actor.Type, ActorID: e.Actor.ID, Actor: e.Actor.Name,
		TargetType: e.Target.Type, TargetID: e.Target.ID, Target: e.Target.Name, User: e.Target.User,
		ClientAddr: e.Address, Details: e.Details}
}

// actorText names an actor for the table: its type and its name, else its
// ID (an IAM ARN, a SCIM token ID, the OS user of an admin command).
func actorText(a sso.Actor) string {
	switch {
	case a.Name != "":
		return a.Type + " " + a.Name
	case a.ID != "":
		return a.Type + " " + a.ID
	case a.Type != "":
		return a.Type
	}
	return "-"
}

// targetText names a target for the table: its type and its name, else
// its ID.
func targetText(t sso.Target) string {
	switch {
	case t.Type == "":
		return "-"
	case t.Name != "":
		return t.Type + " " + t.Name
	case t.ID != "":
		return t.Type + " " + t.ID
	}
	return t.Type
}

// detailText prints details as key=value, sorted by key.
func detailText(d map[string]string) string {
	if len(d) == 0 {
		return "-"
	}
	var b strings.Builder
	for i, k := range slices.Sorted(maps.Keys(d)) {
		if i > 0 {
			b.WriteByte(' ')
		}
		v := d[k]
		if strings.ContainsAny(v, " \t\n\"") || v == "" {
			v = strconv.Quote(v)
		}
		b.WriteString(k + "=" + v)
	}
	return b.String()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
