package httpapi

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/wire"
)

func TestDecodeStrict(t *testing.T) {
	for _, tc := range []struct {
		body, msg string
	}{
		{`{"clientName":"a","clientName":"b"}`, `the member "clientName" more than once`},
		{`{"clientname":"a"}`, `did you mean "clientName"?`},
		{`{"CLIENTNAME":"a","clientType":"public"}`, `did you mean "clientName"?`},
		{`{"clientName":1}`, "member clientName must not be a JSON number"},
		{`{"scopes":[1]}`, "member scopes must not be a JSON number"},
		{`[]`, "must be a JSON object"},
		{"{\"clientName\":\"\xff\"}", "not valid JSON"},
		{`{"clientName":"a"} {}`, "not valid JSON"},
		{`{"clientName":"a",}`, "not valid JSON (at byte"},
	} {
		var req wire.RegisterClientRequest
		err := decodeBytes([]byte(tc.body), &req)
		if sso.CodeOf(err) != sso.CodeInvalidRequest || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: %v, want InvalidRequest saying %q", tc.body, err, tc.msg)
		}
	}
	var req wire.RegisterClientRequest
	if err := decodeBytes([]byte(`{"clientName":"a","clientType":"public","future":{"x":[1,{"y":null}]},"entitledApplicationArn":null}`), &req); err != nil ||
		*req.ClientName != "a" {
		t.Fatalf("unknown members must be ignored: %v", err)
	}
	if err := decodeBytes([]byte(" \n\t"), &req); err != nil {
		t.Fatalf("a blank body is {}: %v", err)
	}
}

// FuzzDecode: any body decodes or fails with InvalidRequest, never a
// panic; what decodes re-encodes to a body that decodes to the same.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"clientName":"botocore-client-dev","clientType":"public","scopes":["sso:account:access"]}`,
		`{"clientId":"a","clientSecret":"b","grantType":"refresh_token","refreshToken":"r","scope":["x"]}`,
		`{"clientName":"a","clientName":"b"}`, `{"clientname":"a"}`, `[]`, `null`, ``, `{"a":{"b":[[[]]]}}`,
		"{\"clientName\":\"\xff\"}", `{"clientName":"\ud800"}`, `{"clientName":1e999}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, v := range []any{&wire.RegisterClientRequest{}, &wire.CreateTokenRequest{}, &wire.StartDeviceAuthorizationRequest{},
			&wire.CreateTokenWithIAMRequest{}} {
			err := decodeBytes(body, v)
			if err != nil {
				if sso.CodeOf(err) != sso.CodeInvalidRequest {
					t.Fatalf("%q: %v is not InvalidRequest", body, err)
				}
				continue
			}
			// Nothing in the wrong case got through.
			var top map[string]json.RawMessage
			if json.Unmarshal(body, &top) == nil {
				known := memberNames(reflect.TypeOf(v).Elem())
				for name := range top {
					if _, folds := known.folded[strings.ToLower(name)]; folds && !known.exact[name] {
						t.Fatalf("%q decoded with the member %q in the wrong case", body, name)
					}
				}
			}
			again, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			if !utf8.Valid(again) {
				t.Fatalf("%q decoded to invalid UTF-8", body)
			}
			w := newLike(v)
			if err := decodeBytes(again, w); err != nil {
				t.Fatalf("%q decoded, but its re-encoding %s does not: %v", body, again, err)
			}
			if b, _ := json.Marshal(w); string(b) != string(again) {
				t.Fatalf("%q: %s then %s", body, again, b)
			}
		}
	})
}

func newLike(v any) any {
	switch v.(type) {
	case *wire.RegisterClientRequest:
		return &wire.RegisterClientRequest{}
	case *wire.CreateTokenRequest:
		return &wire.CreateTokenRequest{}
	case *wire.StartDeviceAuthorizationRequest:
		return &wire.StartDeviceAuthorizationRequest{}
	}
	return &wire.CreateTokenWithIAMRequest{}
}
