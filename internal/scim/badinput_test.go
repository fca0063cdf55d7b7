package scim_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/ssooidc/ssooidc/internal/servertest"
)

// TestBadInput sends what no valid client sends: each gets a SCIM error
// (schemas, status, detail, scimType where RFC 7644 §3.12 names one),
// never a 5xx; refused changes store nothing; nothing is logged as an
// error.
func TestBadInput(t *testing.T) {
	srv := servertest.New(t)
	c := newClient(t, srv)
	_, u := c.do("POST", "/Users", []byte(`{"userName":"dora","displayName":"Dora","name":{"givenName":"D","familyName":"E"}}`))
	_, g := c.do("POST", "/Groups", []byte(`{"displayName":"g1"}`))
	uid, gid := u["id"].(string), g["id"].(string)
	const missing = "0a1b2c3d-0000-4000-8000-000000000000"
	user := func(extra string) string {
		return `{"userName":"eve","displayName":"Eve","name":{"givenName":"E","familyName":"V"}` + extra + `}`
	}
	patch := func(ops string) string {
		return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[` + ops + `]}`
	}
	members := make([]string, 101)
	for i := range members {
		members[i] = `{"value":"` + uid + `"}`
	}
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		scimType                 string
	}{
		{"not JSON", "POST", "/Users", `{`, 400, "invalidSyntax"},
		{"a JSON array", "POST", "/Users", `[]`, 400, "invalidSyntax"},
		{"no userName", "POST", "/Users", `{"displayName":"Eve","name":{"givenName":"E","familyName":"V"}}`, 400, "invalidValue"},
		{"no givenName", "POST", "/Users", `{"userName":"eve","displayName":"Eve","name":{"familyName":"V"}}`, 400, "invalidValue"},
		{"userName with a space", "POST", "/Users", strings.Replace(user(""), `"eve"`, `"e ve"`, 1), 400, "invalidValue"},
		{"userName a number", "POST", "/Users", `{"userName":5}`, 400, "invalidValue"},
		{"two emails", "POST", "/Users", user(`,"emails":[{"value":"a@x"},{"value":"b@x"}]`), 400, "invalidValue"},
		{"emails a string", "POST", "/Users", user(`,"emails":"a@x"`), 400, "invalidValue"},
		{"active maybe", "POST", "/Users", user(`,"active":"maybe"`), 400, "invalidValue"},
		{"an unsupported attribute", "POST", "/Users", user(`,"ims":[{"value":"x"}]`), 400, "invalidPath"},
		{"an unknown enterprise attribute", "POST", "/Users", user(`,"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"salary":"1"}`), 400, "invalidPath"},
		{"a duplicate userName", "POST", "/Users", `{"userName":"dora","displayName":"Dora","name":{"givenName":"D","familyName":"E"}}`, 409, "uniqueness"},
		{"an unknown user", "GET", "/Users/" + missing, ``, 404, ""},
		{"filter with co", "GET", "/Users?filter=userName%20co%20%22x%22", ``, 400, "invalidFilter"},
		{"filter with or", "GET", "/Users?filter=userName%20eq%20%22a%22%20or%20userName%20eq%20%22b%22", ``, 400, "invalidFilter"},
		{"filter on title", "GET", "/Users?filter=title%20eq%20%22x%22", ``, 400, "invalidFilter"},
		{"filter cut short", "GET", "/Users?filter=userName%20eq", ``, 400, "invalidFilter"},
		{"filter too long", "GET", "/Users?filter=userName%20eq%20%22" + strings.Repeat("x", 1100) + "%22", ``, 400, "invalidFilter"},
		{"startIndex not a number", "GET", "/Users?startIndex=abc", ``, 400, "invalidValue"},
		{"PATCH without operations", "PATCH", "/Users/" + uid, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}`, 400, "invalidSyntax"},
		{"PATCH op merge", "PATCH", "/Users/" + uid, patch(`{"op":"merge","path":"title","value":"x"}`), 400, "invalidSyntax"},
		{"PATCH remove without path", "PATCH", "/Users/" + uid, patch(`{"op":"remove"}`), 400, "noTarget"},
		{"PATCH unknown path", "PATCH", "/Users/" + uid, patch(`{"op":"replace","path":"salary","value":"1"}`), 400, "invalidPath"},
		{"PATCH unparsable path", "PATCH", "/Users/" + uid, patch(`{"op":"replace","path":"emails[type eq","value":"1"}`), 400, "invalidPath"},
		{"PATCH remove active", "PATCH", "/Users/" + uid, patch(`{"op":"remove","path":"active"}`), 400, "mutability"},
		{"PATCH the id", "PATCH", "/Users/" + uid, patch(`{"op":"replace","path":"id","value":"x"}`), 400, "mutability"},
		{"PATCH an empty userName", "PATCH", "/Users/" + uid, patch(`{"op":"replace","path":"userName","value":""}`), 400, "invalidValue"},
		{"PATCH without a value", "PATCH", "/Users/" + uid, patch(`{"op":"replace","path":"title"}`), 400, "invalidValue"},
		{"PATCH an unknown user", "PATCH", "/Users/" + missing, patch(`{"op":"replace","path":"title","value":"x"}`), 404, ""},
		{"PUT without displayName", "PUT", "/Users/" + uid, `{"userName":"dora","name":{"givenName":"D","familyName":"E"}}`, 400, "invalidValue"},
		{"group without displayName", "POST", "/Groups", `{"members":[]}`, 400, "invalidValue"},
		{"group with an unknown member", "POST", "/Groups", `{"displayName":"g2","members":[{"value":"` + missing + `"}]}`, 400, "invalidValue"},
		{"group with a duplicate name", "POST", "/Groups", `{"displayName":"g1"}`, 409, "uniqueness"},
		{"replace the member list", "PATCH", "/Groups/" + gid, patch(`{"op":"replace","path":"members","value":[]}`), 400, "invalidValue"},
		{"remove every member", "PATCH", "/Groups/" + gid, patch(`{"op":"remove","path":"members"}`), 400, "invalidValue"},
		{"101 members at once", "PATCH", "/Groups/" + gid, patch(`{"op":"add","path":"members","value":[` + strings.Join(members, ",") + `]}`), 400, "invalidValue"},
		{"an unknown member", "PATCH", "/Groups/" + gid, patch(`{"op":"add","path":"members","value":[{"value":"` + uid + `"},{"value":"` + missing + `"}]}`), 400, "invalidValue"},
		{"a group attribute that is not", "PATCH", "/Groups/" + gid, patch(`{"op":"replace","path":"owner","value":"x"}`), 400, "invalidPath"},
		{"a malformed member path", "PATCH", "/Groups/" + gid, patch(`{"op":"remove","path":"members[value eq \"x\""}`), 400, "invalidPath"},
		{"PATCH an unknown group", "PATCH", "/Groups/" + missing, patch(`{"op":"add","path":"members","value":[{"value":"` + uid + `"}]}`), 404, ""},
		{"DELETE an unknown group", "DELETE", "/Groups/" + missing, ``, 404, ""},
		{"PUT a group", "PUT", "/Groups/" + gid, `{"displayName":"x"}`, 405, ""},
		{"Bulk", "POST", "/Bulk", `{}`, 404, ""},
		{"an unknown schema", "GET", "/Schemas/urn:nope", ``, 404, ""},
		{"a body over 1 MiB", "POST", "/Users", `{"userName":"` + strings.Repeat("x", 1<<20) + `"}`, 413, "tooLarge"},
	} {
		var body []byte
		if tc.body != "" {
			body = []byte(tc.body)
		}
		status, out := c.do(tc.method, tc.path, body)
		if status != tc.status || out["status"] != strconv.Itoa(tc.status) || out["detail"] == "" ||
			(tc.scimType != "" && out["scimType"] != tc.scimType) {
			t.Errorf("%s: %s %s = %d %v, want %d %s", tc.name, tc.method, clipPath(tc.path), status, out, tc.status, tc.scimType)
		}
	}
	// Nothing was stored by the refused calls.
	if _, list := c.do("GET", "/Users", nil); list["totalResults"] != float64(1) {
		t.Errorf("users after the refused calls: %v", list["totalResults"])
	}
	if _, list := c.do("GET", "/Groups", nil); list["totalResults"] != float64(1) {
		t.Errorf("groups after the refused calls: %v", list["totalResults"])
	}
	if _, list := c.do("GET", "/Groups?filter=members%20eq%20%22"+uid+"%22", nil); list["totalResults"] != float64(0) {
		t.Errorf("a refused batch added a member: %v", list)
	}
	// Authentication.
	for name, h := range map[string]string{"no token": "", "a made-up token": "Bearer ssooidc-scim-nope", "basic": "Basic YTpi"} {
		req, _ := http.NewRequest("GET", srv.URL+"/scim/v2/Users", nil)
		if h != "" {
			req.Header.Set("Authorization", h)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: %d %v", name, resp.StatusCode, resp.Header)
		}
	}
	if logs := srv.Logs(); strings.Contains(logs, `"level":"ERROR"`) {
		t.Errorf("bad input was logged as an error:\n%s", logs)
	}
}

func clipPath(p string) string {
	if len(p) > 80 {
		return p[:80] + "..."
	}
	return p
}
