package oidc

import (
	"slices"
	"testing"
)

// TestLookup: claim paths go down nested objects; a claim name with dots
// (a URL, as Auth0 and Okta custom claims are named) is found whole.
func TestLookup(t *testing.T) {
	claims := map[string]any{
		"groups":                        []any{"a"},
		"realm_access":                  map[string]any{"roles": []any{"admin", "dev"}},
		"https://example.com/groups":    []any{"x"},
		"resource_access":               map[string]any{"my.client": map[string]any{"roles": []any{"r1"}}},
		"email_verified_as_string":      "true",
		"https://example.com/nested.ok": map[string]any{"v": "deep"},
	}
	for _, tc := range []struct {
		path string
		want any
		ok   bool
	}{
		{"groups", []any{"a"}, true},
		{"realm_access.roles", []any{"admin", "dev"}, true},
		{"https://example.com/groups", []any{"x"}, true},
		{"resource_access.my.client.roles", []any{"r1"}, true},
		{"https://example.com/nested.ok.v", "deep", true},
		{"realm_access.missing", nil, false},
		{"nothing", nil, false},
	} {
		got, ok := lookup(claims, tc.path)
		if ok != tc.ok || (ok && !equal(got, tc.want)) {
			t.Errorf("lookup(%q) = %v, %v; want %v, %v", tc.path, got, ok, tc.want, tc.ok)
		}
	}
	if b, err := boolClaim(claims, "email_verified_as_string"); !b || err != nil {
		t.Errorf("a \"true\" string is true: %v %v", b, err)
	}
	if _, err := boolClaim(map[string]any{"v": 1.0}, "v"); err == nil {
		t.Error("a number is not a boolean")
	}
	if l, err := stringList("one"); err != nil || !slices.Equal(l, []string{"one"}) {
		t.Errorf("one string is a list of one: %v %v", l, err)
	}
	if _, err := stringList([]any{"a", 2.0}); err == nil {
		t.Error("a list with a number is refused")
	}
}

func equal(a, b any) bool {
	la, oka := a.([]any)
	lb, okb := b.([]any)
	if oka && okb {
		return slices.Equal(la, lb)
	}
	return a == b
}

// TestNewRefusesUnsafeAlgorithms: none, HMAC and unknown algorithms
// cannot be configured.
func TestNewRefusesUnsafeAlgorithms(t *testing.T) {
	for _, alg := range []string{"none", "HS256", "HS512", "XYZ"} {
		if _, err := New(Config{Issuer: "https://idp.example", ClientID: "c", RedirectURL: "https://sp.example/cb",
			SigningAlgorithms: []string{alg}}); err == nil {
			t.Errorf("signing algorithm %s was accepted", alg)
		}
	}
	for _, bad := range []string{"ftp://idp.example", "https://idp.example?x=1", "not a url"} {
		if _, err := New(Config{Issuer: bad, ClientID: "c", RedirectURL: "https://sp.example/cb"}); err == nil {
			t.Errorf("issuer %q was accepted", bad)
		}
	}
}
