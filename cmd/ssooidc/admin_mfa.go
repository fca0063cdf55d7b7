package main

import (
	"context"
	"fmt"
	"log/slog"
	"text/tabwriter"
	"time"

	"github.com/ssooidc/ssooidc/internal/directory"
	"github.com/ssooidc/ssooidc/internal/mfa"
	"github.com/ssooidc/ssooidc/internal/sso"
)

const mfaUsage = `  ssooidc admin user mfa list NAME        (a user's second factors and recovery codes left)
  ssooidc admin user mfa reset NAME       (remove them all and end the user's browser sessions)
`

// userMFA runs "admin user mfa list|reset NAME": what a person has as
// second factors, and the reset for one who lost their phone, keys and
// recovery codes (under mode required they enrol again at their next
// sign-in).
func (c *adminCmd) userMFA(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usagef("admin user mfa needs list or reset, and a user name")
	}
	verb, args := args[0], args[1:]
	if verb != "list" && verb != "reset" {
		return usagef("unknown admin user mfa command %q (list, reset)", verb)
	}
	if err := c.parse(args); err != nil {
		return err
	}
	if c.name == "" {
		return usagef("admin user mfa %s needs a user name", verb)
	}
	store, err := openAudited(ctx, c.sf)
	if err != nil {
		return err
	}
	defer store.Close()
	policy, err := store.fc.MFA.policy()
	if err != nil {
		return err
	}
	rec := store.rec
	people := directory.New(store, store, rec, time.Now)
	u, err := people.GetUserByName(ctx, c.name)
	if err != nil {
		return fmt.Errorf(`there is no user %s; "ssooidc admin user list" shows the users`, c.name)
	}
	// No public URL: the admin commands run no WebAuthn ceremony.
	m, err := mfa.New(mfa.Options{Policy: policy, Factors: store, Flows: store, Users: people, Limits: store,
		Digester: store.digester(), DigestKey: store.key, Audit: rec, Now: time.Now, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	if verb == "reset" {
		n, err := m.Reset(ctx, u)
		if err != nil {
			return err
		}
		ended, err := store.DeleteUserSessions(ctx, u.ID, nil)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "Removed %d second factor(s) and the recovery codes of %s, and ended %d browser session(s).\n", n, u.Name, ended)
		if policy.Mode == mfa.Required {
			fmt.Fprintf(c.stdout, "%s sets up a new one at the next sign-in.\n", u.Name)
		}
		return nil
	}
	list, left, err := m.Factors(ctx, u.ID)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tNAME\tADDED\tLAST USED")
	for _, f := range list {
		kind := "totp"
		if f.Kind == sso.FactorWebAuthn {
			kind = "security-key"
			if f.Discoverable {
				kind = "passkey"
			}
		}
		used := "never"
		if !f.LastUsedAt.IsZero() {
			used = f.LastUsedAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", f.ID, kind, f.Name, f.CreatedAt.UTC().Format(time.RFC3339), used)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "%d factor(s); %d recovery code(s) left; policy: mode %s, upstream %s.\n", len(list), left, policy.Mode, policy.Upstream)
	return nil
}
