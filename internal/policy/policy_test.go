package policy

import (
	"testing"

	"github.com/ssooidc/ssooidc/internal/sigv4"
)

func TestAllowed(t *testing.T) {
	p, err := New([]sigv4.Principal{
		{ARN: "arn:aws:iam::111111111111:role/admin", Allow: []string{"identitystore:*", "sso:List*", "sso:Describe?nstance"}},
		{ARN: "arn:aws:iam::111111111111:role/app"},
		{ARN: "arn:aws:iam::111111111111:role/nothing", Allow: []string{}},
		{ARN: "arn:aws:iam::111111111111:role/all", Allow: []string{"*"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		arn, action string
		ok          bool
	}{
		{"arn:aws:iam::111111111111:role/admin", "identitystore:CreateUser", true},
		{"arn:aws:iam::111111111111:role/admin", "IdentityStore:createuser", true},
		{"arn:aws:iam::111111111111:role/admin", "sso:ListInstances", true},
		{"arn:aws:iam::111111111111:role/admin", "sso:DescribeInstance", true},
		{"arn:aws:iam::111111111111:role/admin", "sso:CreatePermissionSet", false},
		{"arn:aws:iam::111111111111:role/admin", "sso-oauth:CreateTokenWithIAM", false},
		{"arn:aws:iam::111111111111:role/admin", "identitystoreX:CreateUser", false},
		{"arn:aws:iam::111111111111:role/app", "sso-oauth:CreateTokenWithIAM", true},
		{"arn:aws:iam::111111111111:role/app", "identitystore:ListUsers", false},
		{"arn:aws:iam::111111111111:role/nothing", "sso-oauth:CreateTokenWithIAM", false},
		{"arn:aws:iam::111111111111:role/all", "sso:DeleteInstance", true},
		{"arn:aws:iam::222222222222:role/unknown", "identitystore:ListUsers", false},
	} {
		if got := p.Allowed(c.arn, c.action); got != c.ok {
			t.Errorf("Allowed(%s, %s) = %v, want %v", c.arn, c.action, got, c.ok)
		}
	}
	for _, bad := range []string{"identitystore", "identitystore:Create User", "a:b:c", ".*", "identitystore:(x)"} {
		if _, err := New([]sigv4.Principal{{ARN: "x", Allow: []string{bad}}}); err == nil {
			t.Errorf("allow entry %q accepted", bad)
		}
	}
}
