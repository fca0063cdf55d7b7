package sqlite

import (
	"context"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

const authCodeColumns = `digest, client_id, user_id, redirect_uri, challenge, scopes, created_at, expires_at,
	redeemed_at, family_id`

// CreateAuthCode stores c. Returns sso.ErrConflict if c.Digest exists.
func (s *Store) CreateAuthCode(ctx context.Context, c sso.AuthCode) error {
	return s.write(ctx, "create authorization code", func(ctx context.Context, tx *wtx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO auth_codes (`+authCodeColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			blob(c.Digest), c.ClientID, c.UserID, c.RedirectURI, c.Challenge, strList(c.Scopes),
			msTime(c.CreatedAt), msTime(c.ExpiresAt), msTime(c.RedeemedAt), c.FamilyID)
		return mapErr(ctx, "create authorization code", err)
	})
}

// GetAuthCode returns the code with digest. Returns sso.ErrNotFound if none.
func (s *Store) GetAuthCode(ctx context.Context, digest []byte) (sso.AuthCode, error) {
	var c sso.AuthCode
	err := s.queryRow(ctx, `SELECT `+authCodeColumns+` FROM auth_codes WHERE digest = ?`, blob(digest)).Scan(
		(*blob)(&c.Digest), &c.ClientID, &c.UserID, &c.RedirectURI, &c.Challenge, (*strList)(&c.Scopes),
		(*msTime)(&c.CreatedAt), (*msTime)(&c.ExpiresAt), (*msTime)(&c.RedeemedAt), &c.FamilyID)
	if err != nil {
		return sso.AuthCode{}, mapErr(ctx, "get authorization code", err)
	}
	return c, nil
}

// RedeemAuthCode marks the unredeemed code digest redeemed at now with
// issue's family and stores issue, in one transaction; the conditional
// UPDATE decides the one winner. Returns sso.ErrConflict if it was already
// redeemed and sso.ErrNotFound if it does not exist; in both cases nothing
// is stored.
func (s *Store) RedeemAuthCode(ctx context.Context, digest []byte, now time.Time, issue sso.Issue) error {
	const op = "redeem authorization code"
	if now.IsZero() {
		return errZeroTime(op, "now")
	}
	return s.write(ctx, op, func(ctx context.Context, tx *wtx) error {
		if err := casUpdate(ctx, tx, op,
			`UPDATE auth_codes SET redeemed_at = ?, family_id = ? WHERE digest = ? AND redeemed_at = 0`,
			`SELECT 1 FROM auth_codes WHERE digest = ?`, blob(digest),
			msTime(now), issue.Family.ID, blob(digest)); err != nil {
			return err
		}
		return insertIssue(ctx, tx, op, issue)
	})
}
