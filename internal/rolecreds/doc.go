// Package rolecreds makes the role credentials the portal hands out, per
// account: through AWS STS AssumeRole (any STS-compatible endpoint, with
// the person as RoleSessionName and SourceIdentity and the permission
// set's session duration), or from fixed credentials in the config or a
// file. Credentials are never logged.
package rolecreds
