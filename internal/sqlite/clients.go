package sqlite

import (
	"context"

	"github.com/ssooidc/ssooidc/internal/sso"
)

const clientColumns = `id, secret_digest, name, type, scopes, grant_types, redirect_uris, issuer_url, created_at, expires_at, unused_until`

// CreateClient stores c. Returns sso.ErrConflict if c.ID exists.
func (s *Store) CreateClient(ctx context.Context, c sso.Client) error {
	return s.write(ctx, "create client", func(ctx context.Context, tx *wtx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO clients (`+clientColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ID, blob(c.SecretDigest), c.Name, c.Type, strList(c.Scopes), strList(c.GrantTypes),
			strList(c.RedirectURIs), c.IssuerURL, msTime(c.CreatedAt), msTime(c.ExpiresAt), msTime(c.UnusedUntil))
		return mapErr(ctx, "create client", err)
	})
}

// GetClient returns the client with id. Returns sso.ErrNotFound if none.
func (s *Store) GetClient(ctx context.Context, id string) (sso.Client, error) {
	var c sso.Client
	err := s.queryRow(ctx, `SELECT `+clientColumns+` FROM clients WHERE id = ?`, id).Scan(
		&c.ID, (*blob)(&c.SecretDigest), &c.Name, &c.Type, (*strList)(&c.Scopes), (*strList)(&c.GrantTypes),
		(*strList)(&c.RedirectURIs), &c.IssuerURL, (*msTime)(&c.CreatedAt), (*msTime)(&c.ExpiresAt), (*msTime)(&c.UnusedUntil))
	if err != nil {
		return sso.Client{}, mapErr(ctx, "get client", err)
	}
	return c, nil
}

// MarkClientUsed clears the client's UnusedUntil: it has started an
// authorization and is no longer collected as unused. Returns
// sso.ErrNotFound if there is no client id.
func (s *Store) MarkClientUsed(ctx context.Context, id string) error {
	return s.write(ctx, "mark client used", func(ctx context.Context, tx *wtx) error {
		return execOne(ctx, tx, "mark client used", `UPDATE clients SET unused_until = 0 WHERE id = ?`, id)
	})
}
