package postgres

import (
	"context"
)

// MarkClientUsed clears the client's unused_until: it has started an
// authorization and is no longer collected as unused. Marking a used
// client again is not an error (the row matches either way). Returns
// sso.ErrNotFound if there is no client id.
func (s *Store) MarkClientUsed(ctx context.Context, id string) error {
	if !storable(id) {
		return notFound("mark client used")
	}
	return s.do(ctx, "mark client used", true, func(ctx context.Context) error {
		return execOne(ctx, s.pool, `UPDATE clients SET unused_until = NULL WHERE id = $1`, id)
	})
}
