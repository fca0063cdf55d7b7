package identitystore_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/identitystore/document"
	"github.com/aws/aws-sdk-go-v2/service/identitystore/types"

	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/servertest"
	"github.com/ssooidc/ssooidc/internal/sigv4"
)

// The world of these tests: the default identity store (the start URL's),
// an administrator allowed identitystore:*, a reader allowed Describe,
// List and Get, and a principal with no allow list (CreateTokenWithIAM
// only).
const storeID = "d-1234567890"

var (
	admin = sigv4.Principal{AccessKeyID: "AKIAIDSADMINEXAMPLE", SecretAccessKey: "ids-admin-secret",
		Account: "123456789012", ARN: "arn:aws:iam::123456789012:role/ids-admin", Allow: []string{"identitystore:*"}}
	reader = sigv4.Principal{AccessKeyID: "AKIAIDSREADEREXAMPLE", SecretAccessKey: "ids-reader-secret",
		Account: "123456789012", ARN: "arn:aws:iam::123456789012:role/ids-reader",
		Allow: []string{"identitystore:Describe*", "identitystore:List*", "identitystore:Get*"}}
	tokenOnly = sigv4.Principal{AccessKeyID: "AKIATOKENONLYEXAMPLE", SecretAccessKey: "token-only-secret",
		Account: "123456789012", ARN: "arn:aws:iam::123456789012:role/web-app"}
)

func newServer(t *testing.T, opts ...servertest.Option) *servertest.Server {
	t.Helper()
	return servertest.New(t, append([]servertest.Option{servertest.WithConfig(func(c *server.Config) {
		c.IAM.Principals = []sigv4.Principal{admin, reader, tokenOnly}
	})}, opts...)...)
}

// client is aws-sdk-go-v2's Identity Store client for p against srv.
func client(srv *servertest.Server, p sigv4.Principal) *identitystore.Client {
	return identitystore.New(identitystore.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(srv.URL),
		Credentials:      credentials.NewStaticCredentialsProvider(p.AccessKeyID, p.SecretAccessKey, p.SessionToken),
		RetryMaxAttempts: 1,
	})
}

func newUserInput(name string) *identitystore.CreateUserInput {
	return &identitystore.CreateUserInput{
		IdentityStoreId: aws.String(storeID),
		UserName:        aws.String(name),
		DisplayName:     aws.String("Display " + name),
		Name:            &types.Name{GivenName: aws.String("Given"), FamilyName: aws.String(name)},
		Emails:          []types.Email{{Value: aws.String(name + "@example.com"), Type: aws.String("work"), Primary: true}},
	}
}

func TestSDKUserLifecycle(t *testing.T) {
	srv := newServer(t)
	ctx := context.Background()
	c := client(srv, admin)
	in := newUserInput("alice")
	in.Extensions = map[string]document.Interface{"aws:identitystore:enterprise": document.NewLazyDocument(map[string]any{
		"department": "Platform", "manager": map[string]any{"value": "bob"}})}
	in.Addresses = []types.Address{{Locality: aws.String("Paris"), Country: aws.String("FR"), Primary: true}}
	created, err := c.CreateUser(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(created.IdentityStoreId) != storeID || aws.ToString(created.UserId) == "" {
		t.Fatalf("CreateUser = %+v", created)
	}
	id := created.UserId
	got, err := c.DescribeUser(ctx, &identitystore.DescribeUserInput{IdentityStoreId: aws.String(storeID), UserId: id,
		Extensions: []string{"aws:identitystore:enterprise"}})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.UserName) != "alice" || aws.ToString(got.Name.GivenName) != "Given" || got.UserStatus != types.UserStatusEnabled ||
		len(got.Emails) != 1 || !got.Emails[0].Primary || aws.ToString(got.Addresses[0].Locality) != "Paris" ||
		got.CreatedAt == nil || aws.ToString(got.CreatedBy) != admin.ARN {
		t.Errorf("DescribeUser = %+v", got)
	}
	var ent map[string]any
	if err := got.Extensions["aws:identitystore:enterprise"].UnmarshalSmithyDocument(&ent); err != nil || ent["department"] != "Platform" {
		t.Errorf("enterprise extension = %v, %v", ent, err)
	}
	// Without Extensions, none come back.
	plain, err := c.DescribeUser(ctx, &identitystore.DescribeUserInput{IdentityStoreId: aws.String(storeID), UserId: id})
	if err != nil || len(plain.Extensions) != 0 {
		t.Errorf("DescribeUser without extensions: %v, %v", plain.Extensions, err)
	}

	_, err = c.UpdateUser(ctx, &identitystore.UpdateUserInput{IdentityStoreId: aws.String(storeID), UserId: id,
		Operations: []types.AttributeOperation{
			{AttributePath: aws.String("name.givenName"), AttributeValue: document.NewLazyDocument("Alicia")},
			{AttributePath: aws.String("title"), AttributeValue: document.NewLazyDocument("Engineer")},
			{AttributePath: aws.String("addresses")},
			{AttributePath: aws.String("aws:identitystore:enterprise.costCenter"), AttributeValue: document.NewLazyDocument("CC-1")},
			{AttributePath: aws.String("userStatus"), AttributeValue: document.NewLazyDocument("DISABLED")},
		}})
	if err != nil {
		t.Fatal(err)
	}
	got, err = c.DescribeUser(ctx, &identitystore.DescribeUserInput{IdentityStoreId: aws.String(storeID), UserId: id,
		Extensions: []string{"aws:identitystore:enterprise"}})
	if err != nil {
		t.Fatal(err)
	}
	ent = nil
	_ = got.Extensions["aws:identitystore:enterprise"].UnmarshalSmithyDocument(&ent)
	if aws.ToString(got.Name.GivenName) != "Alicia" || aws.ToString(got.Title) != "Engineer" || len(got.Addresses) != 0 ||
		got.UserStatus != types.UserStatusDisabled || ent["costCenter"] != "CC-1" || ent["department"] != "Platform" {
		t.Errorf("after UpdateUser: %+v, enterprise %v", got, ent)
	}

	byName, err := c.GetUserId(ctx, &identitystore.GetUserIdInput{IdentityStoreId: aws.String(storeID),
		AlternateIdentifier: &types.AlternateIdentifierMemberUniqueAttribute{Value: types.UniqueAttribute{
			AttributePath: aws.String("userName"), AttributeValue: document.NewLazyDocument("alice")}}})
	if err != nil || aws.ToString(byName.UserId) != aws.ToString(id) {
		t.Errorf("GetUserId(userName) = %+v, %v", byName, err)
	}
	byEmail, err := c.GetUserId(ctx, &identitystore.GetUserIdInput{IdentityStoreId: aws.String(storeID),
		AlternateIdentifier: &types.AlternateIdentifierMemberUniqueAttribute{Value: types.UniqueAttribute{
			AttributePath: aws.String("emails.value"), AttributeValue: document.NewLazyDocument("alice@example.com")}}})
	if err != nil || aws.ToString(byEmail.UserId) != aws.ToString(id) {
		t.Errorf("GetUserId(emails.value) = %+v, %v", byEmail, err)
	}

	_, err = c.CreateUser(ctx, newUserInput("alice"))
	var conflict *types.ConflictException
	if !errors.As(err, &conflict) || conflict.Reason != types.ConflictExceptionReasonUniquenessConstraintViolation {
		t.Errorf("duplicate CreateUser: %v", err)
	}
	if _, err := c.DeleteUser(ctx, &identitystore.DeleteUserInput{IdentityStoreId: aws.String(storeID), UserId: id}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeUser(ctx, &identitystore.DescribeUserInput{IdentityStoreId: aws.String(storeID), UserId: id})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) || nf.ResourceType != types.ResourceTypeUser || aws.ToString(nf.ResourceId) != aws.ToString(id) {
		t.Errorf("DescribeUser of a deleted user: %v", err)
	}
}

func TestSDKWrongIdentityStore(t *testing.T) {
	srv := newServer(t)
	_, err := client(srv, admin).ListUsers(context.Background(), &identitystore.ListUsersInput{IdentityStoreId: aws.String("d-9999999999")})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) || nf.ResourceType != types.ResourceTypeIdentityStore || aws.ToString(nf.ResourceId) != "d-9999999999" {
		t.Errorf("another identity store: %v", err)
	}
	_, err = client(srv, admin).ListUsers(context.Background(), &identitystore.ListUsersInput{IdentityStoreId: aws.String("not-a-store")})
	var ve *types.ValidationException
	if !errors.As(err, &ve) {
		t.Errorf("a malformed identity store ID: %v", err)
	}
}

func TestSDKWhoMayCall(t *testing.T) {
	srv := newServer(t)
	ctx := context.Background()
	list := &identitystore.ListUsersInput{IdentityStoreId: aws.String(storeID)}
	if _, err := client(srv, reader).ListUsers(ctx, list); err != nil {
		t.Errorf("reader ListUsers: %v", err)
	}
	var denied *types.AccessDeniedException
	if _, err := client(srv, reader).CreateUser(ctx, newUserInput("bob")); !errors.As(err, &denied) {
		t.Errorf("reader CreateUser: %v", err)
	}
	if _, err := client(srv, tokenOnly).ListUsers(ctx, list); !errors.As(err, &denied) {
		t.Errorf("a principal without allow: %v", err)
	}
	stranger := sigv4.Principal{AccessKeyID: "AKIASTRANGEREXAMPLE", SecretAccessKey: "x"}
	if _, err := client(srv, stranger).ListUsers(ctx, list); err == nil {
		t.Errorf("an unknown access key was let in")
	}
}
