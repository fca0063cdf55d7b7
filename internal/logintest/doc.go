// Package logintest holds the end-to-end tests of the login tool: the
// built ssooidc binary (login, logout, status, token, export-credentials)
// against a running server, with the real AWS CLI v2, botocore,
// aws-sdk-go-v2, Chromium and a terminal (tmux). It has no code of its
// own.
package logintest
