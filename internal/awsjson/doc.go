// Package awsjson is the server side of AWS's JSON 1.1 protocol, the one
// the Identity Store and SSO Admin APIs speak: POST / with the operation
// in X-Amz-Target ("AWSIdentityStore.CreateUser"), a SigV4 signature for
// the service's signing name, a JSON body, and errors as
// {"__type": shape, "Message": ...} with the shape in X-Amzn-ErrorType.
//
// One Adapter serves every such API on the server's listener: it tells the
// APIs apart by the target prefix, checks the signature and asks the
// policy whether the caller may call the action, then hands the body to
// the operation. Operations decode strictly (exact member names, no
// duplicates) with Decode and return a value to encode or an error; one
// table per API maps domain codes to the API's error shapes.
package awsjson
