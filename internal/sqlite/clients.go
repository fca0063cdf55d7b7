package sqlite

import (
	"context"

	"github.com/ssooidc/ssooidc/internal/sso"
)

const clientColumns = `id, secret_digest, name, type, scopes, grant_types, redirect_uris, issuer_url, created_at, expires_at`

// CreateClient stores c. Returns sso.ErrConflict if c.ID exists.
func (s *Store) CreateClient(ctx context.Context, c sso.Client) error {
	return s.write(ctx, "create client", func(ctx context.Context, tx *wtx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO clients (`+clientColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ID, blob(c.SecretDigest), c.Name, c.Type, strList(c.Scopes), strList(c.GrantTypes),
			strList(c.RedirectURIs), c.IssuerURL, msTime(c.CreatedAt), msTime(c.ExpiresAt))
		return mapErr(ctx, "create client", err)
	})
}

// GetClient returns the client with id. Returns sso.ErrNotFound if none.
func (s *Store) GetClient(ctx context.Context, id string) (sso.Client, error) {
	var c sso.Client
	err := s.queryRow(ctx, `SELECT `+clientColumns+` FROM clients WHERE id = ?`, id).Scan(
		&c.ID, (*blob)(&c.SecretDigest), &c.Name, &c.Type, (*strList)(&c.Scopes), (*strList)(&c.GrantTypes),
		(*strList)(&c.RedirectURIs), &c.IssuerURL, (*msTime)(&c.CreatedAt), (*msTime)(&c.ExpiresAt))
	if err != nil {
		return sso.Client{}, mapErr(ctx, "get client", err)
	}
	return c, nil
}
