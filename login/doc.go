// Package login signs people in to AWS IAM Identity Center (or a
// self-hosted ssooidc server) from Go programs and from "ssooidc login",
// sharing the AWS CLI's caches, so that a session opened here is used by
// the AWS CLI, botocore and aws-sdk-go-v2, and one opened by "aws sso
// login" is used here (aws-sdk-go-v2 #1222: SSO login from a Go program).
//
//	c, err := login.NewFromProfile("dev", func(o *login.Options) { o.AutoLogin = true })
//	if err != nil {
//		log.Fatal(err)
//	}
//	tok, err := c.Token(ctx) // cached, refreshed, or a login in the browser
//	creds := aws.NewCredentialsCache(c.CredentialsProvider("123456789012", "Admin"))
//
// # Configuration
//
// Config reads ~/.aws/config (or AWS_CONFIG_FILE): [sso-session NAME]
// sections and the profiles that use them, and legacy profiles with
// sso_start_url and sso_region of their own (WIRE.md section 8). A Session
// is the result: start URL, sso_region, scopes, and the profile's account
// and role. The endpoints come from the SDKs' own settings
// (AWS_ENDPOINT_URL_SSO_OIDC, AWS_ENDPOINT_URL_SSO, AWS_ENDPOINT_URL, the
// profile's [services] section or endpoint_url) unless Options set them.
//
// # Flows
//
// Login uses the authorization-code flow with PKCE for an sso-session,
// with the browser returning to a listener on 127.0.0.1 (only) at a free
// port, registered as http://127.0.0.1/oauth/callback exactly as the AWS
// CLI registers it; and the device flow for legacy profiles, on request,
// and wherever a local browser cannot reach that listener: SSH sessions,
// containers, CI, Linux without a display, WSL (see DetectEnvironment). The
// device flow always shows the URL and the code, and a QR code of the URL
// for a phone. Browsers open as Python's webbrowser opens them (BROWSER,
// then wslview, xdg-open, open).
//
// # Caches and concurrency
//
// Tokens live in <sha1(sso-session name or start URL)>.json and client
// registrations under the AWS CLI's registration key, in ~/.aws/sso/cache
// or $SSOOIDC_CACHE_DIR (Options.CacheDir); role credentials in
// ~/.aws/cli/cache or $SSOOIDC_CREDENTIALS_CACHE_DIR. Files are written as
// the AWS CLI writes them (its member order, its time format
// %Y-%m-%dT%H:%M:%SZ, members this package does not know kept), each
// atomically: a temporary file with mode 0600, then a rename. A lock file
// next to each token (<sha1>.lock, flock(2); LockFileEx on Windows)
// serializes logins and refreshes across processes: of twenty processes
// that find a token in its refresh window, one refreshes and the others
// read its result, so the rotating refresh token is never spent twice
// (aws-cli #10628), and only one login of a session runs at a time, so
// concurrent credential_process callers never open a storm of tabs.
//
// Tokens are refreshed as botocore refreshes them: when less than 15
// minutes are left (AdvisoryRefresh), keeping the old token if that fails
// while it is still valid; a refresh response without a refresh token keeps
// the old one. A client registration is replaced 15 minutes before it
// expires.
//
// # Beyond the login
//
// CredentialServer serves a role's credentials at a container-credentials
// endpoint on 127.0.0.1 (AWS_CONTAINER_CREDENTIALS_FULL_URI and a token),
// as aws-vault's server does, for processes that outlive one set of
// credentials. AccountRoles lists the accounts and roles of the session
// through the portal. UpdateGeneratedProfiles writes generated profiles
// into an AWS config file and touches nothing else in it.
//
// When a service cannot be reached, the error is an *EndpointError naming
// the URL tried and where it came from (an environment variable, the
// profile, the AWS endpoint rules), with a hint when an ssooidc server was
// probably meant. With no portal endpoint of its own, the portal is where
// a configured SSO OIDC endpoint is.
package login
