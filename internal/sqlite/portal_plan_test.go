package sqlite

import (
	"context"
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
		var plan strings.Builder
		if err := s.write(t.Context(), "test", func(ctx context.Context, tx *wtx) error {
			rows, err := tx.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, []byte{1}, "123456789012", "Admin")
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var id, parent, unused int
				var detail string
				if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
					return err
				}
				plan.WriteString(detail + "\n")
			}
			return rows.Err()
		}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if strings.Contains(plan.String(), "SCAN ") || !strings.Contains(plan.String(), "SEARCH ac USING") && !strings.Contains(plan.String(), "SEARCH accounts USING") {
			t.Errorf("%s scans a table or reads accounts without an index:\n%s", name, plan.String())
		}
	}
}
