package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/clients"
	"github.com/ssooidc/ssooidc/internal/servertest"
	"github.com/ssooidc/ssooidc/wire"
)

// js marshals members to a JSON object.
func js(members map[string]any) string {
	b, err := json.Marshal(members)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// members is the JSON object of m with the members of defaults it does
// not set; a member m sets to nil is left out.
func members(m, defaults map[string]any) string {
	for k, v := range defaults {
		if _, ok := m[k]; !ok {
			m[k] = v
		}
	}
	for k, v := range m {
		if v == nil {
			delete(m, k)
		}
	}
	return js(m)
}

const (
	invalidRequest  = "InvalidRequestException"
	invalidClient   = "InvalidClientException"
	invalidGrant    = "InvalidGrantException"
	invalidScope    = "InvalidScopeException"
	invalidRedirect = "InvalidRedirectUriException"
	invalidMetadata = "InvalidClientMetadataException"
	unsupportedGT   = "UnsupportedGrantTypeException"
	unauthorizedCl  = "UnauthorizedClientException"
)

func TestBadInputRegisterClient(t *testing.T) {
	srv := servertest.New(t)
	const path = "/client/register"
	reg := func(name, shape string, m map[string]any) badReq {
		if _, ok := m["clientName"]; !ok {
			m["clientName"] = "bad-input"
		}
		if _, ok := m["clientType"]; !ok {
			m["clientType"] = "public"
		}
		return badReq{name: name, path: path, body: js(m), shape: shape}
	}
	many := func(n int, f func(i int) string) []string {
		var out []string
		for i := range n {
			out = append(out, f(i))
		}
		return out
	}
	table := append(malformedJSON(path),
		badReq{name: "empty body", path: path, shape: invalidRequest},
		badReq{name: "empty object", path: path, body: `{}`, shape: invalidRequest},
		badReq{name: "null", path: path, body: `null`, shape: invalidRequest},
		badReq{name: "names in the wrong case", path: path, body: `{"clientname":"a","CLIENTNAME":"b","clientType":"public"}`, shape: invalidRequest},
		badReq{name: "ClientName capitalised", path: path, body: `{"ClientName":"a","clientType":"public"}`, shape: invalidRequest},
		badReq{name: "clientName a number", path: path, body: `{"clientName":5,"clientType":"public"}`, shape: invalidRequest},
		badReq{name: "clientName null", path: path, body: `{"clientName":null,"clientType":"public"}`, shape: invalidRequest},
		badReq{name: "clientType missing", path: path, body: `{"clientName":"a"}`, shape: invalidRequest},
		reg("clientType confidential", invalidMetadata, map[string]any{"clientType": "confidential"}),
		reg("clientName too long", invalidMetadata, map[string]any{"clientName": strings.Repeat("n", 257)}),
		reg("scopes not a list", invalidRequest, map[string]any{"scopes": "sso:account:access"}),
		reg("scope with a space", invalidScope, map[string]any{"scopes": []string{"a b"}}),
		reg("scope with a quote", invalidScope, map[string]any{"scopes": []string{`a"b`}}),
		reg("empty scope", invalidScope, map[string]any{"scopes": []string{""}}),
		reg("scope too long", invalidScope, map[string]any{"scopes": []string{strings.Repeat("s", 257)}}),
		reg("too many scopes", invalidScope, map[string]any{"scopes": many(26, func(i int) string { return "s" + itoa(i) })}),
		reg("unknown grant type", unsupportedGT, map[string]any{"grantTypes": []string{"password"}}),
		reg("implicit grant", unsupportedGT, map[string]any{"grantTypes": []string{"implicit"}}),
		reg("too many grant types", invalidMetadata, map[string]any{"grantTypes": many(11, func(int) string { return "refresh_token" })}),
		reg("authorization_code without a redirect URI", invalidRedirect, map[string]any{"grantTypes": []string{"authorization_code"}}),
		reg("https redirect URI (open redirect)", invalidRedirect, map[string]any{"grantTypes": []string{"authorization_code"},
			"redirectUris": []string{"https://evil.example.net/landing"}}),
		reg("http redirect URI off loopback", invalidRedirect, map[string]any{"redirectUris": []string{"http://evil.example.com/cb"}}),
		reg("localhost redirect URI", invalidRedirect, map[string]any{"redirectUris": []string{"http://localhost:8080/cb"}}),
		reg("javascript redirect URI", invalidRedirect, map[string]any{"redirectUris": []string{"javascript:alert(1)"}}),
		reg("relative redirect URI", invalidRedirect, map[string]any{"redirectUris": []string{"/oauth/callback"}}),
		reg("redirect URI with a fragment", invalidRedirect, map[string]any{"redirectUris": []string{"http://127.0.0.1/cb#x"}}),
		reg("redirect URI with a user", invalidRedirect, map[string]any{"redirectUris": []string{"http://evil@127.0.0.1/cb"}}),
		reg("private-use scheme without a dot", invalidRedirect, map[string]any{"redirectUris": []string{"myapp:/cb"}}),
		reg("redirect URI too long", invalidRedirect, map[string]any{"redirectUris": []string{"http://127.0.0.1/" + strings.Repeat("p", 600)}}),
		reg("too many redirect URIs", invalidRedirect, map[string]any{"redirectUris": many(6, func(i int) string { return "http://127.0.0.1/cb" + itoa(i) })}),
		reg("issuerUrl not http", invalidMetadata, map[string]any{"issuerUrl": "ftp://example.com/"}),
		reg("issuerUrl too long", invalidMetadata, map[string]any{"issuerUrl": "https://example.com/" + strings.Repeat("i", 600)}),
		reg("body over 8 KiB of valid members", invalidRequest, map[string]any{"clientName": "a", "padding": strings.Repeat("x", 9<<10)}),
	)
	runBad(t, srv, table)
	// None of that counted against the address: it may still register its
	// thirty, and the next one is throttled with SlowDownException.
	good := js(map[string]any{"clientName": "good", "clientType": "public"})
	for i := range clients.DefaultRegistrationsPerAddress {
		if status, _, body := rawPost(t, srv.URL, path, "", good); status != 200 {
			t.Fatalf("registration %d after the bad ones: %d %v", i, status, body)
		}
	}
	status, h, body := rawPost(t, srv.URL, path, "", good)
	if status != 400 || h.Get("X-Amzn-ErrorType") != wire.ErrSlowDown || h.Get("Retry-After") != "600" {
		t.Fatalf("registration past the limit: %d %v Retry-After %q", status, body, h.Get("Retry-After"))
	}
}

func TestBadInputStartDeviceAuthorization(t *testing.T) {
	srv := servertest.New(t)
	c := sdk(srv)
	r := register(t, c, "sso:account:access")
	other := register(t, c)
	pkce := newPKCEClientAt(t, srv)
	const path = "/device_authorization"
	start := func(name, shape string, m map[string]any) badReq {
		return badReq{name: name, path: path, shape: shape,
			body: members(m, map[string]any{"clientId": r.id, "clientSecret": r.secret, "startUrl": servertest.StartURL})}
	}
	table := append(malformedJSON(path),
		badReq{name: "empty body", path: path, shape: invalidRequest},
		badReq{name: "empty object", path: path, body: `{}`, shape: invalidRequest},
		start("no clientId", invalidRequest, map[string]any{"clientId": nil}),
		start("no clientSecret", invalidRequest, map[string]any{"clientSecret": nil}),
		start("no startUrl", invalidRequest, map[string]any{"startUrl": nil}),
		start("empty clientId", invalidRequest, map[string]any{"clientId": ""}),
		start("clientId a number", invalidRequest, map[string]any{"clientId": 7}),
		start("clientSecret a list", invalidRequest, map[string]any{"clientSecret": []string{r.secret}}),
		start("unknown client", invalidClient, map[string]any{"clientId": "AAAAAAAAAAAAAAAAAAAAAA"}),
		start("wrong secret", invalidClient, map[string]any{"clientSecret": "not-the-secret"}),
		start("another client's secret", invalidClient, map[string]any{"clientSecret": other.secret}),
		start("clientId of 10,000 bytes", invalidClient, map[string]any{"clientId": strings.Repeat("c", 10000)}),
		start("startUrl not served", invalidRequest, map[string]any{"startUrl": "https://d-9999999999.awsapps.com/start"}),
		start("startUrl of 3,000 bytes", invalidRequest, map[string]any{"startUrl": servertest.StartURL + strings.Repeat("/x", 1500)}),
		start("startUrl with control characters", invalidRequest, map[string]any{"startUrl": "https://d-1234567890.awsapps.com/\r\nstart"}),
		start("startUrl a number", invalidRequest, map[string]any{"startUrl": 1}),
		start("client without the device grant", unauthorizedCl, map[string]any{"clientId": pkce.id, "clientSecret": pkce.secret}),
		badReq{name: "startUrl in the wrong case", path: path, shape: invalidRequest,
			body: `{"clientId":"` + r.id + `","clientSecret":"` + r.secret + `","StartUrl":"` + servertest.StartURL + `"}`},
	)
	runBad(t, srv, table)
}

// newPKCEClientAt registers a client for the authorization code grant only.
func newPKCEClientAt(t *testing.T, srv *servertest.Server) registered {
	t.Helper()
	status, _, body := rawPost(t, srv.URL, "/client/register", "application/json", js(map[string]any{
		"clientName": "pkce-only", "clientType": "public", "scopes": []string{"sso:account:access"},
		"grantTypes": []string{"authorization_code"}, "redirectUris": []string{"http://127.0.0.1/oauth/callback"}}))
	if status != 200 {
		t.Fatalf("RegisterClient: %d %v", status, body)
	}
	return registered{body["clientId"].(string), body["clientSecret"].(string)}
}

func TestBadInputCreateToken(t *testing.T) {
	srv := servertest.New(t)
	srv.AddUser(t, "alice", "correct horse battery")
	c := sdk(srv)
	r := register(t, c, "sso:account:access")
	other := register(t, c, "sso:account:access")
	noScopes := register(t, c)
	tok := login(t, srv, c, r)
	pending := start(t, c, r)
	otherTok := login(t, srv, c, other)
	pkce := newPKCEClientAt(t, srv)
	const path = "/token"
	const device = "urn:ietf:params:oauth:grant-type:device_code"
	tk := func(name, shape string, m map[string]any) badReq {
		return badReq{name: name, path: path, shape: shape, body: members(m, map[string]any{"clientId": r.id, "clientSecret": r.secret})}
	}
	table := append(malformedJSON(path),
		badReq{name: "empty body", path: path, shape: invalidRequest},
		tk("no grantType", invalidRequest, map[string]any{}),
		tk("no clientId", invalidRequest, map[string]any{"clientId": nil, "grantType": "refresh_token", "refreshToken": "x"}),
		tk("no clientSecret", invalidRequest, map[string]any{"clientSecret": nil, "grantType": "refresh_token", "refreshToken": "x"}),
		tk("unknown grant", unsupportedGT, map[string]any{"grantType": "password"}),
		tk("client credentials grant", unsupportedGT, map[string]any{"grantType": "client_credentials"}),
		tk("grantType a list", invalidRequest, map[string]any{"grantType": []string{"refresh_token"}}),
		tk("wrong secret", invalidClient, map[string]any{"clientSecret": "nope", "grantType": "refresh_token", "refreshToken": "x"}),
		tk("no deviceCode", invalidRequest, map[string]any{"grantType": device}),
		tk("unknown deviceCode", invalidGrant, map[string]any{"grantType": device, "deviceCode": "not-a-device-code"}),
		tk("deviceCode of 100 KiB", invalidRequest, map[string]any{"grantType": device, "deviceCode": strings.Repeat("d", 100<<10)}),
		tk("deviceCode of another client", invalidGrant, map[string]any{"clientId": other.id, "clientSecret": other.secret,
			"grantType": device, "deviceCode": *pending.DeviceCode}),
		tk("no refreshToken", invalidRequest, map[string]any{"grantType": "refresh_token"}),
		tk("unknown refreshToken", invalidGrant, map[string]any{"grantType": "refresh_token", "refreshToken": "aor-forged"}),
		tk("refreshToken of another client", invalidGrant, map[string]any{"grantType": "refresh_token", "refreshToken": *otherTok.RefreshToken}),
		tk("refreshToken of 60 KiB", invalidGrant, map[string]any{"grantType": "refresh_token", "refreshToken": strings.Repeat("r", 60<<10)}),
		tk("refresh token of a client without scopes", invalidGrant, map[string]any{"clientId": noScopes.id, "clientSecret": noScopes.secret,
			"grantType": "refresh_token", "refreshToken": *tok.RefreshToken}),
		tk("authorization_code grant of a device client", unauthorizedCl, map[string]any{"grantType": "authorization_code",
			"code": "x", "redirectUri": "http://127.0.0.1/cb", "codeVerifier": cliVerifier()}),
		tk("no code", invalidRequest, map[string]any{"clientId": pkce.id, "clientSecret": pkce.secret, "grantType": "authorization_code",
			"redirectUri": "http://127.0.0.1/cb", "codeVerifier": cliVerifier()}),
		tk("unknown code", invalidGrant, map[string]any{"clientId": pkce.id, "clientSecret": pkce.secret, "grantType": "authorization_code",
			"code": "forged", "redirectUri": "http://127.0.0.1/cb", "codeVerifier": cliVerifier()}),
		tk("scope a string", invalidRequest, map[string]any{"grantType": "refresh_token", "refreshToken": "x", "scope": "a"}),
		tk("RefreshToken capitalised", invalidRequest, map[string]any{"grantType": "refresh_token", "RefreshToken": *tok.RefreshToken}),
	)
	runBad(t, srv, table)
	// The session survived every attempt on it.
	if _, err := refresh(c, r, *tok.RefreshToken); err != nil {
		t.Fatalf("the refresh token no longer works: %v", err)
	}
}

func TestBadInputCreateTokenWithIAM(t *testing.T) {
	e := newIAMEnv(t)
	signed := func(name, shape, body string) badReq {
		return badReq{name: name, path: wire.PathCreateTokenWithIAM, body: body, shape: shape, signAs: &webApp}
	}
	tk := func(name, shape string, m map[string]any) badReq {
		return signed(name, shape, members(m, map[string]any{"clientId": iamApp}))
	}
	var table []badReq
	for _, m := range malformedJSON(wire.PathCreateTokenWithIAM) {
		if m.name == "oversize body" {
			continue // signed, it is a 64 KiB payload to hash; unsigned below
		}
		m.signAs = &webApp
		table = append(table, m)
	}
	table = append(table,
		badReq{name: "unsigned", path: wire.PathCreateTokenWithIAM, body: `{}`, shape: "MissingAuthenticationTokenException"},
		badReq{name: "unsigned oversize", path: wire.PathCreateTokenWithIAM, body: strings.Repeat("x", 70<<10), shape: invalidRequest},
		badReq{name: "garbage Authorization", path: wire.PathCreateTokenWithIAM, body: `{}`, shape: "IncompleteSignatureException",
			header: map[string]string{"Authorization": "AWS4-HMAC-SHA256 nonsense", "X-Amz-Date": "20260101T000000Z"}},
		badReq{name: "Authorization of 10 KiB", path: wire.PathCreateTokenWithIAM, body: `{}`, shape: "IncompleteSignatureException",
			header: map[string]string{"Authorization": "AWS4-HMAC-SHA256 " + strings.Repeat("A", 10<<10), "X-Amz-Date": "20260101T000000Z"}},
		signed("empty body", invalidRequest, ``),
		tk("no grantType", invalidRequest, map[string]any{}),
		tk("no clientId", invalidRequest, map[string]any{"clientId": nil, "grantType": "refresh_token", "refreshToken": "x"}),
		tk("unknown application", invalidClient, map[string]any{"clientId": "arn:aws:sso::123456789012:application/ssoins-1111111111111111/apl-9999999999999999",
			"grantType": "refresh_token", "refreshToken": "x"}),
		tk("unknown grant", unsupportedGT, map[string]any{"grantType": "password"}),
		tk("device code grant", unsupportedGT, map[string]any{"grantType": "urn:ietf:params:oauth:grant-type:device_code", "deviceCode": "x"}),
		tk("forged refresh token", invalidGrant, map[string]any{"grantType": "refresh_token", "refreshToken": "aor-forged"}),
		tk("no assertion", invalidRequest, map[string]any{"grantType": wire.GrantJWTBearer}),
		tk("assertion not a JWT", invalidGrant, map[string]any{"grantType": wire.GrantJWTBearer, "assertion": "not.a.jwt"}),
		tk("expired assertion", invalidGrant, map[string]any{"grantType": wire.GrantJWTBearer, "assertion": e.assertion(t, time.Now().Add(-time.Hour))}),
		tk("unknown code", invalidGrant, map[string]any{"grantType": "authorization_code", "code": "forged",
			"redirectUri": iamRedirect, "codeVerifier": cliVerifier()}),
		tk("token exchange without a subject", invalidRequest, map[string]any{"grantType": wire.GrantTokenExchange,
			"subjectTokenType": "urn:ietf:params:oauth:token-type:access_token", "requestedTokenType": "urn:ietf:params:oauth:token-type:access_token"}),
		tk("scope not a list", invalidRequest, map[string]any{"grantType": "refresh_token", "refreshToken": "x", "scope": "openid"}),
		tk("GrantType capitalised", invalidRequest, map[string]any{"GrantType": "refresh_token", "refreshToken": "x"}),
	)
	runBad(t, e.srv, table)
}
