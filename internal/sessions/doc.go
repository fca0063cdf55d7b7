// Package sessions lists and ends a person's sessions of both kinds: the
// browser sessions of the pages (identity starts them) and the login
// sessions of tools, the token families a device approval or an
// authorization code started (the AWS CLI's, an SDK's). The Security page
// (web) lets a person see and end their own; ssooidc admin sessions lets
// an administrator see and end anyone's. Ending a tool's session revokes
// its family: its next refresh is refused (InvalidGrantException) and its
// access token stops working on the portal API at once.
//
// Every ending is an audit event written with it (sso.WithEvent), by the
// actor the caller's context names.
package sessions
