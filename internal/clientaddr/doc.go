// Package clientaddr finds the client address a request counts under for
// per-address limits: the connection's peer, or, behind reverse proxies
// the operator trusts, the address they forwarded. The pages and the AWS
// wire API share it, so both count one client the same way.
package clientaddr
