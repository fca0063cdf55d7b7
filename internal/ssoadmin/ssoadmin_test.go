package ssoadmin_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sa "github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"github.com/aws/smithy-go"

	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/servertest"
	"github.com/ssooidc/ssooidc/internal/sigv4"
	"github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/internal/ssoadmin"
)

// The callers of these tests: an administrator who may call the whole
// SSO Admin API, and an auditor who may only read.
var (
	admin = sigv4.Principal{AccessKeyID: "AKIAADMINEXAMPLE", SecretAccessKey: "admin-secret", Account: "123456789012",
		ARN: "arn:aws:iam::123456789012:role/admin", Allow: []string{"sso:*", "sso-oauth:CreateTokenWithIAM"}}
	auditor = sigv4.Principal{AccessKeyID: "AKIAAUDITOREXAMPLE", SecretAccessKey: "auditor-secret", Account: "123456789012",
		ARN: "arn:aws:iam::123456789012:role/auditor", Allow: []string{"sso:Describe*", "sso:List*", "sso:Get*"}}
)

const (
	account1 = "111111111111"
	account2 = "222222222222"
)

type env struct {
	srv  *servertest.Server
	c    *sa.Client
	inst string
}

// newEnv starts a server that knows two accounts and returns an SSO
// Admin client signed as p.
func newEnv(t *testing.T, opts ...servertest.Option) *env {
	t.Helper()
	opts = append([]servertest.Option{servertest.WithConfig(func(c *server.Config) {
		c.IAM.Principals = []sigv4.Principal{admin, auditor}
		c.Directory.Accounts = []sso.Account{{ID: account1, Name: "Production"}, {ID: account2, Name: "Sandbox"}}
	})}, opts...)
	srv := servertest.New(t, opts...)
	e := &env{srv: srv, c: client(srv.URL, admin), inst: srv.Srv.Instance().ARN}
	return e
}

func client(url string, p sigv4.Principal) *sa.Client {
	return sa.New(sa.Options{Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider(p.AccessKeyID, p.SecretAccessKey, ""), RetryMaxAttempts: 1})
}

// wantErr fails unless err is the API error shape code.
func wantErr(t *testing.T, what string, err error, code string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != code {
		t.Errorf("%s: got %v, want %s", what, err, code)
	}
}

func must[T any](t *testing.T, what string) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
}

// user adds a user and returns its ID; group adds a group with members.
func (e *env) user(t *testing.T, name string) string {
	t.Helper()
	e.srv.AddUser(t, name, "correct horse battery")
	u, err := e.srv.Srv.People().GetUserByName(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func (e *env) group(t *testing.T, name string, members ...string) string {
	t.Helper()
	ctx := sso.WithActor(context.Background(), sso.Actor{Type: sso.ActorAdmin, ID: "test"})
	g, err := e.srv.Srv.People().CreateGroup(ctx, sso.Group{DisplayName: name})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range members {
		if _, err := e.srv.Srv.People().AddMember(ctx, g.ID, m); err != nil {
			t.Fatal(err)
		}
	}
	return g.ID
}

func TestInstance(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	out := must[*sa.ListInstancesOutput](t, "ListInstances")(e.c.ListInstances(ctx, &sa.ListInstancesInput{}))
	if len(out.Instances) != 1 {
		t.Fatalf("instances: %+v", out.Instances)
	}
	i := out.Instances[0]
	if !strings.HasPrefix(*i.InstanceArn, "arn:aws:sso:::instance/ssoins-") || len(*i.InstanceArn) != len("arn:aws:sso:::instance/ssoins-")+16 ||
		*i.IdentityStoreId != "d-1234567890" || *i.OwnerAccountId != admin.Account || i.Status != types.InstanceStatusActive || i.CreatedDate == nil {
		t.Errorf("instance %+v", i)
	}
	d := must[*sa.DescribeInstanceOutput](t, "DescribeInstance")(e.c.DescribeInstance(ctx, &sa.DescribeInstanceInput{InstanceArn: i.InstanceArn}))
	if *d.InstanceArn != *i.InstanceArn || *d.IdentityStoreId != *i.IdentityStoreId || !d.CreatedDate.Equal(*i.CreatedDate) {
		t.Errorf("DescribeInstance %+v", d)
	}
	_, err := e.c.DescribeInstance(ctx, &sa.DescribeInstanceInput{InstanceArn: aws.String("arn:aws:sso:::instance/ssoins-0000000000000000")})
	wantErr(t, "another instance", err, "ValidationException")
}

// TestInstanceFromConfig: iam.instance_arn names the instance, and every
// start of a server on the same store derives the same default.
func TestInstanceFromConfig(t *testing.T) {
	const arn = "arn:aws:sso:::instance/ssoins-72231e8b9f1ac2a4"
	e := newEnv(t, servertest.WithConfig(func(c *server.Config) {
		c.IAM.InstanceARN, c.IAM.IdentityStoreID, c.IAM.OwnerAccountID = arn, "d-9067a1b2c3", "210987654321"
	}))
	d, err := e.c.DescribeInstance(context.Background(), &sa.DescribeInstanceInput{InstanceArn: aws.String(arn)})
	if err != nil || *d.IdentityStoreId != "d-9067a1b2c3" || *d.OwnerAccountId != "210987654321" {
		t.Fatalf("DescribeInstance = %+v, %v", d, err)
	}
	a, err := ssoadmin.ResolveInstance(context.Background(), e.srv.Store, "", "d-0000000000", "123456789012", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ssoadmin.ResolveInstance(context.Background(), e.srv.Store, "", "d-0000000000", "123456789012", nil)
	if err != nil || a != b || a.ARN == arn {
		t.Errorf("default instance: %+v then %+v, %v", a, b, err)
	}
}

// TestOperations: every operation of the model is served or refused with a
// model error that says why; none is unknown.
func TestOperations(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(modelDir(t), "sso-admin-2020-07-20.service-2.json"))
	if err != nil {
		t.Fatal(err)
	}
	var model struct {
		Operations map[string]json.RawMessage `json:"operations"`
	}
	if err := json.Unmarshal(b, &model); err != nil {
		t.Fatal(err)
	}
	served, refused := ssoadmin.ServedOperations(), ssoadmin.RefusedOperations()
	all := append(slices.Clone(served), refused...)
	slices.Sort(all)
	var want []string
	for op := range model.Operations {
		want = append(want, op)
	}
	slices.Sort(want)
	if !slices.Equal(all, want) || len(want) != 79 {
		t.Errorf("served %d + refused %d = %d operations; the model has %d", len(served), len(refused), len(all), len(want))
	}
	e := newEnv(t)
	ctx := context.Background()
	for _, call := range []func() error{
		func() error { _, err := e.c.CreateInstance(ctx, &sa.CreateInstanceInput{}); return err },
		func() error {
			_, err := e.c.DeleteInstance(ctx, &sa.DeleteInstanceInput{InstanceArn: aws.String(e.inst)})
			return err
		},
		func() error {
			_, err := e.c.ListRegions(ctx, &sa.ListRegionsInput{InstanceArn: aws.String(e.inst)})
			return err
		},
		func() error {
			_, err := e.c.CreateInstanceAccessControlAttributeConfiguration(ctx, &sa.CreateInstanceAccessControlAttributeConfigurationInput{
				InstanceArn: aws.String(e.inst), InstanceAccessControlAttributeConfiguration: &types.InstanceAccessControlAttributeConfiguration{
					AccessControlAttributes: []types.AccessControlAttribute{{Key: aws.String("k"),
						Value: &types.AccessControlAttributeValue{Source: []string{"${path:userName}"}}}}}})
			return err
		},
	} {
		err := call()
		wantErr(t, "refused operation", err, "ValidationException")
		if err != nil && !strings.Contains(err.Error(), "not served") {
			t.Errorf("a refusal that does not say why: %v", err)
		}
	}
}

// modelDir finds shared/spec/models beside the repository, or botocore's
// copy of the model.
func modelDir(t *testing.T) string {
	t.Helper()
	for _, d := range []string{"../../../shared/spec/models", "../../shared/spec/models"} {
		if _, err := os.Stat(filepath.Join(d, "sso-admin-2020-07-20.service-2.json")); err == nil {
			return d
		}
	}
	t.Fatal("the SSO Admin model (shared/spec/models/sso-admin-2020-07-20.service-2.json) is not beside the repository")
	return ""
}

// TestPolicyCheck: the allow list decides who may call what.
func TestPolicyCheck(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	reader := client(e.srv.URL, auditor)
	if _, err := reader.ListPermissionSets(ctx, &sa.ListPermissionSetsInput{InstanceArn: aws.String(e.inst)}); err != nil {
		t.Errorf("the auditor may list: %v", err)
	}
	_, err := reader.CreatePermissionSet(ctx, &sa.CreatePermissionSetInput{InstanceArn: aws.String(e.inst), Name: aws.String("X")})
	wantErr(t, "the auditor may not create", err, "AccessDeniedException")
	stranger := client(e.srv.URL, sigv4.Principal{AccessKeyID: "AKIANOBODY", SecretAccessKey: "x"})
	_, err = stranger.ListInstances(ctx, &sa.ListInstancesInput{})
	wantErr(t, "an unknown key", err, "UnrecognizedClientException")
}
