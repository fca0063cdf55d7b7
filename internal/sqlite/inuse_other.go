//go:build !unix

package sqlite

import "errors"

// lockUnused cannot tell on this system whether another process has the
// database open, so Restore refuses rather than risk replacing a file in
// use.
func lockUnused(string) (func(), error) {
	return nil, errors.New("restore needs Unix file locks to see whether the database is in use; " +
		"on this system stop every ssooidc using it and copy the backup over the database file by hand")
}
