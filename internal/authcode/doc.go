// Package authcode implements the authorization code grant with PKCE
// (RFC 6749 section 4.1, RFC 7636) as the AWS CLI 2.22+ and IDEs use it
// against IAM Identity Center: validation of GET /authorize, issuing a
// short-lived single-use code bound to the client, the redirect URI and the
// S256 challenge, and the authorization_code grant of CreateToken, which
// revokes what a code issued when the code is presented twice.
package authcode
