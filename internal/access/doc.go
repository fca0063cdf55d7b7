// Package access is the SSO portal API on the server side: it turns an
// access token into a person, lists the accounts and roles that person is
// assigned (directly or through a group), hands out role credentials for an
// assignment through a credential source, and logs the person out. It also
// manages the directory of access (accounts, permission sets, assignments)
// for the admin commands and the config file.
package access
