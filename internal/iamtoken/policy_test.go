package iamtoken

import (
	"maps"
	"slices"
	"testing"
)

func TestParseActorPolicy(t *testing.T) {
	for name, c := range map[string]struct {
		doc    string
		want   []string
		anyone bool
	}{
		"one role": {`{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/app"},
			"Action":"sso-oauth:CreateTokenWithIAM","Resource":"*"}}`, []string{"arn:aws:iam::123456789012:role/app"}, false},
		"accounts and root": {`{"Statement":[{"Effect":"Allow","Principal":{"AWS":["111111111111","arn:aws:iam::222222222222:root"]},
			"Action":["sso-oauth:*"]}]}`, []string{"111111111111", "222222222222"}, false},
		"deny wins": {`{"Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::1:role/a","arn:aws:iam::1:role/b"]},"Action":"*"},
			{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::1:role/b"},"Action":"sso-oauth:CreateTokenWithIAM"}]}`,
			[]string{"arn:aws:iam::1:role/a"}, false},
		"another action": {`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1:role/a"},"Action":"s3:GetObject"}]}`, nil, false},
		"everyone":       {`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sso-oauth:CreateTokenWithIAM"}]}`, nil, true},
		"empty":          {``, nil, false},
	} {
		p, err := ParseActorPolicy([]byte(c.doc))
		got := slices.Sorted(maps.Keys(p.Principals))
		if err != nil || !slices.Equal(got, c.want) && !(len(got) == 0 && len(c.want) == 0) || p.Anyone != c.anyone {
			t.Errorf("%s: %v anyone %v, %v; want %v anyone %v", name, got, p.Anyone, err, c.want, c.anyone)
		}
	}
	for name, doc := range map[string]string{
		"not JSON":          `{`,
		"bad effect":        `{"Statement":[{"Effect":"Maybe","Principal":"*","Action":"*"}]}`,
		"principal number":  `{"Statement":[{"Effect":"Allow","Principal":{"AWS":5},"Action":"*"}]}`,
		"principal name":    `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"alice"},"Action":"*"}]}`,
		"statement number":  `{"Statement":5}`,
		"action number":     `{"Statement":[{"Effect":"Allow","Principal":"*","Action":5}]}`,
		"service principal": `{"Statement":[{"Effect":"Allow","Principal":{"Service":"x"},"Action":"*"}]}`,
	} {
		if _, err := ParseActorPolicy([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// FuzzParseActorPolicy: any document is read or refused, never panics.
func FuzzParseActorPolicy(f *testing.F) {
	f.Add(`{"Statement":[{"Effect":"Allow","Principal":{"AWS":["111111111111"]},"Action":"*"}]}`)
	f.Add(`{"Statement":{"Effect":"Deny","Principal":"*","Action":["sso-oauth:*"]}}`)
	f.Fuzz(func(t *testing.T, doc string) { _, _ = ParseActorPolicy([]byte(doc)) })
}
