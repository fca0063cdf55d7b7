// Package saml is the SAML 2.0 upstream: SP-initiated Web Browser SSO
// (saml-profiles 4.1) with an AuthnRequest over HTTP-Redirect and the
// answer posted to the assertion consumer service (HTTP-POST), verified by
// github.com/crewjam/saml: a signed Response or Assertion, audience,
// destination, recipient, InResponseTo, issuer and validity window with a
// few minutes of clock skew, and every assertion ID used once. It maps
// attributes (by Name, often a URI, or FriendlyName) to the directory and
// serves this service provider's metadata. IdP-initiated sign-in is off
// unless configured. It implements upstream.SAMLConnector.
package saml
