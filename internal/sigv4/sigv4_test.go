package sigv4

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/ssooidc/ssooidc/internal/sso"
)

var (
	alice = Principal{AccessKeyID: "AKIAALICEEXAMPLE", SecretAccessKey: "alice-secret", Account: "123456789012",
		ARN: "arn:aws:iam::123456789012:role/app"}
	temp = Principal{AccessKeyID: "ASIATEMPEXAMPLE", SecretAccessKey: "temp-secret", SessionToken: "session-token-value",
		Account: "123456789012", ARN: "arn:aws:sts::123456789012:assumed-role/app/session"}
	fixedNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
)

func newVerifier(t testing.TB) *Verifier {
	t.Helper()
	v, err := New(Options{Service: "sso-oauth", Region: "us-east-1", Endpoint: "http://127.0.0.1:1",
		Principals: []Principal{alice, temp}, Now: func() time.Time { return fixedNow }})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// captured is what the server saw: the request and its body.
type captured struct {
	r    *http.Request
	body []byte
}

// sdkRequest builds a CreateTokenWithIAM request signed by aws-sdk-go-v2's
// signer for host, as the SDK would send it.
func sdkRequest(t testing.TB, host string, p Principal, region string, at time.Time, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest("POST", "http://"+host+"/token?aws_iam=t", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: p.AccessKeyID, SecretAccessKey: p.SecretAccessKey, SessionToken: p.SessionToken}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "sso-oauth", region, at); err != nil {
		t.Fatal(err)
	}
	return req
}

// signedOverLoopback signs for the test server's host: the server is
// started first so that the signature covers the real Host.
func signedOverLoopback(t testing.TB, p Principal, region string, at time.Time, body string, tweak func(*http.Request)) captured {
	t.Helper()
	got := make(chan captured, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- captured{r, b}
	}))
	defer srv.Close()
	req := sdkRequest(t, strings.TrimPrefix(srv.URL, "http://"), p, region, at, body)
	if tweak != nil {
		tweak(req)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return <-got
}

func wantCode(t *testing.T, err error, code sso.Code, msg string) {
	t.Helper()
	if sso.CodeOf(err) != code {
		t.Fatalf("got %v, want code %s", err, code)
	}
	var e *sso.Error
	errors.As(err, &e)
	if msg != "" && !strings.Contains(e.Message, msg) {
		t.Errorf("message %q does not contain %q", e.Message, msg)
	}
}

const body = `{"clientId":"arn:aws:sso::123456789012:application/ssoins-1/apl-1","grantType":"refresh_token","refreshToken":"x"}`

func TestVerifyAcceptsTheSDKSignature(t *testing.T) {
	v := newVerifier(t)
	for _, p := range []Principal{alice, temp} {
		c := signedOverLoopback(t, p, "us-east-1", fixedNow.Add(-4*time.Minute), body, nil)
		got, err := v.Verify(c.r, c.body)
		if err != nil {
			t.Fatalf("%s: %v", p.AccessKeyID, err)
		}
		if got.ARN != p.ARN || got.Account != p.Account {
			t.Errorf("principal %+v", got)
		}
	}
	// An empty body, a clock 4 minutes ahead.
	c := signedOverLoopback(t, alice, "us-east-1", fixedNow.Add(4*time.Minute), "", nil)
	if _, err := v.Verify(c.r, c.body); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyFaults(t *testing.T) {
	v := newVerifier(t)
	cases := []struct {
		name   string
		p      Principal
		region string
		at     time.Time
		tweak  func(*http.Request)
		body   func([]byte) []byte
		code   sso.Code
		msg    string
	}{
		{name: "no authorization", tweak: func(r *http.Request) { r.Header.Del("Authorization") },
			code: sso.CodeMissingAuthenticationToken, msg: "Missing Authentication Token"},
		{name: "bearer token", tweak: func(r *http.Request) { r.Header.Set("Authorization", "Bearer abc") },
			code: sso.CodeIncompleteSignature, msg: "algorithm"},
		{name: "no signature part", tweak: func(r *http.Request) {
			r.Header.Set("Authorization", strings.Split(r.Header.Get("Authorization"), ", Signature=")[0])
		}, code: sso.CodeIncompleteSignature, msg: "requires 'Signature'"},
		{name: "two authorization headers", tweak: func(r *http.Request) { r.Header.Add("Authorization", r.Header.Get("Authorization")) },
			code: sso.CodeIncompleteSignature},
		{name: "no date", tweak: func(r *http.Request) { r.Header.Del("X-Amz-Date") },
			code: sso.CodeIncompleteSignature, msg: "X-Amz-Date"},
		{name: "tampered body", body: func(b []byte) []byte { return bytes.Replace(b, []byte(`"x"`), []byte(`"y"`), 1) },
			code: sso.CodeInvalidSignature, msg: "does not match"},
		{name: "tampered header", tweak: func(r *http.Request) { r.Header.Set("Content-Type", "text/plain") },
			code: sso.CodeInvalidSignature, msg: "does not match"},
		{name: "tampered query", tweak: func(r *http.Request) { r.URL.RawQuery = "aws_iam=f" },
			code: sso.CodeInvalidSignature, msg: "does not match"},
		{name: "wrong secret", p: Principal{AccessKeyID: alice.AccessKeyID, SecretAccessKey: "wrong"},
			code: sso.CodeInvalidSignature, msg: "does not match"},
		{name: "stale date", at: fixedNow.Add(-6 * time.Minute), code: sso.CodeInvalidSignature, msg: "Signature expired"},
		{name: "future date", at: fixedNow.Add(6 * time.Minute), code: sso.CodeInvalidSignature, msg: "not yet current"},
		{name: "wrong region", region: "eu-west-1", code: sso.CodeInvalidRequestRegion, msg: "eu-west-1"},
		{name: "unknown key", p: Principal{AccessKeyID: "AKIANOBODY", SecretAccessKey: "x"},
			code: sso.CodeUnrecognizedClient, msg: "security token"},
		{name: "session token missing", p: Principal{AccessKeyID: temp.AccessKeyID, SecretAccessKey: temp.SecretAccessKey},
			code: sso.CodeUnrecognizedClient},
		{name: "session token wrong", p: Principal{AccessKeyID: temp.AccessKeyID, SecretAccessKey: temp.SecretAccessKey, SessionToken: "other"},
			code: sso.CodeUnrecognizedClient},
		{name: "session token on long-term key", p: Principal{AccessKeyID: alice.AccessKeyID, SecretAccessKey: alice.SecretAccessKey, SessionToken: "t"},
			code: sso.CodeUnrecognizedClient},
		{name: "session token not signed", p: temp, tweak: func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), ";x-amz-security-token", "", 1))
		}, code: sso.CodeIncompleteSignature, msg: "x-amz-security-token"},
		{name: "content sha256 mismatch", tweak: func(r *http.Request) { r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD") },
			code: sso.CodeInvalidSignature, msg: "x-amz-content-sha256"},
		{name: "presigned", tweak: func(r *http.Request) {
			r.Header.Del("Authorization")
			r.URL.RawQuery += "&X-Amz-Signature=00"
		}, code: sso.CodeIncompleteSignature, msg: "Presigned"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, region, at := alice, "us-east-1", fixedNow
			if tc.p.AccessKeyID != "" {
				p = tc.p
			}
			if tc.region != "" {
				region = tc.region
			}
			if !tc.at.IsZero() {
				at = tc.at
			}
			c := signedOverLoopback(t, p, region, at, body, tc.tweak)
			b := c.body
			if tc.body != nil {
				b = tc.body(b)
			}
			got, err := v.Verify(c.r, b)
			wantCode(t, err, tc.code, tc.msg)
			if got.AccessKeyID != "" || got.ARN != "" {
				t.Errorf("a failed verification returned principal %+v", got)
			}
			if tc.code == sso.CodeInvalidRequestRegion {
				var re *RegionError
				if !errors.As(err, &re) || re.Region != "us-east-1" || re.Endpoint != "http://127.0.0.1:1" {
					t.Errorf("region error %#v", re)
				}
			}
		})
	}
}

func TestVerifyScope(t *testing.T) {
	v := newVerifier(t)
	c := signedOverLoopback(t, alice, "us-east-1", fixedNow, body, nil)
	auth := c.r.Header.Get("Authorization")
	for name, tc := range map[string]struct {
		from, to string
		code     sso.Code
		msg      string
	}{
		"other service":    {"/sso-oauth/", "/awsssooidc/", sso.CodeInvalidSignature, "correct service"},
		"other terminator": {"/aws4_request", "/aws5_request", sso.CodeInvalidSignature, "terminator"},
		"other date":       {"/20260301/", "/20260302/", sso.CodeInvalidSignature, "Date in Credential scope"},
		"host unsigned":    {"host;", "", sso.CodeIncompleteSignature, "'host'"},
		"unsorted headers": {"content-type;host", "host;content-type", sso.CodeIncompleteSignature, "sorted"},
		"uppercase header": {"content-type;", "Content-Type;", sso.CodeIncompleteSignature, "lowercase"},
	} {
		t.Run(name, func(t *testing.T) {
			if !strings.Contains(auth, tc.from) {
				t.Fatalf("%q not in %q", tc.from, auth)
			}
			c.r.Header.Set("Authorization", strings.Replace(auth, tc.from, tc.to, 1))
			_, err := v.Verify(c.r, c.body)
			wantCode(t, err, tc.code, tc.msg)
		})
	}
}

// TestCanonicalRequest checks the canonical request against AWS's
// published example (IAM User Guide, "Create a canonical request",
// GET https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08).
func TestCanonicalRequest(t *testing.T) {
	r := httptest.NewRequest("GET", "https://iam.amazonaws.com/?Version=2010-05-08&Action=ListUsers", nil)
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	r.Header.Set("X-Amz-Date", "20150830T123600Z")
	got, err := CanonicalRequest(r, []string{"content-type", "host", "x-amz-date"}, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
	if err != nil {
		t.Fatal(err)
	}
	want := "GET\n/\nAction=ListUsers&Version=2010-05-08\n" +
		"content-type:application/x-www-form-urlencoded; charset=utf-8\nhost:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\n" +
		"content-type;host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	if got != want {
		t.Errorf("canonical request\n%s\nwant\n%s", got, want)
	}
	// The same guide's signature for that request.
	a := Authorization{Date: "20150830", Region: "us-east-1", Service: "iam", Terminator: "aws4_request"}
	sig := Signature("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", a, "20150830T123600Z", got)
	if sig != "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7" {
		t.Errorf("signature %s", sig)
	}
}

func TestCanonicalPieces(t *testing.T) {
	for in, want := range map[string]string{
		"":                "",
		"aws_iam=t":       "aws_iam=t",
		"aws_iam":         "aws_iam=",
		"b=2&a=1&a=0":     "a=0&a=1&b=2",
		"q=a+b&r=%7e%2F":  "q=a%20b&r=~%2F",
		"x=%E2%9C%93&&y=": "x=%E2%9C%93&y=",
	} {
		got, err := canonicalQuery(in)
		if err != nil || got != want {
			t.Errorf("canonicalQuery(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := canonicalQuery("a=%zz"); sso.CodeOf(err) != sso.CodeIncompleteSignature {
		t.Errorf("bad escape: %v", err)
	}
	for in, want := range map[string]string{"": "/", "/token": "/token", "/a%20b/c": "/a%2520b/c", "/x~y": "/x~y"} {
		if got := canonicalURI(in); got != want {
			t.Errorf("canonicalURI(%q) = %q, want %q", in, got, want)
		}
	}
	r := httptest.NewRequest("POST", "http://h/", nil)
	r.Header["X-Multi"] = []string{"  a   b ", "c"}
	if got := headerValue(r, "x-multi"); got != "a b,c" {
		t.Errorf("headerValue %q", got)
	}
	if r.Header["X-Multi"][0] != "  a   b " {
		t.Error("headerValue changed the request's header")
	}
}

func TestNewRejectsBadPrincipals(t *testing.T) {
	for name, ps := range map[string][]Principal{
		"no key":        {{SecretAccessKey: "s", Account: "123456789012", ARN: "a"}},
		"slash in key":  {{AccessKeyID: "A/B", SecretAccessKey: "s", Account: "123456789012", ARN: "a"}},
		"no secret":     {{AccessKeyID: "A", Account: "123456789012", ARN: "a"}},
		"no ARN":        {{AccessKeyID: "A", SecretAccessKey: "s", Account: "123456789012"}},
		"short account": {{AccessKeyID: "A", SecretAccessKey: "s", Account: "1234", ARN: "a"}},
		"duplicate":     {alice, alice},
	} {
		if _, err := New(Options{Service: "s", Region: "r", Principals: ps}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	v := newVerifier(b)
	c := signedOverLoopback(b, alice, "us-east-1", fixedNow, body, nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(c.r, c.body); err != nil {
			b.Fatal(err)
		}
	}
}

// TestVerifyDateHeader: a request dated by an HTTP Date header instead of
// X-Amz-Date (allowed by SigV4) verifies when "date" is signed.
func TestVerifyDateHeader(t *testing.T) {
	v := newVerifier(t)
	r := httptest.NewRequest("POST", "http://127.0.0.1:8080/token?aws_iam=t", strings.NewReader(body))
	r.Header.Set("Date", fixedNow.Format(http.TimeFormat))
	a := Authorization{AccessKeyID: alice.AccessKeyID, Date: "20260301", Region: "us-east-1", Service: "sso-oauth",
		Terminator: "aws4_request", SignedHeaders: []string{"date", "host"}}
	sum := sha256.Sum256([]byte(body))
	creq, err := CanonicalRequest(r, a.SignedHeaders, hex.EncodeToString(sum[:]))
	if err != nil {
		t.Fatal(err)
	}
	a.Signature = Signature(alice.SecretAccessKey, a, fixedNow.Format(amzDateFormat), creq)
	r.Header.Set("Authorization", Algorithm+" Credential="+a.AccessKeyID+"/"+a.Scope()+", SignedHeaders=date;host, Signature="+a.Signature)
	if _, err := v.Verify(r, []byte(body)); err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "date;host", "host", 1))
	_, err = v.Verify(r, []byte(body))
	wantCode(t, err, sso.CodeIncompleteSignature, "'date'")
}

// TestVerifySigningKeyCache: the derived keys are cached per principal
// and day. A second request of the same day verifies from the cache; a
// request signed with one principal's secret under another's key id
// fails even when both keys of the day are cached; so does one signed
// for another region, which is never cached.
func TestVerifySigningKeyCache(t *testing.T) {
	v := newVerifier(t)
	for i := 0; i < 2; i++ {
		for _, p := range []Principal{alice, temp} {
			c := signedOverLoopback(t, p, "us-east-1", fixedNow.Add(-time.Duration(i)*time.Minute), body, nil)
			if _, err := v.Verify(c.r, c.body); err != nil {
				t.Fatalf("round %d, %s: %v", i, p.AccessKeyID, err)
			}
		}
	}
	if n := len(v.signingKeys); n != 2 {
		t.Errorf("%d cached keys, want 2 (one per principal and day)", n)
	}
	forged := alice
	forged.SecretAccessKey = temp.SecretAccessKey
	c := signedOverLoopback(t, forged, "us-east-1", fixedNow, body, nil)
	_, err := v.Verify(c.r, c.body)
	wantCode(t, err, sso.CodeInvalidSignature, "")
	// The day before (within the skew of a clock just after midnight).
	mid := time.Date(2026, 3, 2, 0, 1, 0, 0, time.UTC)
	v.opts.Now = func() time.Time { return mid }
	for _, at := range []time.Time{mid.Add(-2 * time.Minute), mid} {
		c := signedOverLoopback(t, alice, "us-east-1", at, body, nil)
		if _, err := v.Verify(c.r, c.body); err != nil {
			t.Fatalf("at %s: %v", at, err)
		}
	}
	c = signedOverLoopback(t, alice, "eu-west-1", mid, body, nil)
	_, err = v.Verify(c.r, c.body)
	wantCode(t, err, sso.CodeInvalidRequestRegion, "")
	if n := len(v.signingKeys); n != 3 {
		t.Errorf("%d cached keys, want 3 (alice's of 1 and 2 March, temp's)", n)
	}
}
