package browsertest

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// formPage is a page like ours: no script allowed, a labelled field, a
// nested label, and a button that posts.
func formServer(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'none'; form-action 'self'")
		fmt.Fprint(w, `<!doctype html><html lang="en"><title>form</title><body>
<form method="post" action="/echo">
<label for="n">Your   name</label><input id="n" name="name" value="old">
<label>Colour <input name="colour"></label>
<input aria-label="Secret word" name="word">
<button type="submit">Send it</button>
</form><a href="/echo">Skip</a></body></html>`)
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		fmt.Fprintf(w, `<!doctype html><html lang="en"><title>echo</title><body><p>name=%s colour=%s word=%s method=%s</p></body></html>`,
			html.EscapeString(r.Form.Get("name")), html.EscapeString(r.Form.Get("colour")),
			html.EscapeString(r.Form.Get("word")), r.Method)
	})
	s := httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func TestHelpers(t *testing.T) {
	srv := formServer(t)
	b := New(t, WindowSize(800, 600))
	ctx := t.Context()
	if err := b.Navigate(ctx, srv.URL); err != nil {
		t.Fatal(err)
	}
	if v, err := b.Value(ctx, "Your name"); err != nil || v != "old" {
		t.Fatalf("Value = %q, %v", v, err)
	}
	for label, value := range map[string]string{"Your name": "Ada", "Colour": "green", "Secret word": "swordfish"} {
		if err := b.Fill(ctx, label, value); err != nil {
			t.Fatal(err)
		}
	}
	if ok, err := b.HasButton(ctx, "Send it"); err != nil || !ok {
		t.Fatalf("HasButton(Send it) = %v, %v", ok, err)
	}
	if ok, _ := b.HasButton(ctx, "Send"); ok {
		t.Fatal("HasButton matches a part of a button's text")
	}
	if ok, _ := b.HasField(ctx, "Nope"); ok {
		t.Fatal("HasField finds a field that does not exist")
	}
	shot := filepath.Join(t.TempDir(), "shots", "form.png")
	if err := b.Screenshot(ctx, "", shot); err != nil {
		t.Fatal(err)
	}
	if png, err := os.ReadFile(shot); err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	if err := b.Click(ctx, "Send it"); err != nil {
		t.Fatal(err)
	}
	text, err := b.Text(ctx)
	if err != nil || text != "name=Ada colour=green word=swordfish method=POST" {
		t.Fatalf("Text = %q, %v", text, err)
	}
	if u, _ := b.URL(ctx); !strings.HasSuffix(u, "/echo") {
		t.Fatalf("URL = %q", u)
	}
	if err := b.Navigate(ctx, srv.URL); err != nil {
		t.Fatal(err)
	}
	if err := b.Click(ctx, "Skip"); err != nil {
		t.Fatal(err)
	}
	if text, _ := b.Text(ctx); !strings.Contains(text, "method=GET") {
		t.Fatalf("after the link: %q", text)
	}
}

func TestClickWaitsOnlyForItsDeadline(t *testing.T) {
	srv := formServer(t)
	b := New(t)
	if err := b.Navigate(t.Context(), srv.URL); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := contextWithTimeout(t, 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := b.Click(ctx, "No such button"); err == nil {
		t.Fatal("clicking a missing button succeeded")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("a missing button took %v, want about the 500ms deadline", d)
	}
	// The browser outlives a call's context.
	if err := b.Navigate(t.Context(), srv.URL); err != nil {
		t.Fatalf("the browser did not survive a cancelled call: %v", err)
	}
}

// fatalTB records Fatalf instead of stopping a real test.
type fatalTB struct {
	testing.TB
	msg string
}

type fatalled struct{}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	panic(fatalled{})
}

func (f *fatalTB) Helper() {}

func TestMissingChromiumFails(t *testing.T) {
	f := &fatalTB{TB: t}
	func() {
		defer func() {
			if r := recover(); r != nil {
				if _, ok := r.(fatalled); !ok {
					panic(r)
				}
			}
		}()
		New(f, ExecPath("/nonexistent/chromium"))
	}()
	if !strings.Contains(f.msg, "apt-get install -y chromium") {
		t.Fatalf("New with no chromium: %q, want a failure that says how to install it", f.msg)
	}
}

func contextWithTimeout(t *testing.T, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(t.Context(), d)
}
