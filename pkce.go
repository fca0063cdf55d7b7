package ssooidc

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/url"
	"strings"

	"github.com/ssooidc/ssooidc/awsclient"
	"github.com/ssooidc/ssooidc/wire"
)

// verifierAlphabet is the unreserved set of RFC 7636 section 4.1, from which
// the AWS CLI draws its verifiers.
const verifierAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"

// VerifierLength is the length of the verifiers GenerateVerifier makes, the
// AWS CLI's.
const VerifierLength = 64

// GenerateVerifier returns a new PKCE code verifier (RFC 7636 section 4.1)
// as the AWS CLI makes one: 64 characters drawn uniformly from
// [A-Za-z0-9-._~] with crypto/rand.
func GenerateVerifier() string {
	var b strings.Builder
	b.Grow(VerifierLength)
	// 66 symbols: reject bytes >= 198 (3*66) so that byte%66 is uniform.
	var buf [VerifierLength * 2]byte
	for b.Len() < VerifierLength {
		if _, err := rand.Read(buf[:]); err != nil {
			panic(err) // crypto/rand.Read never fails on supported platforms
		}
		for _, x := range buf {
			if int(x) < 3*len(verifierAlphabet) && b.Len() < VerifierLength {
				b.WriteByte(verifierAlphabet[int(x)%len(verifierAlphabet)])
			}
		}
	}
	return b.String()
}

// S256Challenge returns the S256 code challenge of verifier:
// BASE64URL(SHA256(verifier)) without padding (RFC 7636 section 4.2), 43
// characters.
func S256Challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// NewState returns a random OAuth state value, a version 4 UUID as the AWS
// CLI uses.
func NewState() string { return awsclient.NewUUID() }

// DefaultScope is the scope the AWS CLI asks for when none is configured.
const DefaultScope = "sso:account:access"

// AuthorizeURLInput is the input of AuthorizeURL.
type AuthorizeURLInput struct {
	// ClientID comes from RegisterClient. Required.
	ClientID string
	// RedirectURI is the loopback callback with its port, such as
	// http://127.0.0.1:53127/oauth/callback. Required.
	RedirectURI string
	// State is echoed back to the redirect URI (see NewState). Required.
	State string
	// CodeChallenge is S256Challenge(verifier). Required.
	CodeChallenge string
	// Scopes default to DefaultScope.
	Scopes []string
}

// AuthorizeURL returns the authorization URL that the AWS CLI opens in the
// browser for the authorization-code flow with PKCE (WIRE.md 5.2), for the
// OIDC endpoint endpoint. Only the endpoint's scheme and host are kept:
// /authorize is served at the root of the host whatever the endpoint's
// path. The parameters come in the CLI's order, with the CLI's encoding:
// every byte but [A-Za-z0-9-._~] percent-encoded, scopes joined by spaces
// (%20), code_challenge appended as given.
func AuthorizeURL(endpoint string, in *AuthorizeURLInput) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return "", err
	}
	if u.Scheme == "" || u.Host == "" {
		return "", errors.New("ssooidc: AuthorizeURL: endpoint needs a scheme and a host")
	}
	if in == nil || in.ClientID == "" || in.RedirectURI == "" || in.State == "" || in.CodeChallenge == "" {
		return "", errors.New("ssooidc: AuthorizeURL: ClientID, RedirectURI, State and CodeChallenge are required")
	}
	scopes := in.Scopes
	if len(scopes) == 0 {
		scopes = []string{DefaultScope}
	}
	var b strings.Builder
	b.WriteString(u.Scheme + "://" + u.Host + wire.PathAuthorize)
	b.WriteString("?response_type=code")
	b.WriteString("&client_id=" + percentEncode(in.ClientID))
	b.WriteString("&redirect_uri=" + percentEncode(in.RedirectURI))
	b.WriteString("&state=" + percentEncode(in.State))
	b.WriteString("&code_challenge_method=S256")
	b.WriteString("&scopes=" + percentEncode(strings.Join(scopes, " ")))
	b.WriteString("&code_challenge=" + in.CodeChallenge)
	return b.String(), nil
}

// AuthorizeURL returns the authorization URL for the client's endpoint; see
// the AuthorizeURL function.
func (c *Client) AuthorizeURL(in *AuthorizeURLInput) (string, error) {
	u, err := c.tc.Endpoint()
	if err != nil {
		return "", err
	}
	return AuthorizeURL(u.String(), in)
}

// percentEncode is botocore's percent_encode: urllib.parse.quote with safe
// characters "-._~", i.e. everything except unreserved ASCII becomes %XX of
// its UTF-8 bytes, upper-case hex.
func percentEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
