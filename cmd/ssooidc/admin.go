package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os/user"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ssooidc/ssooidc/internal/directory"
	"github.com/ssooidc/ssooidc/internal/identity"
	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/sso"
)

const adminUsage = `Usage:
  ssooidc admin user add NAME --password-stdin [--email E] [--display-name D] [--group G]...
  ssooidc admin user list | delete NAME | passwd NAME --password-stdin
  ssooidc admin account add ID --name N [--email E] [--source sts|static] [--role-arn ARN] [--credentials-file F]
  ssooidc admin account list | delete ID
  ssooidc admin permission-set add NAME [--session-duration 1h] [--description D] [--role-suffix HEX16]
  ssooidc admin permission-set list | delete NAME
  ssooidc admin assign --account ID --permission-set NAME (--user U | --group G)
  ssooidc admin unassign --account ID --permission-set NAME (--user U | --group G)
  ssooidc admin assignments
  ssooidc admin approve USER_CODE --user NAME [--deny]   (decide a pending device login as NAME)
  ssooidc admin user hash-password        (reads the password; prints a password_hash for the config file)
  ssooidc admin backup FILE               (a consistent copy of the SQLite store, while it serves)
  ssooidc admin restore FILE              (replace the SQLite store by a backup; the server stopped)
  ssooidc admin audit [--user NAME] [--since D] [--limit N] [--json]   (the audit trail, newest first)
  ssooidc admin migrate
` + scimTokenUsage + mfaUsage + sessionsUsage + `Every admin command takes --data-dir, --database and --config as serve does.
`

// adminCmd is one parsed admin command line.
type adminCmd struct {
	sf     storeFlags
	fs     *flag.FlagSet
	name   string // the first positional argument, if any
	stdin  io.Reader
	stdout io.Writer
}

func cmdAdmin(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, adminUsage)
		return usagef("admin needs a command")
	}
	group, rest := args[0], args[1:]
	if isHelp(group) || len(rest) > 0 && isHelp(rest[0]) && (group == "user" || group == "account" || group == "permission-set") {
		fmt.Fprint(stdout, adminUsage)
		return errHelp
	}
	verb := ""
	switch group {
	case "user", "account", "permission-set", "scim-token", "sessions":
		if len(rest) == 0 {
			fmt.Fprint(stderr, adminUsage)
			if group == "scim-token" {
				return usagef("admin scim-token needs create, list or revoke")
			}
			if group == "sessions" { // admin_sessions.go
				return usagef("admin sessions needs list or revoke")
			}
			return usagef("admin %s needs add, list or delete", group)
		}
		verb, rest = rest[0], rest[1:]
		if group == "user" && verb == "hash-password" {
			return cmdHashPassword(rest, stdin, stdout, stderr)
		}
		if group == "user" && verb == "mfa" { // admin_mfa.go
			c := &adminCmd{fs: adminFlags("user mfa", "", stderr), stdin: stdin, stdout: stdout}
			c.sf.register(c.fs)
			return c.userMFA(sso.WithActor(ctx, adminActor()), rest)
		}
	case "backup", "restore":
		return cmdBackupRestore(ctx, group, rest, stdout, stderr)
	case "audit":
		return cmdAudit(ctx, rest, stdout, stderr)
	case "assign", "unassign", "assignments", "migrate", "approve":
	default:
		fmt.Fprint(stderr, adminUsage)
		return usagef("unknown admin command %q", group)
	}
	ctx = sso.WithActor(ctx, adminActor())
	c := &adminCmd{fs: adminFlags(group, verb, stderr), stdin: stdin, stdout: stdout}
	c.sf.register(c.fs)
	switch group {
	case "user":
		return c.user(ctx, verb, rest)
	case "account":
		return c.account(ctx, verb, rest)
	case "permission-set":
		return c.permissionSet(ctx, verb, rest)
	case "assign", "unassign":
		return c.assign(ctx, group == "assign", rest)
	case "assignments":
		return c.assignments(ctx, rest)
	case "approve":
		return c.approve(ctx, rest)
	case "scim-token":
		return c.scimToken(ctx, verb, rest)
	case "sessions":
		return c.sessions(ctx, verb, rest) // admin_sessions.go
	}
	return c.migrate(ctx, rest)
}

// parse parses flags, accepting the name before or after them.
func (c *adminCmd) parse(args []string) error {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		c.name, args = args[0], args[1:]
	}
	if err := parseArgs(c.fs, args); err != nil {
		return err
	}
	if c.name == "" && c.fs.NArg() > 0 {
		c.name = c.fs.Arg(0)
	}
	return nil
}

// parseNamed is parse for a verb that names what it acts on (every verb
// but list): the name, a what, is required.
func (c *adminCmd) parseNamed(verb string, args []string, what string) error {
	if err := c.parse(args); err != nil {
		return err
	}
	if verb != "list" && c.name == "" {
		return usagef("%s needs a %s", c.fs.Name(), what)
	}
	return nil
}

func (c *adminCmd) user(ctx context.Context, verb string, args []string) error {
	var (
		pwStdin     bool
		email, disp string
		groups      stringList
	)
	switch verb {
	case "add", "passwd":
		c.fs.BoolVar(&pwStdin, "password-stdin", false, "read the password from standard input (required)")
	case "list", "delete":
	default:
		return usagef("unknown admin user command %q (add, list, delete, passwd)", verb)
	}
	if verb == "add" {
		c.fs.StringVar(&email, "email", "", "email address")
		c.fs.StringVar(&disp, "display-name", "", "display name")
		c.fs.Var(&groups, "group", "a group the user belongs to (repeatable)")
	}
	if err := c.parseNamed(verb, args, "user name"); err != nil {
		return err
	}
	if (verb == "add" || verb == "passwd") && !pwStdin {
		return usagef("admin user %s needs --password-stdin (passwords are never taken as arguments)", verb)
	}
	id, _, store, err := openAdmin(ctx, c.sf)
	if err != nil {
		return err
	}
	defer store.Close()
	switch verb {
	case "list":
		users, err := id.ListUsers(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tDISPLAY NAME\tEMAIL\tGROUPS\tSTATUS\tCREATED")
		for _, u := range users {
			gs, err := id.Directory().UserGroups(ctx, u.ID)
			if err != nil {
				return err
			}
			names := make([]string, 0, len(gs))
			for _, g := range gs {
				names = append(names, g.DisplayName)
			}
			slices.Sort(names)
			status := "enabled"
			if u.Disabled {
				status = "disabled"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", u.Name, u.DisplayName, u.Email, strings.Join(names, ","), status,
				u.CreatedAt.UTC().Format(time.RFC3339))
		}
		return tw.Flush()
	case "delete":
		if err := id.DeleteUser(ctx, c.name); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "Deleted user %s.\n", c.name)
		return nil
	}
	pw, err := readPassword(c.stdin)
	if err != nil {
		return err
	}
	if verb == "passwd" {
		if err := id.SetPassword(ctx, c.name, pw); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "Changed the password of %s.\n", c.name)
		return nil
	}
	u, err := id.AddUser(ctx, identity.UserSpec{Name: c.name, Password: pw, Email: email, DisplayName: disp, Groups: groups})
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "Added user %s.\n", u.Name)
	return nil
}

func (c *adminCmd) account(ctx context.Context, verb string, args []string) error {
	var a sso.Account
	switch verb {
	case "add":
		c.fs.StringVar(&a.Name, "name", "", "account name (required)")
		c.fs.StringVar(&a.Email, "email", "", "account email")
		c.fs.StringVar(&a.Source, "source", sso.SourceSTS, "where role credentials come from: sts or static")
		c.fs.StringVar(&a.RoleARN, "role-arn", "", "role to assume (default arn:aws:iam::{account_id}:role/{permission_set})")
		c.fs.StringVar(&a.CredentialsFile, "credentials-file", "", "for --source static: JSON file with accessKeyId, secretAccessKey, sessionToken")
	case "list", "delete":
	default:
		return usagef("unknown admin account command %q (add, list, delete)", verb)
	}
	if err := c.parseNamed(verb, args, "12-digit account id"); err != nil {
		return err
	}
	_, dir, store, err := openAdmin(ctx, c.sf)
	if err != nil {
		return err
	}
	defer store.Close()
	switch verb {
	case "add":
		a.ID = c.name
		if a.Name == "" {
			return usagef("admin account add needs --name (the account's name, as the portal shows it)")
		}
		if err := dir.PutAccount(ctx, a); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "Saved account %s (%s).\n", a.ID, a.Name)
	case "delete":
		if err := dir.DeleteAccount(ctx, c.name); errors.Is(err, sso.ErrNotFound) {
			return fmt.Errorf(`there is no account %s; "ssooidc admin account list" shows the accounts`, c.name)
		} else if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "Deleted account %s and its assignments.\n", c.name)
	case "list":
		list, err := store.ListAccounts(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tEMAIL\tSOURCE\tROLE ARN")
		for _, a := range list {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", a.ID, a.Name, a.Email, a.Source, a.RoleARN)
		}
		return tw.Flush()
	}
	return nil
}

func (c *adminCmd) permissionSet(ctx context.Context, verb string, args []string) error {
	var p sso.PermissionSet
	switch verb {
	case "add":
		c.fs.DurationVar(&p.SessionDuration, "session-duration", time.Hour, "lifetime of the role credentials (15m to 12h)")
		c.fs.StringVar(&p.Description, "description", "", "description")
		c.fs.StringVar(&p.RoleSuffix, "role-suffix", "", "16 hex digits of the AWSReservedSSO_{name}_{suffix} role (portal.role_names: identity_center)")
	case "list", "delete":
	default:
		return usagef("unknown admin permission-set command %q (add, list, delete)", verb)
	}
	if err := c.parseNamed(verb, args, "permission set name"); err != nil {
		return err
	}
	_, dir, store, err := openAdmin(ctx, c.sf)
	if err != nil {
		return err
	}
	defer store.Close()
	switch verb {
	case "add":
		p.Name = c.name
		if err := dir.PutPermissionSet(ctx, p); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "Saved permission set %s.\n", p.Name)
	case "delete":
		p, err := store.GetPermissionSet(ctx, c.name)
		if errors.Is(err, sso.ErrNotFound) {
			return fmt.Errorf(`there is no permission set %s; "ssooidc admin permission-set list" shows them`, c.name)
		}
		if err != nil {
			return err
		}
		if err := dir.DeletePermissionSet(ctx, p, true); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "Deleted permission set %s and its assignments.\n", c.name)
	case "list":
		list, err := store.ListPermissionSets(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tID\tSESSION DURATION\tROLE SUFFIX\tDESCRIPTION")
		for _, p := range list {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.Name, p.ID, p.SessionDuration, p.RoleSuffix, p.Description)
		}
		return tw.Flush()
	}
	return nil
}

func (c *adminCmd) assign(ctx context.Context, add bool, args []string) error {
	var a server.AssignmentDecl
	c.fs.StringVar(&a.AccountID, "account", "", "12-digit account id (required)")
	c.fs.StringVar(&a.PermissionSet, "permission-set", "", "permission set name (required)")
	c.fs.StringVar(&a.User, "user", "", "a user name")
	c.fs.StringVar(&a.Group, "group", "", "a group name (created when missing)")
	if err := c.parse(args); err != nil {
		return err
	}
	who := ""
	switch {
	case a.User != "" && a.Group == "":
		who = "user " + a.User
	case a.Group != "" && a.User == "":
		who = "group " + a.Group
	default:
		return usagef("%s needs exactly one of --user and --group", c.fs.Name())
	}
	id, dir, store, err := openAdmin(ctx, c.sf)
	if err != nil {
		return err
	}
	defer store.Close()
	if !add && a.Group != "" {
		// Unassigning never creates the group it names.
		if _, err := id.Directory().GetGroupByName(ctx, a.Group); err != nil {
			return fmt.Errorf("no group is named %q", a.Group)
		}
	}
	as, err := server.Resolve(ctx, id.Directory(), a)
	if err != nil {
		return err
	}
	if add {
		if err := dir.Assign(ctx, as); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "Assigned %s to %s in account %s.\n", who, a.PermissionSet, a.AccountID)
		return nil
	}
	if err := dir.Unassign(ctx, as); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "Removed %s from %s in account %s.\n", who, a.PermissionSet, a.AccountID)
	return nil
}

func (c *adminCmd) assignments(ctx context.Context, args []string) error {
	if err := c.parse(args); err != nil {
		return err
	}
	id, _, store, err := openAdmin(ctx, c.sf)
	if err != nil {
		return err
	}
	defer store.Close()
	list, err := store.ListAssignments(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ACCOUNT\tPERMISSION SET\tPRINCIPAL")
	for _, a := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", a.AccountID, a.PermissionSet, principalName(ctx, id.Directory(), a))
	}
	return tw.Flush()
}

// principalName is how a listing names an assignment's principal: user:NAME
// or group:NAME, or the type and ID of one that is gone.
func principalName(ctx context.Context, people *directory.Service, a sso.Assignment) string {
	if a.PrincipalType == sso.PrincipalUser {
		if u, err := people.GetUser(ctx, a.PrincipalID); err == nil {
			return "user:" + u.Name
		}
		return "user-id:" + a.PrincipalID
	}
	if g, err := people.GetGroup(ctx, a.PrincipalID); err == nil {
		return "group:" + g.DisplayName
	}
	return "group-id:" + a.PrincipalID
}

// adminActor names who runs an admin command in the audit trail: the
// operating system's user.
func adminActor() sso.Actor {
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	return sso.Actor{Type: sso.ActorAdmin, ID: "os:" + name}
}

// migrate opens the store, which applies the migrations it lacks (under
// PostgreSQL's advisory lock), and closes it: for deployments that migrate
// before they roll out new nodes.
func (c *adminCmd) migrate(ctx context.Context, args []string) error {
	if err := c.parse(args); err != nil {
		return err
	}
	store, desc, _, err := c.sf.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.Ping(ctx); err != nil {
		return fmt.Errorf("the store does not answer after migrating: %w", err)
	}
	fmt.Fprintf(c.stdout, "The %s store is migrated.\n", strings.SplitN(desc, ":", 2)[0])
	return nil
}

func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", fmt.Errorf(`no password on standard input; pipe it in, as in: printf '%%s\n' "$PASSWORD" | ssooidc admin ...`)
	}
	return pw, nil
}
