package sqlite

import (
	"context"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// The portal's reads, one statement each (sso.PortalStore).

// bearerSQL reads an access token, its family and its user's name and
// state: the user is a LEFT JOIN, so a token whose user is gone still
// reads (with no user) and the caller tells the two apart.
const bearerSQL = `SELECT a.digest, a.family_id, a.client_id, a.user_id, a.scopes, a.issued_at, a.expires_at,
		` + familyJoin + `, coalesce(u.id, ''), coalesce(u.name, ''), coalesce(u.display_name, ''), coalesce(u.disabled, 0)
	FROM access_tokens AS a JOIN families AS f ON f.id = a.family_id LEFT JOIN users AS u ON u.id = a.user_id
	WHERE a.digest = ?`

// GetBearer returns the access token with digest, its family and its user.
// Returns sso.ErrNotFound if none.
func (s *Store) GetBearer(ctx context.Context, digest []byte) (sso.Bearer, error) {
	var b sso.Bearer
	a, u := &b.Token, &b.User
	dest := append([]any{(*blob)(&a.Digest), &a.FamilyID, &a.ClientID, &a.UserID, (*strList)(&a.Scopes),
		(*msTime)(&a.IssuedAt), (*msTime)(&a.ExpiresAt)}, familyDest(&b.Family)...)
	dest = append(dest, &u.ID, &u.Name, &u.DisplayName, &u.Disabled)
	if err := s.queryRow(ctx, bearerSQL, blob(digest)).Scan(dest...); err != nil {
		return sso.Bearer{}, mapErr(ctx, "get bearer", err)
	}
	return b, nil
}

// assignedSQL is true when the user ?1 has the permission set ?3 in the
// account ?2, directly or through a group: two primary-key probes of
// assignments, the second once per group of the user.
const assignedSQL = `(EXISTS (SELECT 1 FROM assignments WHERE account_id = ?2 AND permission_set = ?3
		AND principal_type = 'USER' AND principal_id = ?1)
	OR EXISTS (SELECT 1 FROM memberships AS m JOIN assignments AS g ON g.account_id = ?2 AND g.permission_set = ?3
		AND g.principal_type = 'GROUP' AND g.principal_id = m.group_id WHERE m.user_id = ?1))`

// ListAccountsFor returns the accounts the user userID has a role in.
func (s *Store) ListAccountsFor(ctx context.Context, userID string) ([]sso.Account, error) {
	const op = "list accounts for"
	rows, err := s.query(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id IN (
			SELECT account_id FROM assignments WHERE principal_type = 'USER' AND principal_id = ?1
			UNION
			SELECT a.account_id FROM memberships AS m JOIN assignments AS a
				ON a.principal_type = 'GROUP' AND a.principal_id = m.group_id WHERE m.user_id = ?1)
		ORDER BY id`, userID)
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

// GetRoleGrant returns the account and permission set of the user's
// assignment, in one statement. Returns sso.ErrNotFound if the user has
// no such assignment.
func (s *Store) GetRoleGrant(ctx context.Context, userID, accountID, permissionSet string) (sso.Account, sso.PermissionSet, error) {
	var a sso.Account
	row := s.queryRow(ctx, `SELECT ac.id, ac.name, ac.email, ac.source, ac.role_arn, ac.credentials_file,
			p.name, p.description, p.session_duration_ms, p.id, p.session_duration_iso, p.relay_state,
			p.created_at, p.role_suffix, p.policies, p.tags, p.version
		FROM accounts AS ac JOIN permission_sets AS p ON p.name = ?3
		WHERE ac.id = ?2 AND `+assignedSQL, userID, accountID, permissionSet)
	p, err := scanPermissionSet(prefixed{row, []any{&a.ID, &a.Name, &a.Email, &a.Source, &a.RoleARN, &a.CredentialsFile}})
	if err != nil {
		return sso.Account{}, sso.PermissionSet{}, mapErr(ctx, "get role grant", err)
	}
	return a, p, nil
}

// prefixed is a row whose first columns go to dest and the rest to the
// Scan of whoever reads it: one statement read by two scanners.
type prefixed struct {
	row  scanner
	dest []any
}

func (p prefixed) Scan(dest ...any) error { return p.row.Scan(append(p.dest, dest...)...) }
