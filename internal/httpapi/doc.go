// Package httpapi serves the AWS wire: the SSO OIDC operations (and, as
// they land, the SSO portal operations) as the AWS CLI and SDKs call them.
// Handlers decode a wire request, call a service and return either a wire
// response or an error; one adapter writes every response, maps every
// error through the one table in errors.go, logs once and never lets
// internal text reach a client. It never imports a store backend.
package httpapi
