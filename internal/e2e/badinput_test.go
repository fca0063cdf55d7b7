package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/ssooidc/ssooidc/internal/servertest"
	"github.com/ssooidc/ssooidc/internal/sigv4"
)

func itoa(i int) string { return strconv.Itoa(i) }

// The bad-input tables: every endpoint gets at least 30 malformed or
// hostile requests over real HTTP, and each must get the error AWS would
// send in its shape (or, on the pages, a page that says what is wrong),
// never a 5xx, and the server must log no error for any of them.

// badReq is one malformed request to an AWS-wire endpoint and the error
// shape it must get.
type badReq struct {
	name   string
	method string // default POST
	path   string // with its query
	header map[string]string
	body   string
	shape  string // X-Amzn-ErrorType (and __type where the shape has a body type)
	// signAs, when set, signs the request with SigV4 as CreateTokenWithIAM
	// callers do, so the body reaches the operation.
	signAs *sigv4.Principal
}

// frontEndShapes have AWS's front-end body, {"message": ...}, without
// __type.
var frontEndShapes = map[string]bool{
	"MissingAuthenticationTokenException": true, "IncompleteSignatureException": true,
	"InvalidSignatureException": true, "UnrecognizedClientException": true,
}

// minCases is what the issue asks of every table.
const minCases = 30

// runBad sends every request of the table and checks its answer.
func runBad(t *testing.T, srv *servertest.Server, table []badReq) {
	t.Helper()
	if len(table) < minCases {
		t.Fatalf("the table has %d cases, want at least %d", len(table), minCases)
	}
	seen := map[string]bool{}
	for _, c := range table {
		if seen[c.name] {
			t.Fatalf("two cases are named %q", c.name)
		}
		seen[c.name] = true
		t.Run(c.name, func(t *testing.T) {
			status, h, body := sendBad(t, srv.URL, c)
			if status >= 500 {
				t.Fatalf("status %d: %v", status, body)
			}
			if got := h.Get("X-Amzn-ErrorType"); got != c.shape {
				t.Fatalf("X-Amzn-ErrorType %q (status %d, body %v), want %q", got, status, body, c.shape)
			}
			if len(h.Get("x-amzn-RequestId")) != 36 {
				t.Errorf("x-amzn-RequestId %q", h.Get("x-amzn-RequestId"))
			}
			msg, _ := body["message"].(string)
			if msg == "" {
				t.Errorf("no message: %v", body)
			}
			if frontEndShapes[c.shape] {
				if _, ok := body["__type"]; ok {
					t.Errorf("a front-end error with __type: %v", body)
				}
			} else if body["__type"] != c.shape {
				t.Errorf("__type %v, want %s", body["__type"], c.shape)
			}
			for _, leak := range []string{"sqlite", "postgres", "panic", "goroutine", ".go:", "runtime error"} {
				if strings.Contains(strings.ToLower(msg), leak) {
					t.Errorf("the message leaks %q: %q", leak, msg)
				}
			}
		})
	}
	noErrorLogged(t, srv)
}

func sendBad(t *testing.T, base string, c badReq) (int, http.Header, map[string]any) {
	t.Helper()
	method := c.method
	if method == "" {
		method = "POST"
	}
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	req, err := http.NewRequest(method, base+c.path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	if c.signAs != nil {
		sum := sha256.Sum256([]byte(c.body))
		creds := aws.Credentials{AccessKeyID: c.signAs.AccessKeyID, SecretAccessKey: c.signAs.SecretAccessKey, SessionToken: c.signAs.SessionToken}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "sso-oauth", "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("status %d, body %q is not a JSON object", resp.StatusCode, raw)
	}
	return resp.StatusCode, resp.Header, m
}

// noErrorLogged fails when the server logged an error or an internal
// failure: bad input is the caller's, never the operator's problem.
func noErrorLogged(t *testing.T, srv *servertest.Server) {
	t.Helper()
	for _, line := range strings.Split(srv.Logs(), "\n") {
		if strings.Contains(line, `"level":"ERROR"`) || strings.Contains(line, "InternalServerException") {
			t.Errorf("the server logged: %s", line)
		}
	}
}

// malformedJSON are bodies no JSON operation accepts, whatever its
// members, each with the error it must get: InvalidRequestException.
func malformedJSON(path string) []badReq {
	bad := func(name, body string) badReq {
		return badReq{name: name, path: path, body: body, shape: "InvalidRequestException"}
	}
	deep := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
	return []badReq{
		bad("not JSON", `clientName=x`),
		bad("truncated object", `{"clientId":`),
		bad("array", `[1,2]`),
		bad("string", `"x"`),
		bad("number", `42`),
		bad("true", `true`),
		bad("two objects", `{} {}`),
		bad("trailing garbage", `{}x`),
		bad("single quotes", `{'clientId':'x'}`),
		bad("trailing comma", `{"clientId":"x",}`),
		bad("comment", `{/* c */}`),
		bad("invalid UTF-8", "{\"clientId\":\"\xff\xfe\"}"),
		bad("unpaired surrogate", `{"clientId":"\ud800"}`),
		bad("NUL outside a string", "{\x00}"),
		bad("duplicate member", `{"clientId":"a","clientId":"b"}`),
		bad("nested past the depth limit", `{"x":`+deep+`}`),
		bad("oversize body", `{"x":"`+strings.Repeat("a", 70<<10)+`"}`),
		bad("member name not a string", `{1:2}`),
	}
}
