package awsclient

import (
	"crypto/x509"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

func TestSanitizeErrorCode(t *testing.T) {
	for in, want := range map[string]string{
		"AuthorizationPendingException": "AuthorizationPendingException",
		"AuthorizationPendingException:http://internal.amazon.com/coral/com.amazonaws.sso.oidc/": "AuthorizationPendingException",
		"com.amazonaws.switchboard.portal#UnauthorizedException":                                 "UnauthorizedException",
		"aws.protocoltests#FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/": "FooError",
		"":      "",
		"a#b#c": "b#c",
	} {
		if got := SanitizeErrorCode(in); got != want {
			t.Errorf("SanitizeErrorCode(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestErrorCode(t *testing.T) {
	for _, tc := range []struct {
		header, body, code, message string
		fails                       bool
	}{
		{"X:suffix", `{"__type":"Y","code":"Z","message":"m"}`, "X", "m", false},
		{"", `{"__type":"Y","code":"Z","Message":"m"}`, "Y", "m", false},
		{"", `{"code":"Z"}`, "Z", "", false},
		{"", `{"code":7}`, UnknownErrorCode, "", false},
		{"", ``, UnknownErrorCode, "", false},
		{"", `   `, UnknownErrorCode, "", false},
		{"", `{"__type":7}`, "", "", true},
		{"", `[]`, "", "", true},
		{"", `<html>`, "", "", true},
	} {
		h := http.Header{}
		if tc.header != "" {
			h.Set("X-Amzn-ErrorType", tc.header)
		}
		code, msg, err := ErrorCode(h, []byte(tc.body))
		if (err != nil) != tc.fails || (!tc.fails && (code != tc.code || msg != tc.message)) {
			t.Errorf("ErrorCode(%q, %q) = %q, %q, %v", tc.header, tc.body, code, msg, err)
		}
	}
}

func TestDecodeJSON(t *testing.T) {
	type inner struct {
		A *string `json:"a,omitempty"`
	}
	type shape struct {
		S     string   `json:"s"`
		N     int32    `json:"n"`
		L     []string `json:"l"`
		P     *inner   `json:"p"`
		Items []inner  `json:"items"`
		skip  string
	}
	var v shape
	err := DecodeJSON([]byte(`{"s":"x","S":"wrong","n":3,"l":["a"],"p":{"a":"b","A":"c"},"items":[{"a":"1"},{"a":null}],"extra":1,"skip":"no"}`), &v)
	if err != nil || v.S != "x" || v.N != 3 || len(v.L) != 1 || v.P == nil || *v.P.A != "b" || len(v.Items) != 2 || *v.Items[0].A != "1" || v.Items[1].A != nil || v.skip != "" {
		t.Errorf("%+v, %v", v, err)
	}
	for _, bad := range []string{`{"n":1.5}`, `{"n":"1"}`, `{"n":3000000000}`, `{"s":1}`, `[1]`, `{"p":[]}`, `{"items":{}}`, `{`} {
		if err := DecodeJSON([]byte(bad), &shape{}); err == nil {
			t.Errorf("DecodeJSON(%s) succeeded", bad)
		}
	}
	for _, ok := range []string{``, `{}`, `null`, `{"p":null,"items":null,"s":null}`} {
		if err := DecodeJSON([]byte(ok), &shape{}); err != nil {
			t.Errorf("DecodeJSON(%s): %v", ok, err)
		}
	}
}

func TestEncodeJSON(t *testing.T) {
	b, err := EncodeJSON(struct {
		Z string   `json:"z"`
		A string   `json:"a"`
		L []string `json:"l,omitempty"`
	}{"<&>\u2028", "a", nil})
	if want := `{"a":"a","z":"<&>\u2028"}`; err != nil || string(b) != want {
		t.Errorf("EncodeJSON = %s, %v; want %s", b, err, want)
	}
}

func TestNormalizeRegion(t *testing.T) {
	for _, tc := range []struct {
		in, out string
		fips    bool
		fails   bool
	}{
		{"us-east-1", "us-east-1", false, false},
		{"us-east-1-fips", "us-east-1", true, false},
		{"fips-us-gov-west-1", "us-gov-west-1", true, false},
		{"us-fips-east-1", "us-east-1", true, false},
		{"", "", false, false},
		{"local.test", "local.test", false, false},
		{"us east 1", "", false, true},
		{"-bad", "", false, true},
		{"bad-", "", false, true},
		{"a..b", "", false, true},
		{"x/y", "", false, true},
	} {
		out, fips, err := NormalizeRegion(tc.in)
		if out != tc.out || fips != tc.fips || (err != nil) != tc.fails {
			t.Errorf("NormalizeRegion(%q) = %q, %v, %v", tc.in, out, fips, err)
		}
	}
}

func TestUserAgent(t *testing.T) {
	ua := userAgent(Service{UserAgentName: "ssooidc"}, "my app/1 (x)")
	if !strings.HasPrefix(ua, "ssooidc-go/"+Version+" ua/2.1 os/") || !strings.Contains(ua, " api/ssooidc#"+Version) || !strings.HasSuffix(ua, " app/my-app-1--x-") {
		t.Errorf("userAgent = %q", ua)
	}
}

func TestServiceNames(t *testing.T) {
	s := Service{ID: "SSO OIDC"}
	if s.EnvName() != "AWS_ENDPOINT_URL_SSO_OIDC" || s.ConfigKey() != "sso_oidc" {
		t.Errorf("%s %s", s.EnvName(), s.ConfigKey())
	}
}

// TestBuildHTTPClient checks that the transport options reach the default
// client and copies of a custom *http.Client, and that other clients are
// used untouched.
func TestBuildHTTPClient(t *testing.T) {
	o := Options{ConnectTimeout: 1500 * time.Millisecond, DisableKeepAlives: true}
	pemBundle := []byte(testCA)

	hc, err := buildHTTPClient(o, pemBundle)
	if err != nil {
		t.Fatal(err)
	}
	b := hc.(*awshttp.BuildableClient)
	if b.GetDialer().Timeout != 1500*time.Millisecond || !b.GetTransport().DisableKeepAlives || b.GetTransport().TLSClientConfig.RootCAs == nil {
		t.Errorf("BuildableClient: dialer %v, transport %+v", b.GetDialer(), b.GetTransport())
	}
	if pool := b.GetTransport().TLSClientConfig.RootCAs; pool.Equal(x509.NewCertPool()) {
		t.Error("empty CA pool")
	}

	custom := &http.Client{Timeout: time.Minute}
	hc, err = buildHTTPClient(Options{HTTPClient: custom, DisableKeepAlives: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cc := hc.(*http.Client)
	if cc == custom || cc.Timeout != time.Minute || !cc.Transport.(*http.Transport).DisableKeepAlives || custom.Transport != nil {
		t.Errorf("custom client not copied and configured: %+v", cc)
	}
	hc, _ = buildHTTPClient(Options{HTTPClient: custom}, nil)
	if hc != custom {
		t.Error("custom client without options was not used as given")
	}

	if _, err := buildHTTPClient(o, []byte("junk")); !errors.Is(err, errNoCertificates) {
		t.Errorf("bad bundle: %v", err)
	}
}

// testCA is a throwaway self-signed certificate.
const testCA = `-----BEGIN CERTIFICATE-----
MIIBhTCCASugAwIBAgIQIRi6zePL6mKjOipn+dNuaTAKBggqhkjOPQQDAjASMRAw
DgYDVQQKEwdBY21lIENvMB4XDTE3MTAyMDE5NDMwNloXDTE4MTAyMDE5NDMwNlow
EjEQMA4GA1UEChMHQWNtZSBDbzBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABD0d
7VNhbWvZLWPuj/RtHFjvtJBEwOkhbN/BnnE8rnZR8+sbwnc/KhCk3FhnpHZnQz7B
5aETbbIgmuvewdjvSBSjYzBhMA4GA1UdDwEB/wQEAwICpDATBgNVHSUEDDAKBggr
BgEFBQcDATAPBgNVHRMBAf8EBTADAQH/MCkGA1UdEQQiMCCCDmxvY2FsaG9zdDo1
NDUzgg4xMjcuMC4wLjE6NTQ1MzAKBggqhkjOPQQDAgNIADBFAiEA2zpJEPQyz6/l
Wf86aX6PepsntZv2GYlA5UpabfT2EZICICpJ5h/iI+i341gBmLiAFQOyTDT+/wQc
6MF9+Yw1Yy0t
-----END CERTIFICATE-----`

// FuzzErrorCode: any header and body give a code or an error, never a
// panic, and a code never contains the separators it was cut at.
func FuzzErrorCode(f *testing.F) {
	f.Add("AuthorizationPendingException:http://internal", `{"error":"x"}`)
	f.Add("", `{"__type":"a#B","code":"C","message":"m"}`)
	f.Add("", `{"code":{"x":1}}`)
	f.Fuzz(func(t *testing.T, header, body string) {
		h := http.Header{}
		h.Set("X-Amzn-ErrorType", header)
		code, _, err := ErrorCode(h, []byte(body))
		if err == nil && strings.ContainsAny(code, ":") {
			t.Errorf("code %q", code)
		}
	})
}

// FuzzDecodeJSON: any body decodes or fails without panicking.
func FuzzDecodeJSON(f *testing.F) {
	f.Add(`{"s":"x","n":1,"p":{"a":"b"},"items":[{}]}`)
	f.Add(`{"items":[null,1]}`)
	f.Fuzz(func(t *testing.T, body string) {
		var v struct {
			S     string           `json:"s"`
			N     int64            `json:"n"`
			P     *struct{ A any } `json:"p"`
			Items []struct {
				A *string `json:"a"`
			} `json:"items"`
		}
		_ = DecodeJSON([]byte(body), &v)
	})
}
