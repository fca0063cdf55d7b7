package main

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/ssooidc/ssooidc/internal/sessions"
	"github.com/ssooidc/ssooidc/internal/sso"
)

const sessionsUsage = `  ssooidc admin sessions list [--user NAME]          (browser sessions and CLI/SDK sessions, newest first)
  ssooidc admin sessions revoke --user NAME [--id ID] (one session, or every session of the user)
`

// sessions runs "admin sessions list|revoke": people's browser sessions
// and the login sessions of their tools (token families). revoke ends one
// (--id, from list) or all of a user's, at once on every node: a revoked
// tool's next refresh is refused and its access token stops working.
func (c *adminCmd) sessions(ctx context.Context, verb string, args []string) error {
	var userName, id string
	switch verb {
	case "list":
		c.fs.StringVar(&userName, "user", "", "only this user's sessions")
	case "revoke":
		c.fs.StringVar(&userName, "user", "", "the user whose sessions end (required)")
		c.fs.StringVar(&id, "id", "", "only this session (an ID from admin sessions list)")
	default:
		return usagef("unknown admin sessions command %q (list, revoke)", verb)
	}
	if err := c.parse(args); err != nil {
		return err
	}
	if c.name != "" {
		return usagef("admin sessions %s takes no argument (got %q); name the user with --user", verb, c.name)
	}
	if verb == "revoke" && userName == "" {
		return usagef("admin sessions revoke needs --user NAME")
	}
	store, err := openAudited(ctx, c.sf)
	if err != nil {
		return err
	}
	defer store.Close()
	svc := sessions.New(store, store.digester(), store.rec, time.Now, nil)
	var u sso.User
	if userName != "" {
		if u, err = store.GetUserByName(ctx, userName); errors.Is(err, sso.ErrNotFound) {
			return fmt.Errorf("there is no user %q", userName)
		} else if err != nil {
			return err
		}
	}
	if verb == "revoke" {
		return c.revokeSessions(ctx, svc, u, id)
	}
	bs, ts, err := svc.List(ctx, u.ID, "")
	if err != nil {
		return err
	}
	names := userNames{store: store, byID: map[string]string{}}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tUSER\tID\tCLIENT\tADDRESS\tSTARTED\tLAST REFRESH\tENDS")
	for _, t := range ts {
		client := t.ClientName
		if client == "" {
			client = "-"
		}
		fmt.Fprintf(tw, "cli\t%s\t%s\t%s\t-\t%s\t%s\t%s\n", names.of(ctx, t.UserID), t.ID, client,
			stamp(t.CreatedAt), stamp(t.LastUsed), stamp(t.ExpiresAt))
	}
	for _, b := range bs {
		ua, addr := b.UserAgent, b.Address
		if ua == "" {
			ua = "-"
		}
		if addr == "" {
			addr = "-"
		}
		fmt.Fprintf(tw, "browser\t%s\t%s\t%s\t%s\t%s\t-\t%s\n", names.of(ctx, b.UserID), b.ID, ua, addr,
			stamp(b.CreatedAt), stamp(b.ExpiresAt))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(bs) == sessions.MaxListed || len(ts) == sessions.MaxListed {
		fmt.Fprintf(c.stdout, "(the newest %d of each kind; name a user with --user for theirs)\n", sessions.MaxListed)
	}
	return nil
}

// revokeSessions ends the session id of u, which may be a tool's or a
// browser's, or every session of u when id is "".
func (c *adminCmd) revokeSessions(ctx context.Context, svc *sessions.Service, u sso.User, id string) error {
	if id == "" {
		b, t, err := svc.EndAll(ctx, u, "")
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "Signed %s out everywhere: %s and %s ended.\n", u.Name, plural(b, "browser session"), plural(t, "CLI or SDK session"))
		return nil
	}
	err := svc.EndTool(ctx, u, id)
	if sso.CodeOf(err) == sso.CodeResourceNotFound {
		if err = svc.EndBrowser(ctx, u, id); err == nil {
			fmt.Fprintf(c.stdout, "Ended the browser session %s of %s.\n", id, u.Name)
			return nil
		}
	}
	if sso.CodeOf(err) == sso.CodeResourceNotFound {
		return fmt.Errorf("%s has no live session %s (see admin sessions list --user %s)", u.Name, id, u.Name)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "Signed out the CLI or SDK session %s of %s: its tokens no longer work.\n", id, u.Name)
	return nil
}

// userNames names users by ID for the listing, one read per user.
type userNames struct {
	store interface {
		GetUser(ctx context.Context, id string) (sso.User, error)
	}
	byID map[string]string
}

func (n userNames) of(ctx context.Context, id string) string {
	if name, ok := n.byID[id]; ok {
		return name
	}
	name := "(deleted)"
	if u, err := n.store.GetUser(ctx, id); err == nil {
		name = u.Name
	}
	n.byID[id] = name
	return name
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// plural is "1 thing" or "n things".
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}
