// Package ssooidctest runs a complete ssooidc service inside a Go test, as
// net/http/httptest runs an HTTP server: the SSO OIDC API, the SSO portal
// API and the sign-in pages of AWS IAM Identity Center, on a loopback
// address, over a SQLite file in a temporary directory. It is for the
// tests of programs that sign in with AWS SSO (the AWS CLI, botocore,
// aws-sdk-go-v2, this module's ssooidc, portal and login packages, or
// tools built on them): the tokens and role credentials are real ones of
// a real server, and only the person who approves a login is scripted.
//
//	srv := ssooidctest.New(t,
//		ssooidctest.WithAssignments(ssooidctest.Assignment{
//			User: "alice", AccountID: "111111111111", PermissionSet: "ReadOnly"}),
//		ssooidctest.WithAutoApprove("alice"))
//	home := srv.NewHome(t) // ~/.aws/config and the environment for child processes
//	cmd := exec.Command("aws", "sso", "login", "--no-browser")
//	cmd.Env = home.Env     // finishes at once: approved as alice
//
// A Server declares its directory in Go (users, groups, accounts with
// fixed role credentials, permission sets, assignments), gives its URL
// and start URL, a shared config file (SharedConfig) and a home directory
// with the environment that points the AWS CLI and SDKs at it (NewHome),
// clients of aws-sdk-go-v2 and of this module, and approves device
// authorizations (Approve) and authorization requests (AuthorizeAs) as a
// person would on its pages, or all of them at once (WithAutoApprove).
// Everything it approves is audited by the service like any other
// decision, with the actor "ssooidctest" (or "auto-approve").
//
// Starting a Server takes a few milliseconds (BenchmarkNew), so a test
// suite can start one per test. Two choices make that so, and neither
// touches what the service does in production: the passwords a test
// declares are hashed with cheap argon2id parameters, and the SQLite file
// is not synced to the disk at every commit.
//
// This package is the one public package of the module that imports its
// internal packages: it starts the service itself, in the test's process.
// Nothing else public imports it.
package ssooidctest
