// Package wire holds the JSON shapes, operation paths and error names of the
// AWS SSO OIDC API (2019-06-10) and the SSO portal API, exactly as they travel
// on the wire (see shared/spec/WIRE.md). It is data with no logic, shared by
// the ssooidc client packages and the server, so that both sides of the wire
// are compiled from one description.
//
// Member names are case-sensitive JSON names. Optional strings are pointers
// so a client can tell "absent" from "empty"; numbers that the model gives a
// Smithy default of 0 are plain integers and are always sent.
package wire
