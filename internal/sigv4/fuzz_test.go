package sigv4

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// frontEndCodes are the only codes Verify may return.
var frontEndCodes = map[sso.Code]bool{
	sso.CodeMissingAuthenticationToken: true, sso.CodeIncompleteSignature: true,
	sso.CodeInvalidSignature: true, sso.CodeUnrecognizedClient: true, sso.CodeInvalidRequestRegion: true,
}

// FuzzParseAuthorization: any header value parses or fails with a
// client-safe front-end error, never a panic; what parses is well formed
// and reparses to the same value.
func FuzzParseAuthorization(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKIAALICEEXAMPLE/20260301/us-east-1/sso-oauth/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-date, Signature=" + strings.Repeat("ab", 32))
	f.Add("AWS4-HMAC-SHA256 Credential=A/20260301/r/s/aws4_request,SignedHeaders=host,Signature=00")
	f.Add("AWS4-HMAC-SHA256 Credential=A/2026/r/s/aws4_request, SignedHeaders=host, Signature=00")
	f.Add("AWS4-HMAC-SHA256 Credential=A/20260301/r/s/aws4_request, Credential=B, SignedHeaders=host, Signature=00")
	f.Add("AWS4-HMAC-SHA256 Credential=A/20260301/r/s/aws4_request, SignedHeaders=b;a, Signature=00")
	f.Add("AWS4-HMAC-SHA256 Credential=A/20260301//s/aws4_request, SignedHeaders=host;, Signature=00")
	f.Add("AWS4-HMAC-SHA256 ")
	f.Add("Bearer abc")
	f.Add("")
	f.Add("AWS4-HMAC-SHA256 Credential==, SignedHeaders==, Signature==")
	f.Fuzz(func(t *testing.T, h string) {
		a, err := ParseAuthorization(h)
		if err != nil {
			if !frontEndCodes[sso.CodeOf(err)] {
				t.Fatalf("error %v has code %s", err, sso.CodeOf(err))
			}
			return
		}
		if a.AccessKeyID == "" || strings.Contains(a.AccessKeyID, "/") || !isDate(a.Date) || a.Region == "" ||
			a.Service == "" || len(a.SignedHeaders) == 0 || !isHex(a.Signature) {
			t.Fatalf("accepted a malformed header %q as %+v", h, a)
		}
		for i, n := range a.SignedHeaders {
			if !isHeaderName(n) || i > 0 && n <= a.SignedHeaders[i-1] {
				t.Fatalf("signed headers %q", a.SignedHeaders)
			}
		}
		again := Algorithm + " Credential=" + a.AccessKeyID + "/" + a.Scope() + ", SignedHeaders=" +
			strings.Join(a.SignedHeaders, ";") + ", Signature=" + a.Signature
		b, err := ParseAuthorization(again)
		if err != nil || b.Scope() != a.Scope() || b.AccessKeyID != a.AccessKeyID || b.Signature != a.Signature ||
			strings.Join(b.SignedHeaders, ";") != strings.Join(a.SignedHeaders, ";") {
			t.Fatalf("reparse of %q: %+v %v", again, b, err)
		}
	})
}

// baseRequest is a request signed by aws-sdk-go-v2 at fixedNow, without a
// network: httptest.NewRequest gives what Go's server would.
func baseRequest(t testing.TB, body string) *http.Request {
	r := httptest.NewRequest("POST", "http://127.0.0.1:8080/token?aws_iam=t", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: alice.AccessKeyID, SecretAccessKey: alice.SecretAccessKey}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, hex.EncodeToString(sum[:]), "sso-oauth", "us-east-1", fixedNow); err != nil {
		t.Fatal(err)
	}
	return r
}

// FuzzVerify mutates a correctly signed request (its body, query, a signed
// header, the Authorization header, the date) and checks that Verify
// never panics, fails only with front-end codes, and accepts the mutated
// request only when its canonical request and signature are those that
// were signed: no change to signed content can get through.
func FuzzVerify(f *testing.F) {
	f.Add(body, "aws_iam=t", "application/json", "", "")
	f.Add(body+" ", "aws_iam=t", "application/json", "", "")
	f.Add(body, "aws_iam=t&x=1", "application/json", "", "")
	f.Add(body, "aws_iam=t", "application/json ", "", "")
	f.Add(body, "aws_iam=t", "application/json", "AWS4-HMAC-SHA256 Credential=AKIAALICEEXAMPLE/20260301/us-east-1/sso-oauth/aws4_request, SignedHeaders=host;x-amz-date, Signature=00", "")
	f.Add(body, "aws_iam=t", "application/json", "", "20260301T115500Z")
	f.Add("", "", "", "", "x")
	f.Add(body, "%zz", "application/json", "", "")
	v := newVerifier(f)
	orig := baseRequest(f, body)
	origAuth := orig.Header.Get("Authorization")
	a, err := ParseAuthorization(origAuth)
	if err != nil {
		f.Fatal(err)
	}
	sum := sha256.Sum256([]byte(body))
	origCanon, err := CanonicalRequest(orig, a.SignedHeaders, hex.EncodeToString(sum[:]))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b, query, contentType, auth, date string) {
		r := orig.Clone(context.Background())
		r.URL.RawQuery = query
		r.ContentLength = int64(len(b))
		r.Header.Set("Content-Type", contentType)
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		if date != "" {
			r.Header.Set("X-Amz-Date", date)
		}
		p, err := v.Verify(r, []byte(b))
		if err != nil {
			if !frontEndCodes[sso.CodeOf(err)] {
				t.Fatalf("error %v has code %s", err, sso.CodeOf(err))
			}
			if p.AccessKeyID != "" || p.ARN != "" {
				t.Fatal("principal returned with an error")
			}
			return
		}
		if p.ARN != alice.ARN {
			t.Fatalf("verified as %+v", p)
		}
		got, _ := ParseAuthorization(r.Header.Get("Authorization"))
		s := sha256.Sum256([]byte(b))
		canon, err := CanonicalRequest(r, got.SignedHeaders, hex.EncodeToString(s[:]))
		if err != nil || canon != origCanon || got.Signature != a.Signature || got.Scope() != a.Scope() {
			t.Fatalf("a changed request verified:\n%s\nsigned was\n%s", canon, origCanon)
		}
	})
}
