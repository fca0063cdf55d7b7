package e2e

import (
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
	"time"

	dom "github.com/ssooidc/ssooidc/internal/sso"

	"github.com/ssooidc/ssooidc/internal/identity"
	"github.com/ssooidc/ssooidc/internal/rolecreds"
	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/servertest"
	"github.com/ssooidc/ssooidc/wire"
)

// staticPortal is a portal whose one account gives fixed credentials:
// alice has ReadOnly in it; bob has nothing.
func staticPortal(t *testing.T) *servertest.Server {
	t.Helper()
	srv := servertest.New(t, servertest.WithConfig(func(c *server.Config) {
		c.Issuer = rolecreds.New(rolecreds.Config{Static: map[string]rolecreds.Static{
			acctStatic: {AccessKeyID: "AKIASTATICEXAMPLE", SecretAccessKey: "static-secret"}}})
		c.Directory = server.Directory{
			Accounts:       []dom.Account{{ID: acctStatic, Name: "Sandbox", Source: dom.SourceStatic}},
			PermissionSets: []dom.PermissionSet{{Name: "ReadOnly", SessionDuration: time.Hour}},
			Users: []identity.UserSpec{{Name: "alice", Password: "correct horse battery"},
				{Name: "bob", Password: "correct horse battery"}},
			Assignments: []server.AssignmentDecl{{AccountID: acctStatic, PermissionSet: "ReadOnly", User: "alice"}},
		}
	}))
	return srv
}

const (
	unauthorized = "UnauthorizedException"
	notFound     = "ResourceNotFoundException"
)

// bearers are tokens no portal route may accept, with what each must get.
func badBearers(revoked string) []struct{ name, token string } {
	return []struct{ name, token string }{
		{"no token", ""},
		{"unknown token", "aoa-forged-token"},
		{"token of 5,000 bytes", strings.Repeat("t", 5000)},
		{"token with spaces", "a b c"},
		{"non-ASCII token", "t\u00f6k\u00e9n"},
		{"revoked token", revoked},
	}
}

// portalCases builds one route's table: every bad bearer with a valid
// query, then the route's own bad queries with a valid bearer.
func portalCases(method, path string, good url.Values, bearer, revoked string, own []badReq) []badReq {
	var out []badReq
	q := path
	if len(good) > 0 {
		q += "?" + good.Encode()
	}
	for _, b := range badBearers(revoked) {
		h := map[string]string{}
		if b.token != "" {
			h[wire.HeaderBearerToken] = b.token
		}
		out = append(out, badReq{name: b.name, method: method, path: q, header: h, shape: unauthorized})
	}
	for _, c := range own {
		c.method = method
		if c.header == nil {
			c.header = map[string]string{wire.HeaderBearerToken: bearer}
		}
		out = append(out, c)
	}
	return out
}

// query returns path?good with the changes applied ("" deletes).
func query(path string, good url.Values, change map[string]string) string {
	q := url.Values{}
	for k, v := range good {
		q[k] = append([]string(nil), v...)
	}
	for k, v := range change {
		if v == "\x00delete" {
			q.Del(k)
			continue
		}
		q.Set(k, v)
	}
	return path + "?" + q.Encode()
}

// badNextTokens are next_token values no list may accept.
var badNextTokens = []struct{ name, token string }{
	{"next_token AAAA", "AAAA"},
	{"next_token not base64url", "!!!!"},
	{"next_token with padding", base64.URLEncoding.EncodeToString([]byte("ReadOnly"))},
	{"next_token of a path", base64.RawURLEncoding.EncodeToString([]byte("../../etc/passwd"))},
	{"next_token of 3,000 bytes", strings.Repeat("A", 3000)},
	// "ReadOnly" is UmVhZE9ubHk; the last character's two low bits are
	// padding, which a canonical encoding leaves zero.
	{"next_token not canonical", "UmVhZE9ubHl"},
	{"next_token of control characters", base64.RawURLEncoding.EncodeToString([]byte("\x00\x01\x02"))},
}

// badAccountIDs are account_id values no route may accept.
var badAccountIDs = []struct{ name, id string }{
	{"account_id a path", "../x"},
	{"account_id of 11 digits", "22222222222"},
	{"account_id of 13 digits", "2222222222222"},
	{"account_id with letters", "22222222222a"},
	{"account_id with a space", "222222 222222"},
	{"account_id of full-width digits", "\uff12\uff12\uff12\uff12\uff12\uff12\uff12\uff12\uff12\uff12\uff12\uff12"},
	{"account_id negative", "-22222222222"},
	{"account_id of 10,000 bytes", strings.Repeat("2", 10000)},
}

func portalLogin(t *testing.T, srv *servertest.Server, user string) (access, revoked string) {
	t.Helper()
	_, access, _ = loginAs(t, srv, user)
	_, revoked, _ = loginAs(t, srv, user)
	status, _, body := sendBad(t, srv.URL, badReq{method: "POST", path: wire.PathLogout, header: map[string]string{wire.HeaderBearerToken: revoked}})
	if status != 200 {
		t.Fatalf("logout: %d %v", status, body)
	}
	return access, revoked
}

func TestBadInputGetRoleCredentials(t *testing.T) {
	srv := staticPortal(t)
	access, revoked := portalLogin(t, srv, "alice")
	bob, _ := portalLogin(t, srv, "bob")
	p := wire.PathGetRoleCredentials
	good := url.Values{wire.QueryAccountID: {acctStatic}, wire.QueryRoleName: {"ReadOnly"}}
	own := []badReq{
		{name: "no account_id", path: query(p, good, map[string]string{wire.QueryAccountID: "\x00delete"}), shape: invalidRequest},
		{name: "no role_name", path: query(p, good, map[string]string{wire.QueryRoleName: "\x00delete"}), shape: invalidRequest},
		{name: "no query", path: p, shape: invalidRequest},
		{name: "role not assigned", path: query(p, good, map[string]string{wire.QueryRoleName: "Admin"}), shape: notFound},
		{name: "role a path", path: query(p, good, map[string]string{wire.QueryRoleName: "../ReadOnly"}), shape: notFound},
		{name: "role of 10,000 bytes", path: query(p, good, map[string]string{wire.QueryRoleName: strings.Repeat("r", 10000)}), shape: notFound},
		{name: "role in the wrong case", path: query(p, good, map[string]string{wire.QueryRoleName: "readonly"}), shape: notFound},
		{name: "account not in the directory", path: query(p, good, map[string]string{wire.QueryAccountID: "999999999999"}), shape: notFound},
		{name: "someone else's role", path: p + "?" + good.Encode(), header: map[string]string{wire.HeaderBearerToken: bob}, shape: notFound},
		{name: "account_id twice", path: p + "?" + good.Encode() + "&account_id=../x", shape: invalidRequest},
		{name: "empty account_id", path: query(p, good, map[string]string{wire.QueryAccountID: ""}), shape: invalidRequest},
		{name: "empty role_name", path: query(p, good, map[string]string{wire.QueryRoleName: ""}), shape: invalidRequest},
		{name: "role_name with NUL", path: query(p, good, map[string]string{wire.QueryRoleName: "Read\x00Only"}), shape: notFound},
		{name: "role_name not ASCII", path: query(p, good, map[string]string{wire.QueryRoleName: "R\u00e9adOnly"}), shape: notFound},
		{name: "semicolon separators", path: p + "?account_id=" + acctStatic + ";role_name=ReadOnly", shape: invalidRequest},
		{name: "broken percent-encoding", path: p + "?account_id=%zz&role_name=ReadOnly", shape: invalidRequest},
	}
	for _, a := range badAccountIDs {
		own = append(own, badReq{name: a.name, path: query(p, good, map[string]string{wire.QueryAccountID: a.id}), shape: invalidRequest})
	}
	runBad(t, srv, portalCases("GET", p, good, access, revoked, own))
}

func TestBadInputListAccountRoles(t *testing.T) {
	srv := staticPortal(t)
	access, revoked := portalLogin(t, srv, "alice")
	p := wire.PathListAccountRoles
	good := url.Values{wire.QueryAccountID: {acctStatic}}
	own := []badReq{
		{name: "no account_id", path: p, shape: invalidRequest},
		{name: "account_id twice", path: p + "?account_id=" + acctStatic + "&account_id=../x", shape: invalidRequest},
		{name: "max_result 0", path: query(p, good, map[string]string{wire.QueryMaxResults: "0"}), shape: invalidRequest},
		{name: "max_result 101", path: query(p, good, map[string]string{wire.QueryMaxResults: "101"}), shape: invalidRequest},
		{name: "max_result not a number", path: query(p, good, map[string]string{wire.QueryMaxResults: "ten"}), shape: invalidRequest},
		{name: "max_result 1e3", path: query(p, good, map[string]string{wire.QueryMaxResults: "1e3"}), shape: invalidRequest},
		{name: "max_result huge", path: query(p, good, map[string]string{wire.QueryMaxResults: "99999999999999999999"}), shape: invalidRequest},
		{name: "max_result negative", path: query(p, good, map[string]string{wire.QueryMaxResults: "-5"}), shape: invalidRequest},
		{name: "empty account_id", path: query(p, good, map[string]string{wire.QueryAccountID: ""}), shape: invalidRequest},
	}
	for _, a := range badAccountIDs {
		own = append(own, badReq{name: a.name, path: query(p, good, map[string]string{wire.QueryAccountID: a.id}), shape: invalidRequest})
	}
	for _, n := range badNextTokens {
		own = append(own, badReq{name: n.name, path: query(p, good, map[string]string{wire.QueryNextToken: n.token}), shape: invalidRequest})
	}
	runBad(t, srv, portalCases("GET", p, good, access, revoked, own))
}

func TestBadInputListAccounts(t *testing.T) {
	srv := staticPortal(t)
	access, revoked := portalLogin(t, srv, "alice")
	p := wire.PathListAccounts
	good := url.Values{wire.QueryMaxResults: {"10"}}
	own := []badReq{
		{name: "max_result 0", path: query(p, good, map[string]string{wire.QueryMaxResults: "0"}), shape: invalidRequest},
		{name: "max_result -1", path: query(p, good, map[string]string{wire.QueryMaxResults: "-1"}), shape: invalidRequest},
		{name: "max_result 101", path: query(p, good, map[string]string{wire.QueryMaxResults: "101"}), shape: invalidRequest},
		{name: "max_result not a number", path: query(p, good, map[string]string{wire.QueryMaxResults: "ten"}), shape: invalidRequest},
		{name: "max_result with a space", path: query(p, good, map[string]string{wire.QueryMaxResults: "1 0"}), shape: invalidRequest},
		{name: "max_result 0x10", path: query(p, good, map[string]string{wire.QueryMaxResults: "0x10"}), shape: invalidRequest},
		{name: "max_result huge", path: query(p, good, map[string]string{wire.QueryMaxResults: "99999999999999999999"}), shape: invalidRequest},
		{name: "next_token of a role name", path: query(p, good, map[string]string{
			wire.QueryNextToken: base64.RawURLEncoding.EncodeToString([]byte("ReadOnly"))}), shape: invalidRequest},
		{name: "next_token of 11 digits", path: query(p, good, map[string]string{
			wire.QueryNextToken: base64.RawURLEncoding.EncodeToString([]byte("22222222222"))}), shape: invalidRequest},
		{name: "next_token of 12 letters", path: query(p, good, map[string]string{
			wire.QueryNextToken: base64.RawURLEncoding.EncodeToString([]byte("abcdefghijkl"))}), shape: invalidRequest},
		{name: "max_result 1.5", path: query(p, good, map[string]string{wire.QueryMaxResults: "1.5"}), shape: invalidRequest},
	}
	for _, n := range badNextTokens {
		own = append(own, badReq{name: n.name, path: query(p, good, map[string]string{wire.QueryNextToken: n.token}), shape: invalidRequest})
	}
	// Bearers in odd places: only the header counts.
	for i, where := range []string{"?access_token=", "?x-amz-sso_bearer_token=", "?bearer="} {
		own = append(own, badReq{name: "token in the query " + itoa(i), path: p + where + access, header: map[string]string{}, shape: unauthorized})
	}
	for i, h := range []map[string]string{
		{"Authorization": "Bearer " + access},
		{"X-Amz-Sso-Bearer-Token-Extra": access},
		{"Cookie": "x-amz-sso_bearer_token=" + access},
	} {
		own = append(own, badReq{name: "token in another header " + itoa(i), path: p, header: h, shape: unauthorized})
	}
	runBad(t, srv, portalCases("GET", p, good, access, revoked, own))
}

func TestBadInputLogout(t *testing.T) {
	srv := staticPortal(t)
	access, revoked := portalLogin(t, srv, "alice")
	p := wire.PathLogout
	var own []badReq
	// Every bad bearer again, with the bodies and queries a caller might
	// add: the answer depends on the token alone.
	for _, extra := range []struct{ name, path, body string }{
		{"with a JSON body", p, `{"accessToken":"` + access + `"}`},
		{"with a broken body", p, `{"x":`},
		{"with a query", p + "?x-amz-sso_bearer_token=" + access, ""},
		{"with 60 KiB of body", p, strings.Repeat("z", 60<<10)},
	} {
		for _, b := range badBearers(revoked) {
			h := map[string]string{}
			if b.token != "" {
				h[wire.HeaderBearerToken] = b.token
			}
			own = append(own, badReq{name: b.name + ", " + extra.name, path: extra.path, body: extra.body, header: h, shape: unauthorized})
		}
	}
	runBad(t, srv, portalCases("POST", p, nil, access, revoked, own))
	// The good token still works after all that, once.
	status, _, body := sendBad(t, srv.URL, badReq{path: p, header: map[string]string{wire.HeaderBearerToken: access}})
	if status != 200 {
		t.Fatalf("logout with the good token: %d %v", status, body)
	}
}
