package sso

import (
	"net"
	"net/url"
	"strings"
)

// CheckRedirectURI reports whether uri may be a redirect URI of an
// application an administrator declared: an absolute URI without a
// fragment that is https, http to a loopback address (RFC 8252 section
// 7.3), or a private-use scheme with a dot in it (RFC 8252 section 7.1).
// It returns a client-safe reason when it may not. Anonymous registrations
// are held to CheckNativeRedirectURI.
func CheckRedirectURI(uri string) (reason string, ok bool) {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme == "" {
		return "redirect URI is not an absolute URI", false
	}
	if u.Fragment != "" || strings.Contains(uri, "#") {
		return "redirect URI must not have a fragment", false
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		if u.Host == "" {
			return "redirect URI has no host", false
		}
		return "", true
	case "http":
		if !IsLoopbackHost(u.Hostname()) {
			return "plain http redirect URIs are allowed only to a loopback address", false
		}
		return "", true
	default:
		if !strings.Contains(u.Scheme, ".") {
			return "redirect URI scheme must be https, http to loopback, or a private-use scheme", false
		}
		return "", true
	}
}

// CheckNativeRedirectURI reports whether uri may be registered by anyone,
// without an administrator: only what RFC 8252 allows a native app, which
// sends the browser back to the device it runs on. That is http to a
// loopback IP literal, any port (section 7.3; "localhost" is refused, as
// section 8.3 advises, since a name can resolve elsewhere), or a
// private-use scheme with a dot in it, like com.example.app:/cb (section
// 7.1). https is refused: a registration anyone can make must not turn
// the authorization endpoint into a redirector to a web site of its
// choosing (RFC 9700 section 4.11). It returns a client-safe reason when
// uri may not be registered.
func CheckNativeRedirectURI(uri string) (reason string, ok bool) {
	if reason, ok := CheckRedirectURI(uri); !ok {
		return reason, false
	}
	u, _ := url.Parse(uri) // CheckRedirectURI parsed it
	switch strings.ToLower(u.Scheme) {
	case "https":
		return "https redirect URIs are allowed only for applications an administrator declares; " +
			"a registered client may use http to a loopback IP address or a private-use scheme", false
	case "http":
		ip := net.ParseIP(u.Hostname())
		if ip == nil || !ip.IsLoopback() {
			return "plain http redirect URIs are allowed only to a loopback IP address such as 127.0.0.1", false
		}
		if u.User != nil {
			return "redirect URI must not carry a user name or password", false
		}
	}
	return "", true
}

// IsLoopbackHost reports whether host is a loopback IP literal or
// "localhost".
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// MatchRedirectURI reports whether presented matches registered: exactly,
// except that on a loopback IP literal with http the port may differ (RFC
// 8252 section 7.3; the AWS CLI registers http://127.0.0.1/oauth/callback
// and comes back with a port). Scheme and host compare case-insensitively,
// path and query exactly (RFC 9700 section 4.1.3).
func MatchRedirectURI(registered, presented string) bool {
	if registered == presented {
		return true
	}
	r, err1 := url.Parse(registered)
	p, err2 := url.Parse(presented)
	if err1 != nil || err2 != nil {
		return false
	}
	if !strings.EqualFold(r.Scheme, p.Scheme) || !strings.EqualFold(r.Hostname(), p.Hostname()) ||
		r.EscapedPath() != p.EscapedPath() || r.RawQuery != p.RawQuery || r.User.String() != p.User.String() ||
		r.Fragment != "" || p.Fragment != "" {
		return false
	}
	if r.Port() == p.Port() {
		return true
	}
	ip := net.ParseIP(r.Hostname())
	return strings.EqualFold(r.Scheme, "http") && ip != nil && ip.IsLoopback()
}

// ContainsString reports whether list has s.
func ContainsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ValidAccountID reports whether s is an AWS account id: 12 digits.
func ValidAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
