package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/ssooidc/ssooidc/internal/scim"
)

const scimTokenUsage = `  ssooidc admin scim-token create [--expires 8760h]
  ssooidc admin scim-token list | revoke ID
`

// scimToken runs "admin scim-token create|list|revoke": the bearer tokens
// of SCIM provisioning clients. create prints the token once; only its
// digest is stored.
func (c *adminCmd) scimToken(ctx context.Context, verb string, args []string) error {
	var expires time.Duration
	switch verb {
	case "create":
		c.fs.DurationVar(&expires, "expires", scim.DefaultTokenLifetime, "how long the token is valid (1h to 87600h)")
	case "list":
	case "revoke":
	default:
		return usagef("unknown admin scim-token command %q (create, list, revoke)", verb)
	}
	if err := c.parse(args); err != nil {
		return err
	}
	if verb == "revoke" && c.name == "" {
		return usagef("admin scim-token revoke needs the token's ID (see admin scim-token list)")
	}
	if verb != "revoke" && c.name != "" {
		return usagef("admin scim-token %s takes no argument (got %q)", verb, c.name)
	}
	if verb == "create" && (expires < time.Hour || expires > scim.MaxTokenLifetime) {
		return usagef("--expires must be 1h to %s", scim.MaxTokenLifetime)
	}
	store, err := openAudited(ctx, c.sf)
	if err != nil {
		return err
	}
	defer store.Close()
	tokens := scim.NewTokens(store, store.digester(), store.rec, time.Now)
	switch verb {
	case "create":
		t, secret, err := tokens.Create(ctx, expires)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "Created SCIM token %s, valid until %s.\n", t.ID, t.ExpiresAt.UTC().Format(time.RFC3339))
		fmt.Fprintf(c.stdout, "Give it to your identity provider as the access token (it is not shown again):\n\n%s\n", secret)
		return nil
	case "revoke":
		if err := tokens.Revoke(ctx, c.name); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "Revoked SCIM token %s.\n", c.name)
		return nil
	}
	list, err := tokens.List(ctx)
	if err != nil {
		return err
	}
	now := time.Now()
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tCREATED\tEXPIRES\tCREATED BY")
	for _, t := range list {
		status := "active"
		switch {
		case !t.RevokedAt.IsZero():
			status = "revoked " + t.RevokedAt.UTC().Format(time.RFC3339)
		case !now.Before(t.ExpiresAt):
			status = "expired"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.ID, status, t.CreatedAt.UTC().Format(time.RFC3339),
			t.ExpiresAt.UTC().Format(time.RFC3339), t.CreatedBy)
	}
	return tw.Flush()
}
