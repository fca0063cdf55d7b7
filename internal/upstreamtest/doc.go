// Package upstreamtest runs real identity providers that no one here
// wrote, on loopback, for the tests of sign-in through them: an OpenID
// Provider composed from github.com/zitadel/oidc's op package and its
// example storage and login page, with users, redirect URIs and a groups
// claim the test sets (OP); and SimpleSAMLphp, Debian's SAML 2.0 identity
// provider, run under PHP's built-in web server with a configuration the
// test writes (SAMLIdP). Both fail the test, never skip it, when they
// cannot run.
package upstreamtest
