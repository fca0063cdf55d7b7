package console_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/console"
)

// federation is a federation endpoint on loopback that behaves as the IAM
// User Guide describes AWS's: getSigninToken takes the Session JSON of
// temporary credentials and an optional SessionDuration (900 to 43200) and
// answers {"SigninToken": ...}; the login action is what the browser opens.
type federation struct {
	*httptest.Server
	mu       sync.Mutex
	sessions []map[string]string
	duration []string
}

func newFederation(t *testing.T) *federation {
	f := &federation{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if r.URL.Path != "/federation" || q.Get("Action") != "getSigninToken" {
			http.Error(w, "bad action", http.StatusBadRequest)
			return
		}
		var s map[string]string
		if err := json.Unmarshal([]byte(q.Get("Session")), &s); err != nil || s["sessionToken"] == "" {
			http.Error(w, "bad session", http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		f.sessions = append(f.sessions, s)
		f.duration = append(f.duration, q.Get("SessionDuration"))
		f.mu.Unlock()
		fmt.Fprintf(w, `{"SigninToken":"token-for-%s"}`, s["sessionId"])
	}))
	t.Cleanup(f.Close)
	return f
}

var creds = console.Credentials{AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: "se/cr+et", SessionToken: "tok=en&more"}

func TestSigninURL(t *testing.T) {
	f := newFederation(t)
	ctx := context.Background()
	got, err := console.SigninURL(ctx, creds, console.Options{FederationURL: f.URL + "/federation", Region: "eu-west-1",
		Issuer: "https://sso.example.com/", SessionDuration: 2 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(got)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Scheme+"://"+u.Host+u.Path != f.URL+"/federation" || q.Get("Action") != "login" || q.Get("SigninToken") != "token-for-ASIAEXAMPLE" ||
		q.Get("Issuer") != "https://sso.example.com/" || q.Get("Destination") != "https://console.aws.amazon.com/console/home?region=eu-west-1" {
		t.Errorf("login URL %s", got)
	}
	if len(f.sessions) != 1 || f.sessions[0]["sessionKey"] != "se/cr+et" || f.sessions[0]["sessionToken"] != "tok=en&more" || f.duration[0] != "7200" {
		t.Errorf("getSigninToken got %v %v", f.sessions, f.duration)
	}

	// No duration: none sent. No issuer: none in the URL.
	got, err = console.SigninURL(ctx, creds, console.Options{FederationURL: f.URL + "/federation", Destination: "s3"})
	if err != nil || f.duration[1] != "" || strings.Contains(got, "Issuer=") ||
		!strings.Contains(got, "Destination="+url.QueryEscape("https://console.aws.amazon.com/s3/home")) {
		t.Errorf("%v %s %v", err, got, f.duration)
	}

	// Refusals.
	for name, tc := range map[string]struct {
		creds console.Credentials
		o     console.Options
		want  string
	}{
		"long-term keys":   {console.Credentials{AccessKeyID: "AKIA", SecretAccessKey: "s"}, console.Options{FederationURL: f.URL + "/federation"}, "only temporary"},
		"too short":        {creds, console.Options{FederationURL: f.URL + "/federation", SessionDuration: time.Minute}, "outside 15m0s to 12h0m0s"},
		"too long":         {creds, console.Options{FederationURL: f.URL + "/federation", SessionDuration: 13 * time.Hour}, "outside"},
		"refused":          {creds, console.Options{FederationURL: f.URL + "/elsewhere"}, "HTTP 400"},
		"bad endpoint URL": {creds, console.Options{FederationURL: "ftp://x"}, "invalid federation URL"},
	} {
		if _, err := console.SigninURL(ctx, tc.creds, tc.o); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v", name, err)
		}
	}
	var fe *console.Error
	if _, err := console.SigninURL(ctx, creds, console.Options{FederationURL: f.URL + "/elsewhere"}); !errors.As(err, &fe) || fe.StatusCode != 400 {
		t.Errorf("refusal: %v", err)
	}
	// A transport error never shows the credentials in the URL.
	f2 := newFederation(t)
	f2.Close()
	if _, err := console.SigninURL(ctx, creds, console.Options{FederationURL: f2.URL + "/federation"}); err == nil || strings.Contains(err.Error(), "se%2Fcr") || strings.Contains(err.Error(), "ASIA") {
		t.Errorf("transport error leaks the credentials: %v", err)
	}
}

func TestPartitions(t *testing.T) {
	for region, want := range map[string]string{
		"":              "https://signin.aws.amazon.com/federation?Action=login&Destination=https%3A%2F%2Fconsole.aws.amazon.com%2Fconsole%2Fhome&SigninToken=T",
		"cn-north-1":    "https://signin.amazonaws.cn/federation?Action=login&Destination=https%3A%2F%2Fconsole.amazonaws.cn%2Fconsole%2Fhome%3Fregion%3Dcn-north-1&SigninToken=T",
		"us-gov-west-1": "https://signin.amazonaws-us-gov.com/federation?Action=login&Destination=https%3A%2F%2Fconsole.amazonaws-us-gov.com%2Fconsole%2Fhome%3Fregion%3Dus-gov-west-1&SigninToken=T",
	} {
		if got := console.LoginURL("T", console.Options{Region: region}); got != want {
			t.Errorf("%q:\n got %s\nwant %s", region, got, want)
		}
	}
	if got := (&console.Options{Destination: "https://example.com/x"}).DestinationURL(); got != "https://example.com/x" {
		t.Errorf("absolute destination %s", got)
	}
}

// TestStandardLibraryOnly: the server's portal page reuses this package.
func TestStandardLibraryOnly(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	if deps := strings.Fields(string(out)); len(deps) != 1 || deps[0] != "github.com/ssooidc/ssooidc/console" {
		t.Errorf("non-standard dependencies: %v", deps)
	}
}
