package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ssooidc/ssooidc/internal/identity"
)

func cmdAdmin(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) < 2 || args[0] != "user" {
		fmt.Fprint(stderr, usage)
		return usagef("admin takes: user add|list|delete|passwd")
	}
	verb, rest := args[1], args[2:]
	fs := flag.NewFlagSet("admin user "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf storeFlags
	sf.register(fs)
	var (
		pwStdin     bool
		email, disp string
		groups      stringList
	)
	switch verb {
	case "add", "passwd":
		fs.BoolVar(&pwStdin, "password-stdin", false, "read the password from standard input (required)")
	}
	if verb == "add" {
		fs.StringVar(&email, "email", "", "email address")
		fs.StringVar(&disp, "display-name", "", "display name")
		fs.Var(&groups, "group", "a group the user belongs to (repeatable)")
	}
	// Accept the name before or after the flags: "add alice --email x".
	name := ""
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		name, rest = rest[0], rest[1:]
	}
	if err := fs.Parse(rest); err != nil {
		return usagef("%v", err)
	}
	if name == "" && fs.NArg() > 0 {
		name = fs.Arg(0)
	}
	id, closeStore, err := openIdentity(ctx, sf)
	if err != nil {
		return err
	}
	defer closeStore()

	switch verb {
	case "list":
		users, err := id.ListUsers(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tDISPLAY NAME\tEMAIL\tGROUPS\tCREATED")
		for _, u := range users {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.Name, u.DisplayName, u.Email, strings.Join(u.Groups, ","), u.CreatedAt.UTC().Format(time.RFC3339))
		}
		return tw.Flush()
	case "add", "passwd", "delete":
	default:
		return usagef("unknown admin user command %q (add, list, delete, passwd)", verb)
	}
	if name == "" {
		return usagef("admin user %s needs a user name", verb)
	}
	if verb == "delete" {
		if err := id.DeleteUser(ctx, name); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Deleted user %s.\n", name)
		return nil
	}
	if !pwStdin {
		return usagef("admin user %s needs --password-stdin (passwords are never taken as arguments)", verb)
	}
	pw, err := readPassword(stdin)
	if err != nil {
		return err
	}
	if verb == "passwd" {
		if err := id.SetPassword(ctx, name, pw); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Changed the password of %s.\n", name)
		return nil
	}
	u, err := id.AddUser(ctx, identity.UserSpec{Name: name, Password: pw, Email: email, DisplayName: disp, Groups: groups})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Added user %s.\n", u.Name)
	return nil
}

func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", fmt.Errorf("no password on standard input")
	}
	return pw, nil
}
