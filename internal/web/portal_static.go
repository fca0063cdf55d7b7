package web

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"net/http"
	"strings"
)

// The portal's one script (static/portal.js): copy buttons and the live
// account filter. Served from the package under a name that holds its
// hash, like the stylesheet, and allowed by the portal pages' CSP only.

//go:embed static/portal.js
var scriptBytes []byte

var (
	scriptHash = func() string { s := sha256.Sum256(scriptBytes); return hex.EncodeToString(s[:6]) }()
	scriptName = "portal." + scriptHash + ".js"
	scriptPath = "/static/js/" + scriptName
)

// scriptCSP is the pages' policy with the page's own script allowed: the
// script file, never inline script (no 'unsafe-inline', no hashes needed).
var scriptCSP = strings.Replace(contentSecurityPolicy, "default-src 'none';", "default-src 'none'; script-src 'self';", 1)

// setScriptCSP allows the portal's script on this response.
func setScriptCSP(w http.ResponseWriter) {
	w.Header().Set("Content-Security-Policy", scriptCSP)
}

// script serves the portal's script under its content-hashed name.
func (h *Handler) script() http.Handler {
	return hashedFile{name: scriptName, hash: scriptHash, contentType: "text/javascript; charset=utf-8", body: scriptBytes}
}

// hashedFile is an embedded file served under a name that holds its
// hash, so it can be cached for a year: a new version has a new name.
// Any other name under its route is not found.
type hashedFile struct {
	name, hash, contentType string
	body                    []byte
}

func (f hashedFile) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	securityHeaders(w)
	if r.PathValue("name") != f.name {
		w.Header().Set("Cache-Control", "no-store")
		http.Error(w, "404 page not found", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", f.contentType)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("ETag", `"`+f.hash+`"`)
	if r.Header.Get("If-None-Match") == `"`+f.hash+`"` {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	_, _ = w.Write(f.body)
}
