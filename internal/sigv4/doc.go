// Package sigv4 verifies AWS Signature Version 4 on the server side: it
// parses the Authorization header, rebuilds the canonical request and the
// string to sign from what arrived, checks the credential scope (date,
// region, service, terminator), the clock skew, the payload hash and the
// session token, and compares the signature in constant time. A failure is
// an *sso.Error whose code names the AWS front-end error that real AWS
// endpoints answer with (MissingAuthenticationToken, IncompleteSignature,
// InvalidSignature, UnrecognizedClient, InvalidRequestRegion).
//
// The algorithm is the one documented in "Create a signed AWS API request"
// (AWS IAM User Guide) and implemented by aws-sdk-go-v2's aws/signer/v4 and
// botocore's auth.SigV4Auth, which are the oracles of its tests.
package sigv4
