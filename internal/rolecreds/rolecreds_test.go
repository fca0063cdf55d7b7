package rolecreds

import (
	"testing"

	"github.com/ssooidc/ssooidc/internal/sso"
)

func TestRoleARN(t *testing.T) {
	ps := sso.PermissionSet{Name: "DataEngineer", RoleSuffix: "0123456789abcdef"}
	acct := sso.Account{ID: "111111111111"}
	for _, c := range []struct {
		cfg  Config
		acct sso.Account
		want string
	}{
		{Config{}, acct, "arn:aws:iam::111111111111:role/DataEngineer"},
		{Config{RoleNames: RoleNamesIdentityCenter, HomeRegion: "eu-west-2"}, acct,
			"arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/eu-west-2/AWSReservedSSO_DataEngineer_0123456789abcdef"},
		{Config{RoleNames: RoleNamesIdentityCenter}, sso.Account{ID: "111111111111", RoleARN: "arn:aws:iam::{account_id}:role/legacy/{role_name}"},
			"arn:aws:iam::111111111111:role/legacy/AWSReservedSSO_DataEngineer_0123456789abcdef"},
		{Config{}, sso.Account{ID: "111111111111", RoleARN: "arn:aws:iam::{account_id}:role/sso-{permission_set}"},
			"arn:aws:iam::111111111111:role/sso-DataEngineer"},
	} {
		if got := New(c.cfg).RoleARN(c.acct, ps); got != c.want {
			t.Errorf("%+v: %s, want %s", c.cfg, got, c.want)
		}
	}
	if CheckRoleNames("aws") == nil || CheckRoleNames(RoleNamesIdentityCenter) != nil {
		t.Error("CheckRoleNames")
	}
}
