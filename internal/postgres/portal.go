package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// The portal's reads, one statement (one round trip) each
// (sso.PortalStore).

// GetBearer returns the access token with digest, its family and its user.
// Returns sso.ErrNotFound if none.
func (s *Store) GetBearer(ctx context.Context, digest []byte) (sso.Bearer, error) {
	var b sso.Bearer
	err := s.do(ctx, "get bearer", true, func(ctx context.Context) error {
		a, u := &b.Token, &b.User
		row := s.q(ctx).QueryRow(ctx, `SELECT a.digest, a.family_id, a.client_id, a.user_id, a.scopes, a.issued_at, a.expires_at,
				coalesce(u.id, ''), coalesce(u.name, ''), coalesce(u.display_name, ''), coalesce(u.disabled, false),
				f.id, f.client_id, f.user_id, f.scopes, f.refreshable, f.created_at, f.expires_at, f.revoked_at
			FROM access_tokens AS a JOIN families AS f ON f.id = a.family_id LEFT JOIN users AS u ON u.id = a.user_id
			WHERE a.digest = $1`, digest)
		return scanFamily(row, &b.Family, &a.Digest, &a.FamilyID, &a.ClientID, &a.UserID, &a.Scopes, &a.IssuedAt, &a.ExpiresAt,
			&u.ID, &u.Name, &u.DisplayName, &u.Disabled)
	})
	if err != nil {
		return sso.Bearer{}, err
	}
	b.Token.Scopes = listOf(b.Token.Scopes)
	b.Token.IssuedAt, b.Token.ExpiresAt = b.Token.IssuedAt.UTC(), b.Token.ExpiresAt.UTC()
	return b, nil
}

// ListAccountsFor returns the accounts the user userID has a role in.
func (s *Store) ListAccountsFor(ctx context.Context, userID string) ([]sso.Account, error) {
	if !storable(userID) {
		return nil, nil
	}
	var out []sso.Account
	err := s.do(ctx, "list accounts for", true, func(ctx context.Context) error {
		rows, err := s.q(ctx).Query(ctx, `SELECT `+accountCols+` FROM accounts WHERE id IN (
				SELECT account_id FROM assignments WHERE principal_type = 'USER' AND principal_id = $1
				UNION
				SELECT a.account_id FROM memberships AS m JOIN assignments AS a
					ON a.principal_type = 'GROUP' AND a.principal_id = m.group_id WHERE m.user_id = $1)
			ORDER BY id COLLATE "C"`, userID)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (sso.Account, error) { return scanAccount(row) })
		return err
	})
	return out, err
}

// GetRoleGrant returns the account and permission set of the user's
// assignment, in one statement. Returns sso.ErrNotFound if the user has
// no such assignment.
func (s *Store) GetRoleGrant(ctx context.Context, userID, accountID, permissionSet string) (sso.Account, sso.PermissionSet, error) {
	const op = "get role grant"
	if !storable(userID) || !storable(accountID) || !storable(permissionSet) {
		return sso.Account{}, sso.PermissionSet{}, notFound(op)
	}
	var a sso.Account
	var p sso.PermissionSet
	err := s.do(ctx, op, true, func(ctx context.Context) error {
		row := s.q(ctx).QueryRow(ctx, `SELECT ac.id, ac.name, ac.email, ac.source, ac.role_arn, ac.credentials_file,
				p.name, p.description, p.session_duration_ms, p.id, p.session_duration_iso, p.relay_state,
				p.created_at, p.role_suffix, p.policies, p.tags, p.version
			FROM accounts AS ac JOIN permission_sets AS p ON p.name = $3
			WHERE ac.id = $2 AND (
				EXISTS (SELECT 1 FROM assignments WHERE account_id = $2 AND permission_set = $3
					AND principal_type = 'USER' AND principal_id = $1)
				OR EXISTS (SELECT 1 FROM memberships AS m JOIN assignments AS g ON g.account_id = $2 AND g.permission_set = $3
					AND g.principal_type = 'GROUP' AND g.principal_id = m.group_id WHERE m.user_id = $1))`,
			userID, accountID, permissionSet)
		var err error
		p, err = scanPermissionSet(prefixed{row, []any{&a.ID, &a.Name, &a.Email, &a.Source, &a.RoleARN, &a.CredentialsFile}})
		return err
	})
	if err != nil {
		return sso.Account{}, sso.PermissionSet{}, err
	}
	return a, p, nil
}

// prefixed is a row whose first columns go to dest and the rest to the
// Scan of whoever reads it: one statement read by two scanners.
type prefixed struct {
	row  pgx.Row
	dest []any
}

func (p prefixed) Scan(dest ...any) error { return p.row.Scan(append(p.dest, dest...)...) }
