// Package scim serves SCIM 2.0 (RFC 7643, RFC 7644) at /scim/v2/ over the
// one directory of people, as IAM Identity Center's SCIM endpoint serves
// the provisioning clients of Okta, Entra ID and Google: Users (create,
// get, list with filters, replace, PATCH including Entra ID's path forms
// and "active":"False", delete), Groups (create, get, list, PATCH adding
// and removing members in batches, delete), ServiceProviderConfig,
// Schemas and ResourceTypes, the enterprise user extension, and SCIM
// errors (status, scimType, detail).
//
// Clients authenticate with a bearer token made by "ssooidc admin
// scim-token create" (Tokens); only its digest is stored. Every change is
// made by the directory service with its audit event, the token as actor.
//
// Filters are parsed by github.com/scim2/filter-parser; like Identity
// Center, the endpoint evaluates eq joined by and, and answers any other
// filter with invalidFilter.
package scim
