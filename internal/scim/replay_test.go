package scim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ssooidc/ssooidc/internal/servertest"
)

// A sequence is a provisioning client's requests, as its documentation
// shows them, replayed against the server: each step's request, the
// status it must get, values the answer must hold (by JSON pointer) and
// values to keep for later steps ({{name}} in a path or body).
type sequence struct {
	Source string `json:"source"` // where the requests come from
	Steps  []step `json:"steps"`
}

type step struct {
	Name   string            `json:"name"`
	Method string            `json:"method"`
	Path   string            `json:"path"`
	Body   json.RawMessage   `json:"body"`
	Status int               `json:"status"`
	Expect map[string]any    `json:"expect"`
	Save   map[string]string `json:"save"`
}

// scimClient calls the server's SCIM endpoint with a bearer token.
type scimClient struct {
	t     testing.TB
	base  string
	token string
}

func newClient(t testing.TB, srv *servertest.Server) *scimClient {
	t.Helper()
	_, secret, err := srv.Srv.SCIMTokens().Create(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	return &scimClient{t: t, base: srv.URL + "/scim/v2", token: secret}
}

// do sends one request and returns the status and the decoded body.
func (c *scimClient) do(method, path string, body []byte) (int, map[string]any) {
	c.t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, c.base+path, r)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/scim+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			c.t.Fatalf("%s %s: %d, body is not JSON: %q", method, path, resp.StatusCode, b)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/scim+json" {
			c.t.Errorf("%s %s: Content-Type %q", method, path, ct)
		}
	}
	return resp.StatusCode, out
}

// pointer returns the value at a JSON pointer (RFC 6901) in v.
func pointer(v any, p string) (any, bool) {
	for _, tok := range strings.Split(strings.TrimPrefix(p, "/"), "/") {
		if tok == "" {
			continue
		}
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[tok]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

var placeholder = regexp.MustCompile(`\{\{(\w+)\}\}`)

func replay(t *testing.T, file string) {
	b, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	var seq sequence
	if err := json.Unmarshal(b, &seq); err != nil {
		t.Fatal(err)
	}
	srv := servertest.New(t)
	c := newClient(t, srv)
	vars := map[string]string{}
	fill := func(s string) string {
		return placeholder.ReplaceAllStringFunc(s, func(m string) string {
			v, ok := vars[m[2:len(m)-2]]
			if !ok {
				t.Fatalf("%s: no value saved as %s", file, m)
			}
			return v
		})
	}
	for i, st := range seq.Steps {
		var body []byte
		if st.Body != nil {
			body = []byte(fill(string(st.Body)))
		}
		status, out := c.do(st.Method, fill(st.Path), body)
		if status != st.Status {
			t.Fatalf("%s step %d (%s): %s %s = %d, want %d: %v", file, i+1, st.Name, st.Method, st.Path, status, st.Status, out)
		}
		for p, want := range st.Expect {
			if s, ok := want.(string); ok {
				want = fill(s)
			}
			got, ok := pointer(out, p)
			if want == nil && !ok {
				continue // absent, as wanted
			}
			if !ok || !reflect.DeepEqual(got, want) {
				t.Errorf("%s step %d (%s): %s = %v, want %v", file, i+1, st.Name, p, got, want)
			}
		}
		for name, p := range st.Save {
			v, ok := pointer(out, p)
			s, isString := v.(string)
			if !ok || !isString {
				t.Fatalf("%s step %d (%s): nothing to save at %s in %v", file, i+1, st.Name, p, out)
			}
			vars[name] = s
		}
	}
}

// TestOktaSequence replays Okta's SCIM 2.0 test (the requests Okta's
// provisioning sends, from Okta's SCIM documentation and its Runscope
// spec test).
func TestOktaSequence(t *testing.T) { replay(t, "okta.json") }

// TestEntraSequence replays Entra ID's provisioning requests as the
// Entra SCIM documentation lists them, including its capitalised ops,
// filtered paths and "active":"False".
func TestEntraSequence(t *testing.T) { replay(t, "entra.json") }
