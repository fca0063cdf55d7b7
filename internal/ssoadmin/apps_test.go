package ssoadmin_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sa "github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin/document"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	awsoidc "github.com/aws/aws-sdk-go-v2/service/ssooidc"

	"github.com/ssooidc/ssooidc/internal/iamtoken"
	"github.com/ssooidc/ssooidc/internal/iamtoken/issuertest"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// app is an application made through the API for the tests, with a
// trusted token issuer running on loopback.
type app struct {
	arn, issuer string
	iss         *issuertest.Issuer
}

func (e *env) application(t *testing.T, principals ...string) app {
	t.Helper()
	ctx := context.Background()
	iss := issuertest.New(t)
	created := must[*sa.CreateApplicationOutput](t, "CreateApplication")(e.c.CreateApplication(ctx, &sa.CreateApplicationInput{
		InstanceArn: aws.String(e.inst), ApplicationProviderArn: aws.String(iamtoken.CustomProviderARN), Name: aws.String("Data portal"),
		Description: aws.String("The team's data portal"), ClientToken: aws.String("create-data-portal-1"),
		PortalOptions: &types.PortalOptions{Visibility: types.ApplicationVisibilityEnabled,
			SignInOptions: &types.SignInOptions{Origin: types.SignInOriginApplication, ApplicationUrl: aws.String("https://data.example.com/")}},
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("data")}},
	}))
	tti := must[*sa.CreateTrustedTokenIssuerOutput](t, "CreateTrustedTokenIssuer")(e.c.CreateTrustedTokenIssuer(ctx, &sa.CreateTrustedTokenIssuerInput{
		InstanceArn: aws.String(e.inst), Name: aws.String("corp-idp"), TrustedTokenIssuerType: types.TrustedTokenIssuerTypeOidcJwt,
		TrustedTokenIssuerConfiguration: &types.TrustedTokenIssuerConfigurationMemberOidcJwtConfiguration{Value: types.OidcJwtConfiguration{
			IssuerUrl: aws.String(iss.URL), ClaimAttributePath: aws.String("email"), IdentityStoreAttributePath: aws.String("emails.value"),
			JwksRetrievalOption: types.JwksRetrievalOptionOpenIdDiscovery}},
	}))
	arn := created.ApplicationArn
	for _, g := range []struct {
		typ   types.GrantType
		grant types.Grant
	}{
		{types.GrantTypeJwtBearer, &types.GrantMemberJwtBearer{Value: types.JwtBearerGrant{AuthorizedTokenIssuers: []types.AuthorizedTokenIssuer{
			{TrustedTokenIssuerArn: tti.TrustedTokenIssuerArn, AuthorizedAudiences: []string{"data-portal"}}}}}},
		{types.GrantTypeRefreshToken, &types.GrantMemberRefreshToken{}},
	} {
		must[*sa.PutApplicationGrantOutput](t, "PutApplicationGrant")(e.c.PutApplicationGrant(ctx, &sa.PutApplicationGrantInput{
			ApplicationArn: arn, GrantType: g.typ, Grant: g.grant}))
	}
	must[*sa.PutApplicationAccessScopeOutput](t, "PutApplicationAccessScope")(e.c.PutApplicationAccessScope(ctx, &sa.PutApplicationAccessScopeInput{
		ApplicationArn: arn, Scope: aws.String("data:read")}))
	policy := map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{"Effect": "Allow",
		"Principal": map[string]any{"AWS": principals}, "Action": "sso-oauth:CreateTokenWithIAM", "Resource": "*"}}}
	must[*sa.PutApplicationAuthenticationMethodOutput](t, "PutApplicationAuthenticationMethod")(e.c.PutApplicationAuthenticationMethod(ctx,
		&sa.PutApplicationAuthenticationMethodInput{ApplicationArn: arn, AuthenticationMethodType: types.AuthenticationMethodTypeIam,
			AuthenticationMethod: &types.AuthenticationMethodMemberIam{Value: types.IamAuthenticationMethod{ActorPolicy: document.NewLazyDocument(policy)}}}))
	return app{arn: *arn, issuer: *tti.TrustedTokenIssuerArn, iss: iss}
}

func TestApplications(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.application(t, admin.ARN)
	arn := aws.String(a.arn)
	again := must[*sa.CreateApplicationOutput](t, "CreateApplication retried")(e.c.CreateApplication(ctx, &sa.CreateApplicationInput{
		InstanceArn: aws.String(e.inst), ApplicationProviderArn: aws.String(iamtoken.CustomProviderARN), Name: aws.String("Data portal"),
		ClientToken: aws.String("create-data-portal-1")}))
	if *again.ApplicationArn != a.arn {
		t.Errorf("a retry with the same client token made another application: %s", *again.ApplicationArn)
	}
	d := must[*sa.DescribeApplicationOutput](t, "DescribeApplication")(e.c.DescribeApplication(ctx, &sa.DescribeApplicationInput{ApplicationArn: arn}))
	if *d.Name != "Data portal" || d.Status != types.ApplicationStatusEnabled || *d.InstanceArn != e.inst || *d.ApplicationAccount != admin.Account ||
		*d.PortalOptions.SignInOptions.ApplicationUrl != "https://data.example.com/" || *d.CreatedFrom != "us-east-1" {
		t.Errorf("described %+v", d)
	}
	list := must[*sa.ListApplicationsOutput](t, "ListApplications")(e.c.ListApplications(ctx, &sa.ListApplicationsInput{InstanceArn: aws.String(e.inst)}))
	if len(list.Applications) != 1 || *list.Applications[0].ApplicationArn != a.arn {
		t.Errorf("listed %+v", list.Applications)
	}
	provs := must[*sa.ListApplicationProvidersOutput](t, "ListApplicationProviders")(e.c.ListApplicationProviders(ctx, &sa.ListApplicationProvidersInput{}))
	if len(provs.ApplicationProviders) != 1 || *provs.ApplicationProviders[0].ApplicationProviderArn != iamtoken.CustomProviderARN {
		t.Errorf("providers %+v", provs.ApplicationProviders)
	}
	grants := must[*sa.ListApplicationGrantsOutput](t, "ListApplicationGrants")(e.c.ListApplicationGrants(ctx, &sa.ListApplicationGrantsInput{ApplicationArn: arn}))
	if len(grants.Grants) != 2 || grants.Grants[0].GrantType != types.GrantTypeRefreshToken || grants.Grants[1].GrantType != types.GrantTypeJwtBearer {
		t.Fatalf("grants %+v", grants.Grants)
	}
	// An empty union member ({"RefreshToken": {}}) is a member all the same.
	if _, ok := grants.Grants[0].Grant.(*types.GrantMemberRefreshToken); !ok {
		t.Errorf("the refresh_token grant came back as %#v", grants.Grants[0].Grant)
	}
	g := must[*sa.GetApplicationGrantOutput](t, "GetApplicationGrant")(e.c.GetApplicationGrant(ctx, &sa.GetApplicationGrantInput{ApplicationArn: arn, GrantType: types.GrantTypeJwtBearer}))
	if jb, ok := g.Grant.(*types.GrantMemberJwtBearer); !ok || *jb.Value.AuthorizedTokenIssuers[0].TrustedTokenIssuerArn != a.issuer {
		t.Errorf("jwt-bearer grant %#v", g.Grant)
	}
	m := must[*sa.GetApplicationAuthenticationMethodOutput](t, "GetApplicationAuthenticationMethod")(e.c.GetApplicationAuthenticationMethod(ctx,
		&sa.GetApplicationAuthenticationMethodInput{ApplicationArn: arn, AuthenticationMethodType: types.AuthenticationMethodTypeIam}))
	var policy struct {
		Statement []struct{ Principal struct{ AWS []string } }
	}
	if err := m.AuthenticationMethod.(*types.AuthenticationMethodMemberIam).Value.ActorPolicy.UnmarshalSmithyDocument(&policy); err != nil ||
		policy.Statement[0].Principal.AWS[0] != admin.ARN {
		t.Errorf("actor policy %+v, %v", policy, err)
	}
	// Customer managed applications require assignments until told not to.
	cfg := must[*sa.GetApplicationAssignmentConfigurationOutput](t, "GetAssignmentConfiguration")(e.c.GetApplicationAssignmentConfiguration(ctx,
		&sa.GetApplicationAssignmentConfigurationInput{ApplicationArn: arn}))
	if !*cfg.AssignmentRequired {
		t.Error("a new application does not require assignments")
	}
	must[*sa.PutApplicationSessionConfigurationOutput](t, "PutSessionConfiguration")(e.c.PutApplicationSessionConfiguration(ctx,
		&sa.PutApplicationSessionConfigurationInput{ApplicationArn: arn, UserBackgroundSessionApplicationStatus: types.UserBackgroundSessionApplicationStatusEnabled}))
	sc := must[*sa.GetApplicationSessionConfigurationOutput](t, "GetSessionConfiguration")(e.c.GetApplicationSessionConfiguration(ctx,
		&sa.GetApplicationSessionConfigurationInput{ApplicationArn: arn}))
	if sc.UserBackgroundSessionApplicationStatus != types.UserBackgroundSessionApplicationStatusEnabled {
		t.Errorf("session configuration %+v", sc)
	}
	scopes := must[*sa.ListApplicationAccessScopesOutput](t, "ListApplicationAccessScopes")(e.c.ListApplicationAccessScopes(ctx,
		&sa.ListApplicationAccessScopesInput{ApplicationArn: arn}))
	if len(scopes.Scopes) != 1 || *scopes.Scopes[0].Scope != "data:read" {
		t.Errorf("scopes %+v", scopes.Scopes)
	}
	tti := must[*sa.DescribeTrustedTokenIssuerOutput](t, "DescribeTrustedTokenIssuer")(e.c.DescribeTrustedTokenIssuer(ctx,
		&sa.DescribeTrustedTokenIssuerInput{TrustedTokenIssuerArn: aws.String(a.issuer)}))
	if *tti.Name != "corp-idp" || tti.TrustedTokenIssuerConfiguration.(*types.TrustedTokenIssuerConfigurationMemberOidcJwtConfiguration).Value.IssuerUrl == nil {
		t.Errorf("issuer %+v", tti)
	}
	_, err := e.c.DeleteTrustedTokenIssuer(ctx, &sa.DeleteTrustedTokenIssuerInput{TrustedTokenIssuerArn: aws.String(a.issuer)})
	wantErr(t, "deleting an issuer a grant trusts", err, "ConflictException")

	alice := e.user(t, "alice")
	must[*sa.CreateApplicationAssignmentOutput](t, "CreateApplicationAssignment")(e.c.CreateApplicationAssignment(ctx,
		&sa.CreateApplicationAssignmentInput{ApplicationArn: arn, PrincipalType: types.PrincipalTypeUser, PrincipalId: aws.String(alice)}))
	_, err = e.c.CreateApplicationAssignment(ctx, &sa.CreateApplicationAssignmentInput{ApplicationArn: arn, PrincipalType: types.PrincipalTypeUser, PrincipalId: aws.String(alice)})
	wantErr(t, "assigning twice", err, "ConflictException")
	forAlice := must[*sa.ListApplicationAssignmentsForPrincipalOutput](t, "ForPrincipal")(e.c.ListApplicationAssignmentsForPrincipal(ctx,
		&sa.ListApplicationAssignmentsForPrincipalInput{InstanceArn: aws.String(e.inst), PrincipalType: types.PrincipalTypeUser, PrincipalId: aws.String(alice)}))
	if len(forAlice.ApplicationAssignments) != 1 || *forAlice.ApplicationAssignments[0].ApplicationArn != a.arn {
		t.Errorf("alice's applications %+v", forAlice.ApplicationAssignments)
	}

	must[*sa.UpdateApplicationOutput](t, "UpdateApplication")(e.c.UpdateApplication(ctx, &sa.UpdateApplicationInput{ApplicationArn: arn,
		Name: aws.String("Data portal v2"), Status: types.ApplicationStatusDisabled}))
	d = must[*sa.DescribeApplicationOutput](t, "DescribeApplication")(e.c.DescribeApplication(ctx, &sa.DescribeApplicationInput{ApplicationArn: arn}))
	if *d.Name != "Data portal v2" || d.Status != types.ApplicationStatusDisabled {
		t.Errorf("after update %+v", d)
	}
	must[*sa.DeleteApplicationOutput](t, "DeleteApplication")(e.c.DeleteApplication(ctx, &sa.DeleteApplicationInput{ApplicationArn: arn}))
	_, err = e.c.DescribeApplication(ctx, &sa.DescribeApplicationInput{ApplicationArn: arn})
	wantErr(t, "a deleted application", err, "ResourceNotFoundException")
	must[*sa.DeleteTrustedTokenIssuerOutput](t, "DeleteTrustedTokenIssuer")(e.c.DeleteTrustedTokenIssuer(ctx,
		&sa.DeleteTrustedTokenIssuerInput{TrustedTokenIssuerArn: aws.String(a.issuer)}))
}

// TestApplicationTokensAtOnce: an application made through the API gets
// tokens from CreateTokenWithIAM on its next call; an assignment, the
// status and the actor policy take effect at once too.
func TestApplicationTokensAtOnce(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.application(t, admin.ARN)
	e.srv.AddUser(t, "alice", "correct horse battery")
	alice, _ := e.srv.Srv.People().GetUserByName(ctx, "alice")
	if _, err := e.srv.Srv.People().UpdateUser(ctx, alice.ID, func(u *sso.User) error {
		u.Profile.Emails = []sso.Email{{Value: "alice@example.com", Primary: true}}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	oidc := awsoidc.New(awsoidc.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.srv.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(admin.AccessKeyID, admin.SecretAccessKey, ""),
		HTTPClient:  &http.Client{Timeout: 30 * time.Second}})
	token := func() error {
		assertion := a.iss.Sign(t, map[string]any{"iss": a.iss.URL, "aud": "data-portal", "email": "alice@example.com",
			"exp": time.Now().Add(5 * time.Minute).Unix()})
		out, err := oidc.CreateTokenWithIAM(ctx, &awsoidc.CreateTokenWithIAMInput{ClientId: aws.String(a.arn),
			GrantType: aws.String("urn:ietf:params:oauth:grant-type:jwt-bearer"), Assertion: &assertion})
		if err == nil && (out.AccessToken == nil || out.RefreshToken == nil) {
			t.Errorf("tokens %+v", out)
		}
		return err
	}
	wantErr(t, "before alice is assigned", token(), "AccessDeniedException")
	must[*sa.CreateApplicationAssignmentOutput](t, "CreateApplicationAssignment")(e.c.CreateApplicationAssignment(ctx,
		&sa.CreateApplicationAssignmentInput{ApplicationArn: aws.String(a.arn), PrincipalType: types.PrincipalTypeUser, PrincipalId: aws.String(alice.ID)}))
	if err := token(); err != nil {
		t.Fatalf("after the assignment: %v", err)
	}
	must[*sa.UpdateApplicationOutput](t, "UpdateApplication")(e.c.UpdateApplication(ctx, &sa.UpdateApplicationInput{ApplicationArn: aws.String(a.arn),
		Status: types.ApplicationStatusDisabled}))
	wantErr(t, "a disabled application", token(), "InvalidClientException")
	must[*sa.UpdateApplicationOutput](t, "UpdateApplication")(e.c.UpdateApplication(ctx, &sa.UpdateApplicationInput{ApplicationArn: aws.String(a.arn),
		Status: types.ApplicationStatusEnabled}))
	must[*sa.DeleteApplicationAuthenticationMethodOutput](t, "DeleteApplicationAuthenticationMethod")(e.c.DeleteApplicationAuthenticationMethod(ctx,
		&sa.DeleteApplicationAuthenticationMethodInput{ApplicationArn: aws.String(a.arn), AuthenticationMethodType: types.AuthenticationMethodTypeIam}))
	wantErr(t, "without an authentication method", token(), "AccessDeniedException")
	must[*sa.DeleteApplicationOutput](t, "DeleteApplication")(e.c.DeleteApplication(ctx, &sa.DeleteApplicationInput{ApplicationArn: aws.String(a.arn)}))
	wantErr(t, "a deleted application", token(), "InvalidClientException")
	// The audit trail has every change, by the IAM principal.
	evs, err := e.srv.Store.ListEvents(ctx, sso.EventQuery{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, ev := range evs {
		if ev.Actor.ID == admin.ARN {
			seen[ev.Type]++
		}
	}
	b, _ := json.Marshal(seen)
	if seen["application.put"] < 6 || seen["application.deleted"] != 1 || seen["trusted_token_issuer.put"] != 1 ||
		seen["application_assignment.created"] != 1 {
		t.Errorf("events by the admin: %s", b)
	}
}
