package web

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// FuzzForms: any form body and query on any page, signed in or not, gets
// a page or a redirect to a path on this server, never a 5xx (except the
// fakes' deliberate backend failures), and the guesses and decisions only
// of someone signed in reach Devices.
func FuzzForms(f *testing.F) {
	for _, s := range []struct {
		path, query, body string
	}{
		{"/device", "", "user_code=BCDF-GHJK"},
		{"/device/decide", "", "user_code=BCDFGHJK&decision=allow"},
		{"/signin", "", "username=alice&password=correct+horse+battery&next=%2F%2Fevil.example"},
		{"/signin", "next=/device", "username=alice&password=x"},
		{"/device/consent", "user_code=BCDFGHJK", ""},
		{"/signout", "", "next=https://evil.example"},
		{"/device", "user_code=%zz", "user_code=%zz"},
	} {
		f.Add(s.path, s.query, s.body, false)
		f.Add(s.path, s.query, s.body, true)
	}
	site := newSite(f)
	// No cookie jar: a sign-in the fuzzer makes does not stick.
	anon := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	signed := site.signedIn(f, false)
	paths := []string{"/device", "/device/consent", "/device/decide", "/signin", "/signout", "/static/x"}
	f.Fuzz(func(t *testing.T, path, query, body string, signedIn bool) {
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \r\n\t#?") {
			path = paths[len(path)%len(paths)]
		}
		if strings.ContainsAny(query, " \r\n\t#") {
			return // not a request line a client can send
		}
		c := anon
		if signedIn {
			c = signed
		}
		before := len(site.devices.lookupAddrs())
		for _, method := range []string{"GET", "POST"} {
			req, err := http.NewRequest(method, site.srv.URL+path+"?"+query, strings.NewReader(body))
			if err != nil {
				return // not a URL a client can send
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			page, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			deliberate := strings.Contains(query+body, "ZZZZ") || strings.Contains(query+body, "broken")
			if resp.StatusCode >= 500 && !deliberate {
				t.Fatalf("%s %s?%s %q: %d\n%s", method, path, query, body, resp.StatusCode, page)
			}
			if loc := resp.Header.Get("Location"); loc != "" && (!strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") || strings.HasPrefix(loc, "/\\")) {
				t.Fatalf("%s %s?%s %q redirects to %q", method, path, query, body, loc)
			}
		}
		if !signedIn && len(site.devices.lookupAddrs()) != before {
			t.Fatalf("%s?%s %q looked a code up for nobody", path, query, body)
		}
	})
}
