package postgres

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// TestPortalPlansUseAccountKey: the portal's account reads look a person's
// accounts up by key, whatever the store holds. ListAccounts once joined
// accounts on "id IN (the person's accounts)", a filter PostgreSQL ran for
// every account of the store, and the assignments' "C" collation kept it
// from the primary key even as a semi-join: 1.7 ms a call with 100
// accounts stored, growing with them.
func TestPortalPlansUseAccountKey(t *testing.T) {
	s := newStore(t, Options{})
	ctx := t.Context()
	for i := 0; i < 2000; i++ {
		if err := s.PutAccount(ctx, sso.Account{ID: fmt.Sprintf("%012d", 100000000000+i), Name: fmt.Sprint("account ", i), Source: "static"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.pool.Exec(ctx, "ANALYZE accounts"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		query string
		args  []any
	}{
		{"GetBearerAccounts", bearerAccountsSQL, []any{[]byte("digest")}},
		{"ListAccountsFor", accountsForSQL, []any{"a-user-id"}},
	} {
		rows, err := s.pool.Query(ctx, "EXPLAIN "+c.query, c.args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, line)
		}
		rows.Close()
		text := strings.Join(plan, "\n")
		if strings.Contains(text, "Seq Scan on accounts") || !strings.Contains(text, "accounts_pkey") {
			t.Errorf("%s reads accounts without their key:\n%s", c.name, text)
		}
	}
}
