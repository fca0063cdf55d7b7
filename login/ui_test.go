package login

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestPromptFits80x24: on an 80x24 terminal the device prompt (QR code
// first, then URL and code, then the time left with the code) fits with
// the heading; on a shorter one the QR code is left out with a note; the
// code is on the last line either way.
func TestPromptFits80x24(t *testing.T) {
	sess := &Session{Name: "my-sso", StartURL: "https://d-1234567890.awsapps.com/start", Region: "us-east-1"}
	p := &Prompt{Session: sess, Flow: FlowDevice, Reason: "no display (neither DISPLAY nor WAYLAND_DISPLAY is set)",
		URL: "http://127.0.0.1:41234/device?user_code=ABCD-EFGH", VerificationURI: "http://127.0.0.1:41234/device",
		UserCode: "ABCD-EFGH", ExpiresAt: time.Unix(600, 0)}
	for _, tc := range []struct {
		rows   int
		wantQR bool
	}{{24, true}, {20, false}, {0, true}} {
		var b strings.Builder
		pr := &TerminalPrompter{W: &b, Cols: 80, Rows: tc.rows, Now: func() time.Time { return time.Unix(1, 0) }}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		pr.Show(ctx, p)
		out := b.String()
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if hasQR := strings.Contains(out, "█"); hasQR != tc.wantQR {
			t.Errorf("%d rows: QR code shown %v:\n%s", tc.rows, hasQR, out)
		}
		last := lines[len(lines)-1]
		if last != "Waiting for approval of code ABCD-EFGH: 9:59 left (Ctrl-C to cancel)" {
			t.Errorf("%d rows: last line %q", tc.rows, last)
		}
		n := pr.lines(out)
		if tc.rows > 0 && tc.wantQR && n > tc.rows {
			t.Errorf("%d rows: the prompt takes %d lines:\n%s", tc.rows, n, out)
		}
		if !tc.wantQR && !strings.Contains(out, "(a terminal of 21 lines shows a QR code)") {
			t.Errorf("no note on the missing QR code:\n%s", out)
		}
		if !strings.Contains(out, "\n    http://127.0.0.1:41234/device?user_code=ABCD-EFGH\nand check that it shows the code ABCD-EFGH") {
			t.Errorf("URL and code:\n%s", out)
		}
	}
}

// TestCallbackPage: the page the browser lands on is readable on a phone
// and in dark mode, and the server's lower-case description is a sentence.
func TestCallbackPage(t *testing.T) {
	results := make(chan callbackResult, 1)
	h := callbackHandler("st", results)
	for _, tc := range []struct {
		query, want string
		status      int
	}{
		{"state=st&error=access_denied&error_description=the+request+was+denied", "<p>The request was denied.</p>", 200},
		{"state=st&code=c0de", "<h1>Signed in</h1>", 200},
		{"state=other&code=c0de", "not for the sign-in in progress", 400},
		{"state=st&error=x&error_description=%3Cscript%3E", "&lt;script&gt;", 200},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/oauth/callback?"+tc.query, nil))
		body := rec.Body.String()
		for _, want := range []string{tc.want, `name="viewport"`, "prefers-color-scheme:dark", `lang="en"`} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: the page lacks %q:\n%s", tc.query, want, body)
			}
		}
		if rec.Code != tc.status || strings.Contains(body, "<script>") || rec.Header().Get("Content-Security-Policy") == "" {
			t.Errorf("%s: status %d, CSP %q", tc.query, rec.Code, rec.Header().Get("Content-Security-Policy"))
		}
		select {
		case <-results:
		default:
		}
	}
}
