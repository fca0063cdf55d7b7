package web

import (
	"context"
	"net/http"
	"strings"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// requestContext is r's context with the client address (IPv6: its /64)
// and the User-Agent: a browser session started by the request keeps
// them (the Security page shows them), and audit events name the address.
func (h *Handler) requestContext(r *http.Request) context.Context {
	ctx := sso.WithAddress(r.Context(), sso.AddressBucket(h.clientAddr(r)))
	return sso.WithUserAgent(ctx, r.UserAgent())
}

// startAgain is where an error page sends a person to start over: the
// beginning of the flow the failed request belonged to. A failed
// /authorize has no page of ours to start from (its application starts
// it), so it offers the portal when there is one, and no link otherwise.
func (h *Handler) startAgain(r *http.Request) (link, text string) {
	p := r.URL.Path
	switch {
	case strings.HasPrefix(p, "/authorize"):
		if h.portal != nil {
			return startPath, "Go to your AWS access portal"
		}
		return "", ""
	case strings.HasPrefix(p, securityPath) && h.security != nil:
		return securityPath, "Back to Security"
	case (strings.HasPrefix(p, startPath) || h.isStartPath(p)) && h.portal != nil:
		return startPath, "Back to your accounts"
	}
	return "/device", "Start again"
}

// startAgainLink is startAgain's link, or the code entry page.
func (h *Handler) startAgainLink(r *http.Request) string {
	if link, _ := h.startAgain(r); link != "" {
		return link
	}
	return "/device"
}

func (h *Handler) isStartPath(p string) bool {
	for _, s := range h.startPaths {
		if p == s {
			return true
		}
	}
	return false
}
