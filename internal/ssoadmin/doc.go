// Package ssoadmin is the SSO Admin API (JSON 1.1, X-Amz-Target
// SWBExternalService.<Op>, SigV4 signing name "sso", IAM actions sso:Op):
// the one IAM Identity Center instance of the server, permission sets with
// their policies and tags, account assignments and provisioning with the
// records of their requests, the applications of CreateTokenWithIAM with
// their assignments, grants, access scopes, authentication methods and
// configurations, and trusted token issuers.
//
// It is an adapter: it decodes and validates each operation's input as the
// model (botocore's sso-admin 2020-07-20) constrains it, builds and parses
// the ARNs, and calls the services that own the records: package access
// for permission sets and assignments, package iamtoken's Registry for
// applications and trusted token issuers. Operations of the model it does
// not serve answer with a model error that says why (Service.Refused).
// IAM policies are stored and returned exactly; ssooidc does not enforce
// them.
package ssoadmin
