// Package awsclient is the plumbing that the ssooidc and portal clients
// share: Options and their resolution from the environment, the shared
// config files or an aws.Config; endpoint resolution by the official rule
// sets (partitions, FIPS, dual-stack); and a Client that sends one operation
// with the headers, SigV4 signature, retries, timeouts and logging of an AWS
// SDK. It uses aws-sdk-go-v2's own pieces where they are the well-kept
// library for the job: config.LoadDefaultConfig, the SigV4 signer, the
// standard retryer and the BuildableClient HTTP client.
//
// Programs configure clients through Options (packages ssooidc and portal
// alias it) and rarely need anything else from here. The package is public
// only because a public package may not import internal/ code.
package awsclient
