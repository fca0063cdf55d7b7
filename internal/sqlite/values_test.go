package sqlite

import (
	"encoding/json"
	"slices"
	"testing"
)

// TestStrList: the hand-written JSON of plain lists is what encoding/json
// writes, and every list, plain or not, comes back as it went in.
func TestStrList(t *testing.T) {
	for _, l := range [][]string{
		nil,
		{"openid"},
		{"sso:account:access", "codewhisperer:completions", "a b", "x:y/z?q=1"},
		{`quo"te`, `back\slash`, "tab\t", "<html>&", "ünï", "", "a,b", "]", "["},
		{"", ""},
	} {
		v, err := strList(l).Value()
		if err != nil {
			t.Fatal(err)
		}
		want := "[]"
		if len(l) > 0 {
			b, _ := json.Marshal(l)
			want = string(b)
		}
		if v != want {
			t.Errorf("%q: stored %s, want %s", l, v, want)
		}
		var got strList
		if err := got.Scan(v); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, strList(l)) || (len(l) == 0) != (got == nil) {
			t.Errorf("%q: came back %q", l, got)
		}
	}
	// Hand-edited or foreign JSON still reads, through encoding/json.
	for in, want := range map[string][]string{
		`[ "a" , "b" ]`: {"a", "b"},
		`["a\u0062"]`:   {"ab"},
		`[]`:            nil,
	} {
		var got strList
		if err := got.Scan(in); err != nil || !slices.Equal(got, strList(want)) {
			t.Errorf("%s: %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{`["a"`, `["a",]`, `[1]`, `x`, `["a""b"]`} {
		var got strList
		if err := got.Scan(bad); err == nil {
			t.Errorf("%s: accepted as %q", bad, got)
		}
	}
}
