package ssooidc_test

import (
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/ssooidc/ssooidc"
)

// TestS256ChallengeRFC7636 uses the test vector of RFC 7636 appendix B.
func TestS256ChallengeRFC7636(t *testing.T) {
	got := ssooidc.S256Challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
	if want := "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"; got != want {
		t.Errorf("S256Challenge = %q, want %q", got, want)
	}
}

// TestGenerateVerifier checks the CLI's verifier shape (64 characters of
// [A-Za-z0-9-._~]) and that every symbol turns up.
func TestGenerateVerifier(t *testing.T) {
	shape := regexp.MustCompile(`^[A-Za-z0-9._~-]{64}$`)
	seen := map[rune]bool{}
	prev := ""
	for range 200 {
		v := ssooidc.GenerateVerifier()
		if !shape.MatchString(v) {
			t.Fatalf("verifier %q", v)
		}
		if v == prev {
			t.Fatal("repeated verifier")
		}
		prev = v
		for _, r := range v {
			seen[r] = true
		}
		if c := ssooidc.S256Challenge(v); len(c) != 43 {
			t.Fatalf("challenge %q has %d characters", c, len(c))
		}
	}
	if len(seen) != 66 {
		t.Errorf("%d distinct symbols in 12800 draws, want 66", len(seen))
	}
	if s := ssooidc.NewState(); !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(s) {
		t.Errorf("NewState = %q, not a UUID v4", s)
	}
}

// TestAuthorizeURL compares with URLs built by the AWS CLI's own code
// (botocore percent_encode = urllib.parse.quote(safe="-._~"), parameters in
// the CLI's order, computed with Python).
func TestAuthorizeURL(t *testing.T) {
	in := &ssooidc.AuthorizeURLInput{
		ClientID:      "_yzk/ThX+VzLW==",
		RedirectURI:   "http://127.0.0.1:53127/oauth/callback",
		State:         "6b0d2f0e-6a47-4e0b-9ad6-5fd1f3bd0e6a",
		CodeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
		Scopes:        []string{"sso:account:access", "codewhisperer:completions", "é~x"},
	}
	const want = "http://127.0.0.1:8080/authorize?response_type=code&client_id=_yzk%2FThX%2BVzLW%3D%3D&redirect_uri=http%3A%2F%2F127.0.0.1%3A53127%2Foauth%2Fcallback&state=6b0d2f0e-6a47-4e0b-9ad6-5fd1f3bd0e6a&code_challenge_method=S256&scopes=sso%3Aaccount%3Aaccess%20codewhisperer%3Acompletions%20%C3%A9~x&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
	// The path prefix of the endpoint is dropped: /authorize is served at
	// the root of the host (WIRE.md 4.2).
	for _, endpoint := range []string{"http://127.0.0.1:8080", "http://127.0.0.1:8080/oidc/prefix/"} {
		got, err := ssooidc.AuthorizeURL(endpoint, in)
		if err != nil || got != want {
			t.Errorf("AuthorizeURL(%q) =\n%s, %v\nwant\n%s", endpoint, got, err, want)
		}
	}

	// Default scope and every ASCII punctuation character.
	in = &ssooidc.AuthorizeURLInput{ClientID: " !\"#$%&'()*+,/:;<=>?@[\\]^`{|}", RedirectURI: "r", State: "s", CodeChallenge: "c"}
	got, err := ssooidc.AuthorizeURL("https://oidc.us-east-1.amazonaws.com", in)
	const want2 = "https://oidc.us-east-1.amazonaws.com/authorize?response_type=code&client_id=%20%21%22%23%24%25%26%27%28%29%2A%2B%2C%2F%3A%3B%3C%3D%3E%3F%40%5B%5C%5D%5E%60%7B%7C%7D&redirect_uri=r&state=s&code_challenge_method=S256&scopes=sso%3Aaccount%3Aaccess&code_challenge=c"
	if err != nil || got != want2 {
		t.Errorf("AuthorizeURL =\n%s, %v\nwant\n%s", got, err, want2)
	}

	// The client's method uses its resolved endpoint.
	c := ssooidc.NewFromConfig(aws.Config{Region: "eu-west-1"})
	got, err = c.AuthorizeURL(in)
	if err != nil || got[:len("https://oidc.eu-west-1.amazonaws.com/authorize?")] != "https://oidc.eu-west-1.amazonaws.com/authorize?" {
		t.Errorf("Client.AuthorizeURL = %s, %v", got, err)
	}

	for _, bad := range []*ssooidc.AuthorizeURLInput{nil, {ClientID: "c", RedirectURI: "r", State: "s"}} {
		if _, err := ssooidc.AuthorizeURL("https://h", bad); err == nil {
			t.Errorf("AuthorizeURL(%+v) succeeded", bad)
		}
	}
	if _, err := ssooidc.AuthorizeURL("no-scheme", &ssooidc.AuthorizeURLInput{ClientID: "c", RedirectURI: "r", State: "s", CodeChallenge: "x"}); err == nil {
		t.Error("AuthorizeURL without scheme succeeded")
	}
}
