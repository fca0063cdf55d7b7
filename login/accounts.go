package login

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/ssooidc/ssooidc/portal"
)

// AccountRole is one role the person has in one account.
type AccountRole struct {
	AccountID    string
	AccountName  string
	EmailAddress string
	RoleName     string
}

// AccountRoles lists every role of every account assigned to the person,
// through the portal's ListAccounts and ListAccountRoles with the
// session's token (refreshed if needed; without one, a
// *LoginRequiredError). Sorted by account name, account id, role.
func (c *Client) AccountRoles(ctx context.Context) ([]AccountRole, error) {
	tok, err := c.Token(ctx)
	if err != nil {
		return nil, err
	}
	region := c.region(tok)
	pc, err := c.portalClient(ctx, region)
	if err != nil {
		return nil, err
	}
	fail := func(what string, err error) error {
		var unauth *portal.UnauthorizedException
		if errors.As(err, &unauth) {
			return c.loginRequired("the server no longer accepts the session's token", err)
		}
		return fmt.Errorf("%s: %w", what, c.explainPortal(pc, region, err))
	}
	var out []AccountRole
	accounts := portal.NewListAccountsPaginator(pc, &portal.ListAccountsInput{AccessToken: tok.AccessToken})
	for accounts.HasMorePages() {
		page, err := accounts.NextPage(ctx)
		if err != nil {
			return nil, fail("listing the accounts", err)
		}
		for _, a := range page.AccountList {
			roles := portal.NewListAccountRolesPaginator(pc, &portal.ListAccountRolesInput{AccessToken: tok.AccessToken, AccountID: a.AccountID})
			for roles.HasMorePages() {
				rp, err := roles.NextPage(ctx)
				if err != nil {
					return nil, fail("listing the roles of account "+a.AccountID, err)
				}
				for _, r := range rp.RoleList {
					out = append(out, AccountRole{AccountID: a.AccountID, AccountName: a.AccountName, EmailAddress: a.EmailAddress, RoleName: r.RoleName})
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.AccountName != b.AccountName {
			return a.AccountName < b.AccountName
		}
		if a.AccountID != b.AccountID {
			return a.AccountID < b.AccountID
		}
		return a.RoleName < b.RoleName
	})
	return out, nil
}
