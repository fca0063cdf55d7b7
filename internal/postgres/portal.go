package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// The portal's reads, one statement (one round trip) each
// (sso.PortalStore): a round trip costs the portal more than the rows it
// reads, so each call of the portal API is one statement, and it reads
// only the columns the call uses.

// bearerCols and bearerFrom read what the portal needs of an access token,
// its family and its user: the user is a LEFT JOIN, so a token whose user
// is gone still reads, with no user.
const (
	bearerCols = `f.id, a.scopes, least(a.expires_at, f.expires_at), f.revoked_at IS NOT NULL, a.user_id,
		coalesce(u.name, ''), u.id IS NOT NULL, coalesce(u.disabled, false)`
	bearerFrom = `access_tokens AS a JOIN families AS f ON f.id = a.family_id LEFT JOIN users AS u ON u.id = a.user_id`
)

// scanBearer scans bearerCols into b, and the columns that follow them
// into extra.
func scanBearer(row pgx.Row, b *sso.Bearer, extra ...any) error {
	err := row.Scan(append([]any{&b.FamilyID, &b.Scopes, &b.ExpiresAt, &b.Revoked, &b.UserID,
		&b.UserName, &b.UserFound, &b.UserDisabled}, extra...)...)
	b.Scopes, b.ExpiresAt = listOf(b.Scopes), b.ExpiresAt.UTC()
	return err
}

// GetBearer returns what the access token with digest tells the portal.
// Returns sso.ErrNotFound if none.
func (s *Store) GetBearer(ctx context.Context, digest []byte) (sso.Bearer, error) {
	var b sso.Bearer
	err := s.do(ctx, "get bearer", true, func(ctx context.Context) error {
		return scanBearer(s.q(ctx).QueryRow(ctx, `SELECT `+bearerCols+` FROM `+bearerFrom+` WHERE a.digest = $1`, digest), &b)
	})
	if err != nil {
		return sso.Bearer{}, err
	}
	return b, nil
}

// assigned is true when the user user (a parameter or a column) has the
// permission set $3 in the account $2, directly or through a group.
func assigned(user string) string {
	return `(EXISTS (SELECT 1 FROM assignments WHERE account_id = $2 AND permission_set = $3
			AND principal_type = 'USER' AND principal_id = ` + user + `)
		OR EXISTS (SELECT 1 FROM memberships AS m JOIN assignments AS g ON g.account_id = $2 AND g.permission_set = $3
			AND g.principal_type = 'GROUP' AND g.principal_id = m.group_id WHERE m.user_id = ` + user + `))`
}

// accountsOf selects the IDs of the accounts the user user (a parameter or
// a column) has a role in.
func accountsOf(user string) string {
	// assignments.account_id is COLLATE "C" (migration 6) and accounts.id
	// is not: compared as they are, the two collations keep PostgreSQL
	// from looking accounts up by their primary key.
	return `SELECT account_id COLLATE "default" FROM assignments WHERE principal_type = 'USER' AND principal_id = ` + user + `
		UNION
		SELECT g.account_id COLLATE "default" FROM memberships AS m JOIN assignments AS g
			ON g.principal_type = 'GROUP' AND g.principal_id = m.group_id WHERE m.user_id = ` + user
}

// grantCols are a grant's account and permission set; NULL when the LEFT
// JOINs ac and p found none.
const grantCols = `ac.id, ac.name, ac.source, ac.role_arn, ac.credentials_file, p.name, p.session_duration_ms, p.role_suffix`

// The statements, built once (pgx prepares and caches them by their
// text).
var (
	accountsForSQL = `SELECT ` + accountCols + ` FROM accounts WHERE id IN (` + accountsOf("$1") + `) ORDER BY id COLLATE "C"`
	roleGrantSQL   = `SELECT ` + grantCols + ` FROM accounts AS ac JOIN permission_sets AS p ON p.name = $3
		WHERE ac.id = $2 AND ` + assigned("$1")
	bearerRoleSQL = `SELECT ` + bearerCols + `, ` + grantCols + ` FROM ` + bearerFrom + `
		LEFT JOIN accounts AS ac ON ac.id = $2 AND ` + assigned("a.user_id") + `
		LEFT JOIN permission_sets AS p ON p.name = $3 AND ac.id IS NOT NULL
		WHERE a.digest = $1`
	// The person's accounts are a LATERAL subquery: as a join condition,
	// "ac.id IN (accounts of a.user_id)" was a filter that PostgreSQL ran
	// once for every account of the store (a nested loop over all of
	// them); inside the subquery it is a semi-join on the primary key.
	bearerAccountsSQL = `SELECT ` + bearerCols + `, ac.id, ac.name, ac.email
		FROM ` + bearerFrom + ` LEFT JOIN LATERAL (SELECT id, name, email FROM accounts
			WHERE id IN (` + accountsOf("a.user_id") + `)) AS ac ON true
		WHERE a.digest = $1 ORDER BY ac.id COLLATE "C"`
)

// nullableGrant scans grantCols, which may be NULL.
type nullableGrant struct {
	text [7]pgtype.Text // the text columns of grantCols but the duration
	ms   pgtype.Int8
}

func (n *nullableGrant) dest() []any {
	t := &n.text
	return []any{&t[0], &t[1], &t[2], &t[3], &t[4], &t[5], &n.ms, &t[6]}
}

// grant is what n read, or nil when no account and permission set matched.
func (n *nullableGrant) grant() *sso.RoleGrant {
	t := &n.text
	if !t[0].Valid || !t[5].Valid {
		return nil
	}
	return &sso.RoleGrant{
		Account: sso.Account{ID: t[0].String, Name: t[1].String, Source: t[2].String, RoleARN: t[3].String, CredentialsFile: t[4].String},
		PermissionSet: sso.PermissionSet{Name: t[5].String, SessionDuration: time.Duration(n.ms.Int64) * time.Millisecond,
			RoleSuffix: t[6].String},
	}
}

// ListAccountsFor returns the accounts the user userID has a role in.
func (s *Store) ListAccountsFor(ctx context.Context, userID string) ([]sso.Account, error) {
	if !storable(userID) {
		return nil, nil
	}
	var out []sso.Account
	err := s.do(ctx, "list accounts for", true, func(ctx context.Context) error {
		rows, err := s.q(ctx).Query(ctx, accountsForSQL, userID)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (sso.Account, error) { return scanAccount(row) })
		return err
	})
	return out, err
}

// GetRoleGrant returns the grant of the user's assignment. Returns
// sso.ErrNotFound if the user has no such assignment.
func (s *Store) GetRoleGrant(ctx context.Context, userID, accountID, permissionSet string) (sso.RoleGrant, error) {
	const op = "get role grant"
	if !storable(userID) || !storable(accountID) || !storable(permissionSet) {
		return sso.RoleGrant{}, notFound(op)
	}
	var n nullableGrant
	err := s.do(ctx, op, true, func(ctx context.Context) error {
		return s.q(ctx).QueryRow(ctx, roleGrantSQL, userID, accountID, permissionSet).Scan(n.dest()...)
	})
	if err != nil {
		return sso.RoleGrant{}, err
	}
	return *n.grant(), nil
}

// GetBearerRole reads the token and the grant of its user in one
// statement: the grant's tables are LEFT JOINs that match only when the
// user has the assignment.
func (s *Store) GetBearerRole(ctx context.Context, digest []byte, accountID, permissionSet string) (sso.Bearer, *sso.RoleGrant, error) {
	if !storable(accountID) || !storable(permissionSet) {
		b, err := s.GetBearer(ctx, digest)
		return b, nil, err
	}
	var b sso.Bearer
	var n nullableGrant
	err := s.do(ctx, "get bearer role", true, func(ctx context.Context) error {
		return scanBearer(s.q(ctx).QueryRow(ctx, bearerRoleSQL, digest, accountID, permissionSet), &b, n.dest()...)
	})
	if err != nil {
		return sso.Bearer{}, nil, err
	}
	return b, n.grant(), nil
}

// GetBearerAccounts reads the token and its user's accounts in one
// statement: a row per account, or one row with no account.
func (s *Store) GetBearerAccounts(ctx context.Context, digest []byte) (sso.Bearer, []sso.Account, error) {
	var b sso.Bearer
	var out []sso.Account
	err := s.do(ctx, "get bearer accounts", true, func(ctx context.Context) error {
		out = nil
		rows, err := s.q(ctx).Query(ctx, bearerAccountsSQL, digest)
		if err != nil {
			return err
		}
		defer rows.Close()
		found := false
		for rows.Next() {
			var id, name, email pgtype.Text
			if err := scanBearer(rows, &b, &id, &name, &email); err != nil {
				return err
			}
			found = true
			if id.Valid {
				out = append(out, sso.Account{ID: id.String, Name: name.String, Email: email.String})
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if !found {
			return pgx.ErrNoRows
		}
		return nil
	})
	if err != nil {
		return sso.Bearer{}, nil, err
	}
	return b, out, nil
}
