// Package console makes AWS Management Console sign-in URLs from temporary
// role credentials through the AWS federation endpoint, as aws-vault,
// Granted and aws-sso-cli do ("Enable custom identity broker access to the
// AWS console", IAM User Guide): the credentials go to the endpoint's
// getSigninToken action, which answers a sign-in token; the token goes into
// a login URL with the console page to land on (Destination) and the
// broker's URL (Issuer). Whoever has the URL is signed in to the console
// as the role, so treat it as a secret: it is valid for 15 minutes.
//
// It uses only the standard library, so that both the login tool and the
// server's portal page can use it. The federation endpoint is the
// partition's (aws, aws-cn, aws-us-gov) unless Options.FederationURL says
// otherwise.
package console
