package scim

import (
	"encoding/json"
	"testing"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// FuzzFilter: any filter string parses to terms or a SCIM error, never a
// panic or another error.
func FuzzFilter(f *testing.F) {
	for _, s := range []string{`userName eq "a"`, `externalId eq "1" and userName eq "b"`, `members[value eq "x"]`,
		`emails[type eq "work" and value co "@"]`, `not (a eq "b")`, `a eq 1`, `((((`, `userName eq "\"`, ``} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		terms, err := parseFilter(s)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("parseFilter(%q): %T %v", s, err, err)
			}
			return
		}
		for _, tm := range terms {
			if tm.attr == "" {
				t.Fatalf("parseFilter(%q): a term without an attribute", s)
			}
		}
	})
}

// FuzzPatchUser: any PATCH path and value leaves a user or a client
// error, never a panic or an internal error.
func FuzzPatchUser(f *testing.F) {
	for _, c := range [][2]string{{`emails[type eq "work"].value`, `"a@b"`}, {`name.givenName`, `"x"`},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager`, `{"value":"m"}`}, {`active`, `"False"`},
		{``, `{"name":{"familyName":"f"},"emails":[{"value":"v"}]}`}, {`addresses[type eq "work"]`, `{"locality":"x"}`}} {
		f.Add("replace", c[0], c[1])
		f.Add("add", c[0], c[1])
		f.Add("remove", c[0], "")
	}
	h := New(Options{IdentityStoreID: "d-1234567890"})
	f.Fuzz(func(t *testing.T, op, path, value string) {
		u := sso.User{Name: "a", DisplayName: "A", Profile: sso.UserProfile{Name: &sso.PersonName{GivenName: "g", FamilyName: "f"}}}
		var v json.RawMessage
		if json.Valid([]byte(value)) {
			v = json.RawMessage(value)
		}
		err := h.patchUserOp(&u, patchOp{Op: op, Path: path, Value: v})
		if err != nil && toSCIM(err).Status >= 500 {
			t.Fatalf("%s %q %q: %v", op, path, value, err)
		}
	})
}
