package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// The portal's reads, one statement each (sso.PortalStore). A statement
// costs the portal more than the rows it reads (a read transaction, the
// shared-memory lock of the WAL, the driver's layers, a conversion per
// column), so each call of the portal API is one statement, and it reads
// only the columns the call uses.

// bearerCols and bearerFrom read what the portal needs of an access token,
// its family and its user: the user is a LEFT JOIN, so a token whose user
// is gone still reads (with no user) and the caller tells the two apart.
const (
	bearerCols = `f.id, a.scopes, min(a.expires_at, f.expires_at), f.revoked_at <> 0, a.user_id,
		coalesce(u.name, ''), u.id IS NOT NULL, coalesce(u.disabled, 0)`
	bearerFrom = `access_tokens AS a JOIN families AS f ON f.id = a.family_id LEFT JOIN users AS u ON u.id = a.user_id`
)

func bearerDest(b *sso.Bearer) []any {
	return []any{&b.FamilyID, (*strList)(&b.Scopes), (*msTime)(&b.ExpiresAt), &b.Revoked, &b.UserID,
		&b.UserName, &b.UserFound, &b.UserDisabled}
}

// GetBearer returns what the access token with digest tells the portal.
// Returns sso.ErrNotFound if none.
func (s *Store) GetBearer(ctx context.Context, digest []byte) (sso.Bearer, error) {
	var b sso.Bearer
	if err := s.queryRow(ctx, `SELECT `+bearerCols+` FROM `+bearerFrom+` WHERE a.digest = ?`, blob(digest)).Scan(bearerDest(&b)...); err != nil {
		return sso.Bearer{}, mapErr(ctx, "get bearer", err)
	}
	return b, nil
}

// assigned is true when the user user (a parameter or a column) has the
// permission set ?3 in the account ?2, directly or through a group: a
// primary-key probe of assignments, then one per group of the user. The
// CROSS JOIN makes SQLite go from the user's memberships to their groups'
// assignments: left to itself (no statistics), it scanned every group
// assignment of the permission set and probed memberships for each.
func assigned(user string) string {
	return `(EXISTS (SELECT 1 FROM assignments WHERE account_id = ?2 AND permission_set = ?3
		AND principal_type = 'USER' AND principal_id = ` + user + `)
	OR EXISTS (SELECT 1 FROM memberships AS m CROSS JOIN assignments AS g ON g.account_id = ?2 AND g.permission_set = ?3
		AND g.principal_type = 'GROUP' AND g.principal_id = m.group_id WHERE m.user_id = ` + user + `))`
}

// accountsOf selects the IDs of the accounts the user user (a parameter
// or a column) has a role in: a range of assignments_principal for the
// user, and one per group of theirs (memberships first: CROSS JOIN, as in
// assigned).
func accountsOf(user string) string {
	return `SELECT account_id FROM assignments WHERE principal_type = 'USER' AND principal_id = ` + user + `
		UNION
		SELECT g.account_id FROM memberships AS m CROSS JOIN assignments AS g
			ON g.principal_type = 'GROUP' AND g.principal_id = m.group_id WHERE m.user_id = ` + user
}

// grantCols are a grant's account and permission set, empty when the LEFT
// JOINs ac and p found none.
const grantCols = `coalesce(ac.id, ''), coalesce(ac.name, ''), coalesce(ac.source, ''), coalesce(ac.role_arn, ''),
	coalesce(ac.credentials_file, ''), coalesce(p.name, ''), coalesce(p.session_duration_ms, 0), coalesce(p.role_suffix, '')`

// The statements, built once: a statement is found in the connection's
// cache by its text, and building it per call cost an allocation and a
// hash of a long string on the hottest path.
var (
	accountsForSQL = `SELECT ` + accountColumns + ` FROM accounts WHERE id IN (` + accountsOf("?1") + `) ORDER BY id`
	roleGrantSQL   = `SELECT ` + grantCols + ` FROM accounts AS ac JOIN permission_sets AS p ON p.name = ?3
		WHERE ac.id = ?2 AND ` + assigned("?1")
	bearerRoleSQL = `SELECT ` + bearerCols + `, ` + grantCols + ` FROM ` + bearerFrom + `
		LEFT JOIN accounts AS ac ON ac.id = ?2 AND ` + assigned("a.user_id") + `
		LEFT JOIN permission_sets AS p ON p.name = ?3 AND ac.id IS NOT NULL
		WHERE a.digest = ?1`
	bearerAccountsSQL = `SELECT ` + bearerCols + `, coalesce(ac.id, ''), coalesce(ac.name, ''), coalesce(ac.email, '')
		FROM ` + bearerFrom + ` LEFT JOIN accounts AS ac ON ac.id IN (` + accountsOf("a.user_id") + `)
		WHERE a.digest = ?1`
)

// grantDest scans grantCols; done turns the duration into one.
func grantDest(g *sso.RoleGrant) (dest []any, done func()) {
	a, p := &g.Account, &g.PermissionSet
	var ms int64
	return []any{&a.ID, &a.Name, &a.Source, &a.RoleARN, &a.CredentialsFile, &p.Name, &ms, &p.RoleSuffix},
		func() { p.SessionDuration = time.Duration(ms) * time.Millisecond }
}

// ListAccountsFor returns the accounts the user userID has a role in.
func (s *Store) ListAccountsFor(ctx context.Context, userID string) ([]sso.Account, error) {
	const op = "list accounts for"
	rows, err := s.query(ctx, accountsForSQL, userID)
	if err != nil {
		return nil, mapErr(ctx, op, err)
	}
	defer rows.Close()
	var out []sso.Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, mapErr(ctx, op, err)
		}
		out = append(out, a)
	}
	return out, mapErr(ctx, op, rows.Err())
}

// GetRoleGrant returns the grant of the user's assignment. Returns
// sso.ErrNotFound if the user has no such assignment.
func (s *Store) GetRoleGrant(ctx context.Context, userID, accountID, permissionSet string) (sso.RoleGrant, error) {
	var g sso.RoleGrant
	dest, done := grantDest(&g)
	err := s.queryRow(ctx, roleGrantSQL, userID, accountID, permissionSet).Scan(dest...)
	if err != nil {
		return sso.RoleGrant{}, mapErr(ctx, "get role grant", err)
	}
	done()
	return g, nil
}

// GetBearerRole reads the token and the grant of its user in one
// statement: the grant's tables are LEFT JOINs that match only when the
// user has the assignment.
func (s *Store) GetBearerRole(ctx context.Context, digest []byte, accountID, permissionSet string) (sso.Bearer, *sso.RoleGrant, error) {
	var b sso.Bearer
	var g sso.RoleGrant
	gd, done := grantDest(&g)
	err := s.queryRow(ctx, bearerRoleSQL, blob(digest), accountID, permissionSet).Scan(append(bearerDest(&b), gd...)...)
	if err != nil {
		return sso.Bearer{}, nil, mapErr(ctx, "get bearer role", err)
	}
	if g.Account.ID == "" || g.PermissionSet.Name == "" {
		return b, nil, nil
	}
	done()
	return b, &g, nil
}

// GetBearerAccounts reads the token and its user's accounts in one
// statement: a row per account (in no order; the portal sorts), or one
// row with no account.
func (s *Store) GetBearerAccounts(ctx context.Context, digest []byte) (sso.Bearer, []sso.Account, error) {
	const op = "get bearer accounts"
	rows, err := s.query(ctx, bearerAccountsSQL, blob(digest))
	if err != nil {
		return sso.Bearer{}, nil, mapErr(ctx, op, err)
	}
	defer rows.Close()
	var b sso.Bearer
	var out []sso.Account
	dest := bearerDest(&b)
	found := false
	for rows.Next() {
		var ac sso.Account
		if err := rows.Scan(append(dest, &ac.ID, &ac.Name, &ac.Email)...); err != nil {
			return sso.Bearer{}, nil, mapErr(ctx, op, err)
		}
		found = true
		if ac.ID != "" {
			out = append(out, ac)
		}
	}
	if err := rows.Err(); err != nil {
		return sso.Bearer{}, nil, mapErr(ctx, op, err)
	}
	if !found {
		return sso.Bearer{}, nil, mapErr(ctx, op, sql.ErrNoRows)
	}
	return b, out, nil
}
