package sqlite

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestPortalPlansUseKeys: the portal's statements look every table up by
// an index, so that their cost does not grow with the accounts or
// assignments stored (the PostgreSQL store's twin test found its
// ListAccounts running a filter once per account stored).
func TestPortalPlansUseKeys(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "ssooidc.db"))
	for name, q := range map[string]string{"GetBearerAccounts": bearerAccountsSQL, "ListAccountsFor": accountsForSQL,
		"GetBearerRole": bearerRoleSQL, "GetRoleGrant": roleGrantSQL} {
		plan := queryPlan(t, s, q, []byte{1}, "123456789012", "Admin")
		if strings.Contains(plan, "SCAN ") || !strings.Contains(plan, "SEARCH ac USING") && !strings.Contains(plan, "SEARCH accounts USING") {
			t.Errorf("%s scans a table or reads accounts without an index:\n%s", name, plan)
		}
	}
}
