package oidc

import (
	"errors"
	"fmt"
	"strings"

	gooidc "github.com/coreos/go-oidc/v3/oidc"

	"github.com/ssooidc/ssooidc/internal/upstream"
)

// identity maps a verified ID token's claims to the person.
func (c *Connector) identity(idt *gooidc.IDToken, claims map[string]any) (upstream.Identity, error) {
	cl, name := c.cfg.Claims, c.cfg.Name
	idn := upstream.Identity{Issuer: idt.Issuer, Subject: idt.Subject}
	var err error
	str := func(path string) string {
		if err != nil {
			return ""
		}
		var s string
		s, err = stringClaim(claims, path)
		return s
	}
	idn.UserName = str(cl.UserName)
	idn.Email = str(cl.Email)
	idn.DisplayName = str(cl.DisplayName)
	if err != nil {
		return upstream.Identity{}, refuseClaims(name, err)
	}
	if idn.UserName == "" && cl.UserName == "preferred_username" {
		// preferred_username is optional (OpenID Connect Core 5.1); the
		// email is the next best name a person recognizes.
		idn.UserName = idn.Email
	}
	if c.cfg.RequireVerifiedEmail {
		ok, err := boolClaim(claims, cl.EmailVerified)
		if err != nil {
			return upstream.Identity{}, refuseClaims(name, err)
		}
		if !ok {
			return upstream.Identity{}, upstream.Refuse("email_unverified",
				fmt.Sprintf("%s has not verified your email address. Verify it there, then sign in again.", name),
				fmt.Errorf("%s is not true", cl.EmailVerified))
		}
	}
	if cl.Groups == "-" {
		return idn, nil
	}
	idn.GroupsManaged = true
	v, found := lookup(claims, cl.Groups)
	if !found {
		// Entra ID sends no groups but a distributed claim (OpenID Connect
		// Core 5.6.2) when a person has more than it puts in a token;
		// taking that as "no groups" would drop every membership.
		if names, ok := claims["_claim_names"].(map[string]any); ok && names[cl.Groups] != nil {
			return upstream.Identity{}, upstream.Refuse("groups_overage",
				fmt.Sprintf("%s did not list your groups in the sign-in (you are in too many). Ask your administrator to send only the groups this service uses.", name),
				fmt.Errorf("claim %q is a distributed claim (_claim_names)", cl.Groups))
		}
		return idn, nil
	}
	if idn.Groups, err = stringList(v); err != nil {
		return upstream.Identity{}, refuseClaims(name, fmt.Errorf("claim %q: %w", cl.Groups, err))
	}
	return idn, nil
}

func refuseClaims(name string, cause error) error {
	return upstream.Refuse("bad_claims",
		fmt.Sprintf("%s sent details in a form this service does not understand. Ask your administrator to check the claim settings.", name), cause)
}

// lookup finds the claim at path. A key that holds the rest of the path
// whole wins (claim names may be URLs with dots); otherwise the path goes
// down one object per dot.
func lookup(claims map[string]any, path string) (any, bool) {
	if v, ok := claims[path]; ok {
		return v, true
	}
	for i := 0; i < len(path); i++ {
		if path[i] != '.' {
			continue
		}
		if inner, ok := claims[path[:i]].(map[string]any); ok {
			if v, ok := lookup(inner, path[i+1:]); ok {
				return v, true
			}
		}
	}
	return nil, false
}

// stringClaim returns the string claim at path ("" when absent).
func stringClaim(claims map[string]any, path string) (string, error) {
	v, ok := lookup(claims, path)
	if !ok || v == nil {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("claim %q is a %T, not a string", path, v)
	}
	return strings.TrimSpace(s), nil
}

// boolClaim returns the boolean claim at path: true, or the string "true"
// (some providers send booleans as strings), is true; absent is false.
func boolClaim(claims map[string]any, path string) (bool, error) {
	v, ok := lookup(claims, path)
	if !ok || v == nil {
		return false, nil
	}
	switch b := v.(type) {
	case bool:
		return b, nil
	case string:
		return strings.EqualFold(b, "true"), nil
	}
	return false, fmt.Errorf("claim %q is a %T, not a boolean", path, v)
}

// stringList reads a list of strings, or one string as a list of one.
func stringList(v any) ([]string, error) {
	switch l := v.(type) {
	case nil:
		return nil, nil
	case string:
		return []string{l}, nil
	case []any:
		out := make([]string, 0, len(l))
		for _, e := range l {
			s, ok := e.(string)
			if !ok {
				return nil, errors.New("a list with something other than strings")
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, fmt.Errorf("a %T, not a list of strings", v)
}
