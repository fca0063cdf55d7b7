package web

import (
	"mime"
	"net/http"
	"strings"

	"github.com/ssooidc/ssooidc/wire"
)

// NotFound answers a path no route has: a person's browser gets a page
// (with a title, a language and a way on), every other client api, the
// AWS error shape its SDK parses. A browser is a GET or HEAD that accepts
// HTML and carries none of the AWS APIs' headers: an AWS SDK sends no
// HTML Accept, and its requests carry a target, a bearer token or a
// signature.
func (h *Handler) NotFound(api http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !wantsPage(r) {
			api.ServeHTTP(w, r)
			return
		}
		securityHeaders(w)
		w.Header().Set("Cache-Control", "no-store")
		link, text := "/device", "Enter a code from your device"
		if h.portal != nil {
			link, text = startPath, "Go to your AWS access portal"
		}
		h.render(w, r, http.StatusNotFound, tmplMessage, view{Title: "Page not found", Heading: "There is no such page",
			Tone: "error", Message: "The address may be mistyped, or the page has moved.", Link: link, LinkText: text})
	})
}

// wantsPage reports whether r comes from a person's browser.
func wantsPage(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	for _, h := range []string{"X-Amz-Target", wire.HeaderBearerToken, "Authorization"} {
		if r.Header.Get(h) != "" {
			return false
		}
	}
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err == nil && (mt == "text/html" || mt == "application/xhtml+xml") {
			return true
		}
	}
	return false
}
