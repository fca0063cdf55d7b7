// Package server assembles the service: it takes a store (chosen by the
// caller: cmd/ssooidc or a test) and a Config, builds the services over the
// store's small interfaces, mounts the AWS-wire API and the web pages on
// one mux, collects expired records, and runs the HTTP server with
// graceful shutdown. It never imports a store backend.
package server
