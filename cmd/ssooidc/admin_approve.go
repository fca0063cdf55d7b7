package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/ssooidc/ssooidc/internal/server"
)

// approve is "admin approve USER_CODE --user NAME [--deny]": it decides a
// pending device authorization as that person, through the service the
// verification page uses (server.DecideDevice), for scripts and tests
// that cannot drive a browser. The decision is audited with the admin's
// OS user as its actor, as every admin command is. A serving process on
// the same store sees it at the client's next poll.
func (c *adminCmd) approve(ctx context.Context, args []string) error {
	var user string
	var deny bool
	c.fs.StringVar(&user, "user", "", "the user the code is approved for, as if they pressed Allow (required)")
	c.fs.BoolVar(&deny, "deny", false, "deny the request instead, as if they pressed Deny")
	if err := c.parse(args); err != nil {
		return err
	}
	extra := c.fs.Args()
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		extra = extra[min(1, len(extra)):] // the code came after the flags
	}
	switch {
	case c.name == "":
		return usagef("admin approve needs the code the login printed, such as BCDF-GHJK")
	case len(extra) > 0 && strings.HasPrefix(extra[0], "-"):
		// Go's flags end at the first argument that is not one.
		return usagef("admin approve: %q after the code is not read; give the flags right after the code, as in: ssooidc admin approve CODE --user NAME --deny", extra[0])
	case user == "":
		return usagef("admin approve needs --user: the person the login is approved for")
	case len(extra) > 0:
		return usagef("admin approve takes one code; %q is one too many", extra[0])
	}
	store, _, _, err := c.sf.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	srv, err := server.New(ctx, store, server.Config{}, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	d, err := srv.DecideDevice(ctx, c.name, user, !deny)
	if err != nil {
		return err
	}
	verb := "Approved"
	if deny {
		verb = "Denied"
	}
	client := d.ClientName
	if client == "" {
		client = "client " + d.ClientID
	}
	fmt.Fprintf(c.stdout, "%s %s (%s) for %s.\n", verb, d.UserCode, client, d.User)
	return nil
}
