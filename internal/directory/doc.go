// Package directory is the one directory of people: users with their
// Identity Store attributes, groups and group memberships. Every surface
// goes through it — the Identity Store API, SCIM, the config file, the
// admin commands, sign-in with an upstream identity provider — so the
// people who sign in are the ones assignments name, and every change is
// validated once and written with its audit event.
package directory
