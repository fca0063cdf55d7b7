package access

import (
	"encoding/base64"
	"sort"
	"testing"

	"github.com/ssooidc/ssooidc/internal/sso"
)

func TestPage(t *testing.T) {
	keys := []string{"111111111111", "222222222222", "333333333333"}
	enc := base64.RawURLEncoding.EncodeToString
	got, next, err := page(keys, "", 2, sso.ValidAccountID)
	if err != nil || len(got) != 2 || next != enc([]byte("222222222222")) {
		t.Fatalf("first page: %v %q %v", got, next, err)
	}
	got, next, err = page(keys, next, 2, sso.ValidAccountID)
	if err != nil || len(got) != 1 || got[0] != "333333333333" || next != "" {
		t.Fatalf("second page: %v %q %v", got, next, err)
	}
	// A token of a key that no longer exists still pages on from it.
	got, _, err = page(keys, enc([]byte("150000000000")), 5, sso.ValidAccountID)
	if err != nil || len(got) != 2 {
		t.Fatalf("page after a deleted key: %v %v", got, err)
	}
	for _, bad := range []string{"AAAA", "!!!!", enc([]byte("../x")), enc([]byte("22222222222")), enc([]byte("222222222222")) + "=",
		"MjIyMjIyMjIyMjIy=", enc([]byte("ReadOnly"))} {
		if _, _, err := page(keys, bad, 5, sso.ValidAccountID); sso.CodeOf(err) != sso.CodeInvalidRequest {
			t.Errorf("next_token %q: %v, want InvalidRequest", bad, err)
		}
	}
	if _, _, err := page(keys, "UmVhZE9ubHl", 5, permissionSetPattern.MatchString); sso.CodeOf(err) != sso.CodeInvalidRequest {
		t.Errorf("a non-canonical encoding of a valid name: %v", err)
	}
	if got, _, err := page([]string{"Admin", "ReadOnly"}, enc([]byte("Admin")), 5, permissionSetPattern.MatchString); err != nil || len(got) != 1 {
		t.Errorf("roles after Admin: %v %v", got, err)
	}
}

// FuzzNextToken: any next_token pages on after a valid key or is
// InvalidRequest, never a panic; a page holds only keys after the token's
// and the token it returns is one this function accepts.
func FuzzNextToken(f *testing.F) {
	for _, s := range []string{"", "AAAA", "MjIyMjIyMjIyMjIy", "MTExMTExMTExMTEx", "UmVhZE9ubHk", "UmVhZE9ubHl", "!", "====", "MjIyMjIyMjIyMjIy="} {
		f.Add(s, 2)
	}
	keys := []string{"111111111111", "222222222222", "333333333333", "444444444444"}
	f.Fuzz(func(t *testing.T, next string, max int) {
		got, token, err := page(keys, next, max, sso.ValidAccountID)
		if err != nil {
			if sso.CodeOf(err) != sso.CodeInvalidRequest {
				t.Fatalf("%q: %v", next, err)
			}
			return
		}
		if next != "" {
			after, _ := base64.RawURLEncoding.DecodeString(next)
			if !sso.ValidAccountID(string(after)) || base64.RawURLEncoding.EncodeToString(after) != next {
				t.Fatalf("accepted next_token %q", next)
			}
			for _, k := range got {
				if k <= string(after) {
					t.Fatalf("next_token %q gave %q", next, k)
				}
			}
		}
		if !sort.StringsAreSorted(got) || len(got) > max && max != 0 {
			t.Fatalf("page %v for max %d", got, max)
		}
		if token != "" {
			if _, _, err := page(keys, token, max, sso.ValidAccountID); err != nil {
				t.Fatalf("returned token %q is refused: %v", token, err)
			}
		}
	})
}
