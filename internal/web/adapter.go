package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/ssooidc/ssooidc/internal/accesslog"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// handlerFunc is a page handler: it writes a page, or returns an error for
// the one adapter (serve) to turn into a page.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// maxFormBytes bounds a form body. The largest form (sign-in) is a few
// hundred bytes.
const maxFormBytes = 16 << 10

// contentSecurityPolicy allows the page's own stylesheet, images from the
// page's origin and data: URLs (the favicon), forms posting to the page's
// origin, and nothing else: no script, no frame, no plugin, no base
// rewrite. frame-ancestors 'none' is the anti-framing half (RFC 9700
// section 4.16); X-Frame-Options covers browsers that predate it.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self' data:; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// securityHeaders are set on every response of the package.
func securityHeaders(w http.ResponseWriter) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", contentSecurityPolicy)
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	hd.Set("Cross-Origin-Resource-Policy", "same-origin")
}

// page adapts a GET handler.
func (h *Handler) page(f handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		securityHeaders(w)
		w.Header().Set("Cache-Control", "no-store")
		h.serve(w, r, f)
	})
}

// form adapts a POST handler: cross-origin requests are refused before it
// runs (http.CrossOriginProtection, with Sec-Fetch-Site and Origin), and
// its body is bounded and parsed.
func (h *Handler) form(f handlerFunc) http.Handler {
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := r.ParseForm(); err != nil {
			h.fail(w, r, userError(http.StatusBadRequest, msgBadForm, err))
			return
		}
		h.serve(w, r, f)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		securityHeaders(w)
		w.Header().Set("Cache-Control", "no-store")
		h.csrf.Handler(inner).ServeHTTP(w, r)
	})
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request, f handlerFunc) {
	r = h.who(r) // the person and the address (and browser) of the request: actor and audit address, what a session records
	if err := f(w, r); err != nil {
		h.fail(w, r, err)
	}
}

// signedIn is the session a request came with, resolved once by who.
type signedIn struct {
	u   sso.User
	ok  bool
	err error
}

type signedInKey struct{}

// who names, for the audit trail, the client address of r and, when r
// carries a session cookie, the signed-in person as the actor of what
// the request changes (issue 19). The session is looked up here once;
// currentUser answers from what this found.
func (h *Handler) who(r *http.Request) *http.Request {
	ctx := h.requestContext(r) // address and User-Agent (portal_request.go)
	if h.sessionCookie(r) != "" {
		var s signedIn
		s.u, s.ok, s.err = h.currentUser(r)
		if s.ok {
			ctx = sso.WithActor(ctx, sso.Actor{Type: sso.ActorUser, ID: s.u.ID, Name: s.u.Name})
		}
		ctx = context.WithValue(ctx, signedInKey{}, s)
	}
	return r.WithContext(ctx)
}

// pageError is a failure with a page to show: a status, a heading and a
// message fit for the person. The cause is for the log.
type pageError struct {
	status  int
	heading string
	message string
	err     error
	// link is where the page's one link goes, with its text; "" for the
	// default of the page's flow (startAgain).
	link, linkText string
}

func (e *pageError) Error() string {
	if e.err != nil {
		return e.message + ": " + e.err.Error()
	}
	return e.message
}

func (e *pageError) Unwrap() error { return e.err }

func userError(status int, message string, err error) error {
	return &pageError{status: status, heading: "Something is not right", message: message, err: err}
}

// fail is the one place a handler error becomes a response. An error that
// is not a *pageError below 500 is internal: it is logged once, here, and
// the person sees a fixed message, never its text.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var pe *pageError
	if r.Context().Err() != nil && errors.Is(err, context.Canceled) {
		// The browser went away while a store call ran: nothing of ours
		// failed. One debug line, never an error.
		h.log.DebugContext(r.Context(), "request abandoned", slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.String("error", err.Error()))
		pe = &pageError{status: http.StatusBadRequest, heading: "Request abandoned", message: "The request was not complete."}
	} else if !errors.As(err, &pe) || pe.status >= 500 {
		// The path only: queries carry user codes.
		h.log.ErrorContext(r.Context(), "web request failed",
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.String("request_id", accesslog.RequestID(r.Context())), slog.String("error", err.Error()))
		pe = &pageError{status: http.StatusInternalServerError, heading: "Something went wrong",
			message: "The server could not complete this request. Try again in a moment."}
	}
	link, text := pe.link, pe.linkText
	if link == "" {
		link, text = h.startAgain(r)
	}
	h.render(w, r, pe.status, tmplMessage, view{
		Title: pe.heading, Heading: pe.heading, Message: pe.message, Tone: "error",
		Link: link, LinkText: text,
	})
}

// crossOrigin answers a POST that CrossOriginProtection refused.
func (h *Handler) crossOrigin(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusForbidden, tmplMessage, view{
		Title: "Request blocked", Heading: "Request blocked", Tone: "error",
		Message: "This form was sent from another site, so it was not accepted. " +
			"Open the page yourself and try again.",
		Link: h.startAgainLink(r), LinkText: "Open the page",
	})
}

// setRetryAfter sends err's RetryAfter, if it has one, as Retry-After
// (RFC 9110 section 10.2.3) on a 429 page.
func setRetryAfter(w http.ResponseWriter, err error) {
	if n := sso.RetryAfterSeconds(err); n > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(n))
	}
}

// clientAddr is the IP address (no port) that throttles count under (see
// clientaddr.Resolver).
func (h *Handler) clientAddr(r *http.Request) string { return h.addrs.Of(r) }

// static serves the embedded stylesheet under its content-hashed name, so
// it can be cached for a year: a new stylesheet has a new name.
func (h *Handler) static() http.Handler {
	return hashedFile{name: cssName, hash: cssHash, contentType: "text/css; charset=utf-8", body: cssBytes} // portal_static.go
}
