package ssoadmin_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sa "github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"

	"github.com/ssooidc/ssooidc/internal/server"
	"github.com/ssooidc/ssooidc/internal/servertest"
	"github.com/ssooidc/ssooidc/internal/sso"
)

func TestPermissionSets(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	inst := aws.String(e.inst)
	created := must[*sa.CreatePermissionSetOutput](t, "CreatePermissionSet")(e.c.CreatePermissionSet(ctx, &sa.CreatePermissionSetInput{
		InstanceArn: inst, Name: aws.String("Admin"), Description: aws.String("Everything, for the platform team"),
		SessionDuration: aws.String("PT2H"), RelayState: aws.String("https://console.aws.amazon.com/ec2/"),
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("platform")}},
	}))
	ps := created.PermissionSet
	if *ps.Name != "Admin" || *ps.SessionDuration != "PT2H" || *ps.RelayState != "https://console.aws.amazon.com/ec2/" || ps.CreatedDate == nil {
		t.Errorf("created %+v", ps)
	}
	arn := ps.PermissionSetArn
	d := must[*sa.DescribePermissionSetOutput](t, "DescribePermissionSet")(e.c.DescribePermissionSet(ctx,
		&sa.DescribePermissionSetInput{InstanceArn: inst, PermissionSetArn: arn}))
	if *d.PermissionSet.PermissionSetArn != *arn || *d.PermissionSet.Description != "Everything, for the platform team" {
		t.Errorf("described %+v", d.PermissionSet)
	}
	_, err := e.c.CreatePermissionSet(ctx, &sa.CreatePermissionSetInput{InstanceArn: inst, Name: aws.String("Admin")})
	wantErr(t, "a second permission set of the same name", err, "ConflictException")

	// The session duration comes back as it was given; the portal uses
	// its value.
	must[*sa.UpdatePermissionSetOutput](t, "UpdatePermissionSet")(e.c.UpdatePermissionSet(ctx, &sa.UpdatePermissionSetInput{
		InstanceArn: inst, PermissionSetArn: arn, SessionDuration: aws.String("PT90M"), Description: aws.String("changed")}))
	got, _ := e.srv.Srv.Directory().PermissionSet(ctx, "Admin")
	if got.SessionDuration.Minutes() != 90 || got.Description != "changed" || got.RelayState == "" {
		t.Errorf("after update: %+v", got)
	}
	d = must[*sa.DescribePermissionSetOutput](t, "DescribePermissionSet")(e.c.DescribePermissionSet(ctx,
		&sa.DescribePermissionSetInput{InstanceArn: inst, PermissionSetArn: arn}))
	if *d.PermissionSet.SessionDuration != "PT90M" {
		t.Errorf("session duration %s, want PT90M as given", *d.PermissionSet.SessionDuration)
	}
	_, err = e.c.UpdatePermissionSet(ctx, &sa.UpdatePermissionSetInput{InstanceArn: inst, PermissionSetArn: arn, SessionDuration: aws.String("PT13H")})
	wantErr(t, "a session longer than 12 hours", err, "ValidationException")

	// Pages of one.
	for _, n := range []string{"ReadOnly", "Billing"} {
		must[*sa.CreatePermissionSetOutput](t, "CreatePermissionSet")(e.c.CreatePermissionSet(ctx, &sa.CreatePermissionSetInput{InstanceArn: inst, Name: aws.String(n)}))
	}
	var arns []string
	p := sa.NewListPermissionSetsPaginator(e.c, &sa.ListPermissionSetsInput{InstanceArn: inst, MaxResults: aws.Int32(1)})
	for p.HasMorePages() {
		page := must[*sa.ListPermissionSetsOutput](t, "ListPermissionSets")(p.NextPage(ctx))
		if len(page.PermissionSets) > 1 {
			t.Errorf("a page of %d", len(page.PermissionSets))
		}
		arns = append(arns, page.PermissionSets...)
	}
	if len(arns) != 3 || !slices.Contains(arns, *arn) {
		t.Errorf("listed %v", arns)
	}
	testPolicies(t, e, arn)
	testTags(t, e, arn)
	must[*sa.DeletePermissionSetOutput](t, "DeletePermissionSet")(e.c.DeletePermissionSet(ctx, &sa.DeletePermissionSetInput{InstanceArn: inst, PermissionSetArn: arn}))
	_, err = e.c.DescribePermissionSet(ctx, &sa.DescribePermissionSetInput{InstanceArn: inst, PermissionSetArn: arn})
	wantErr(t, "a deleted permission set", err, "ResourceNotFoundException")
}

func testPolicies(t *testing.T, e *env, arn *string) {
	ctx := context.Background()
	inst := aws.String(e.inst)
	const ro = "arn:aws:iam::aws:policy/ReadOnlyAccess"
	must[*sa.AttachManagedPolicyToPermissionSetOutput](t, "AttachManagedPolicy")(e.c.AttachManagedPolicyToPermissionSet(ctx,
		&sa.AttachManagedPolicyToPermissionSetInput{InstanceArn: inst, PermissionSetArn: arn, ManagedPolicyArn: aws.String(ro)}))
	_, err := e.c.AttachManagedPolicyToPermissionSet(ctx, &sa.AttachManagedPolicyToPermissionSetInput{InstanceArn: inst, PermissionSetArn: arn, ManagedPolicyArn: aws.String(ro)})
	wantErr(t, "attaching twice", err, "ConflictException")
	mp := must[*sa.ListManagedPoliciesInPermissionSetOutput](t, "ListManagedPolicies")(e.c.ListManagedPoliciesInPermissionSet(ctx,
		&sa.ListManagedPoliciesInPermissionSetInput{InstanceArn: inst, PermissionSetArn: arn}))
	if len(mp.AttachedManagedPolicies) != 1 || *mp.AttachedManagedPolicies[0].Name != "ReadOnlyAccess" || *mp.AttachedManagedPolicies[0].Arn != ro {
		t.Errorf("managed policies %+v", mp.AttachedManagedPolicies)
	}
	must[*sa.AttachCustomerManagedPolicyReferenceToPermissionSetOutput](t, "AttachCustomerManagedPolicy")(e.c.AttachCustomerManagedPolicyReferenceToPermissionSet(ctx,
		&sa.AttachCustomerManagedPolicyReferenceToPermissionSetInput{InstanceArn: inst, PermissionSetArn: arn,
			CustomerManagedPolicyReference: &types.CustomerManagedPolicyReference{Name: aws.String("team-boundary")}}))
	cm := must[*sa.ListCustomerManagedPolicyReferencesInPermissionSetOutput](t, "ListCustomerManagedPolicies")(e.c.ListCustomerManagedPolicyReferencesInPermissionSet(ctx,
		&sa.ListCustomerManagedPolicyReferencesInPermissionSetInput{InstanceArn: inst, PermissionSetArn: arn}))
	if len(cm.CustomerManagedPolicyReferences) != 1 || *cm.CustomerManagedPolicyReferences[0].Path != "/" {
		t.Errorf("customer managed policies %+v", cm.CustomerManagedPolicyReferences)
	}
	// The inline policy comes back byte for byte, spaces and key order
	// included: ssooidc stores it, it does not read it.
	const inline = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"s3:Get*\", \"Resource\": \"*\"}]\n}"
	must[*sa.PutInlinePolicyToPermissionSetOutput](t, "PutInlinePolicy")(e.c.PutInlinePolicyToPermissionSet(ctx,
		&sa.PutInlinePolicyToPermissionSetInput{InstanceArn: inst, PermissionSetArn: arn, InlinePolicy: aws.String(inline)}))
	ip := must[*sa.GetInlinePolicyForPermissionSetOutput](t, "GetInlinePolicy")(e.c.GetInlinePolicyForPermissionSet(ctx,
		&sa.GetInlinePolicyForPermissionSetInput{InstanceArn: inst, PermissionSetArn: arn}))
	if aws.ToString(ip.InlinePolicy) != inline {
		t.Errorf("inline policy %q", aws.ToString(ip.InlinePolicy))
	}
	_, err = e.c.GetPermissionsBoundaryForPermissionSet(ctx, &sa.GetPermissionsBoundaryForPermissionSetInput{InstanceArn: inst, PermissionSetArn: arn})
	wantErr(t, "no boundary yet", err, "ResourceNotFoundException")
	must[*sa.PutPermissionsBoundaryToPermissionSetOutput](t, "PutBoundary")(e.c.PutPermissionsBoundaryToPermissionSet(ctx,
		&sa.PutPermissionsBoundaryToPermissionSetInput{InstanceArn: inst, PermissionSetArn: arn,
			PermissionsBoundary: &types.PermissionsBoundary{ManagedPolicyArn: aws.String("arn:aws:iam::aws:policy/PowerUserAccess")}}))
	b := must[*sa.GetPermissionsBoundaryForPermissionSetOutput](t, "GetBoundary")(e.c.GetPermissionsBoundaryForPermissionSet(ctx,
		&sa.GetPermissionsBoundaryForPermissionSetInput{InstanceArn: inst, PermissionSetArn: arn}))
	if aws.ToString(b.PermissionsBoundary.ManagedPolicyArn) != "arn:aws:iam::aws:policy/PowerUserAccess" {
		t.Errorf("boundary %+v", b.PermissionsBoundary)
	}
	for _, call := range []func() error{
		func() error {
			_, err := e.c.DeletePermissionsBoundaryFromPermissionSet(ctx, &sa.DeletePermissionsBoundaryFromPermissionSetInput{InstanceArn: inst, PermissionSetArn: arn})
			return err
		},
		func() error {
			_, err := e.c.DeleteInlinePolicyFromPermissionSet(ctx, &sa.DeleteInlinePolicyFromPermissionSetInput{InstanceArn: inst, PermissionSetArn: arn})
			return err
		},
		func() error {
			_, err := e.c.DetachManagedPolicyFromPermissionSet(ctx, &sa.DetachManagedPolicyFromPermissionSetInput{InstanceArn: inst, PermissionSetArn: arn, ManagedPolicyArn: aws.String(ro)})
			return err
		},
		func() error {
			_, err := e.c.DetachCustomerManagedPolicyReferenceFromPermissionSet(ctx, &sa.DetachCustomerManagedPolicyReferenceFromPermissionSetInput{
				InstanceArn: inst, PermissionSetArn: arn, CustomerManagedPolicyReference: &types.CustomerManagedPolicyReference{Name: aws.String("team-boundary"), Path: aws.String("/")}})
			return err
		},
	} {
		if err := call(); err != nil {
			t.Fatal(err)
		}
	}
	_, err = e.c.DetachManagedPolicyFromPermissionSet(ctx, &sa.DetachManagedPolicyFromPermissionSetInput{InstanceArn: inst, PermissionSetArn: arn, ManagedPolicyArn: aws.String(ro)})
	wantErr(t, "detaching what is not attached", err, "ResourceNotFoundException")
	got, _ := e.srv.Srv.Directory().PermissionSet(ctx, "Admin")
	if got.Policies.Inline != "" || got.Policies.Boundary != nil || len(got.Policies.Managed) != 0 || len(got.Policies.CustomerManaged) != 0 {
		t.Errorf("policies left: %+v", got.Policies)
	}
}

func testTags(t *testing.T, e *env, arn *string) {
	ctx := context.Background()
	inst := aws.String(e.inst)
	must[*sa.TagResourceOutput](t, "TagResource")(e.c.TagResource(ctx, &sa.TagResourceInput{InstanceArn: inst, ResourceArn: arn,
		Tags: []types.Tag{{Key: aws.String("cost-center"), Value: aws.String("42")}, {Key: aws.String("team"), Value: aws.String("infra")}}}))
	tags := must[*sa.ListTagsForResourceOutput](t, "ListTagsForResource")(e.c.ListTagsForResource(ctx, &sa.ListTagsForResourceInput{InstanceArn: inst, ResourceArn: arn}))
	if len(tags.Tags) != 2 || *tags.Tags[0].Key != "cost-center" || *tags.Tags[1].Value != "infra" {
		t.Errorf("tags %+v", tags.Tags)
	}
	must[*sa.UntagResourceOutput](t, "UntagResource")(e.c.UntagResource(ctx, &sa.UntagResourceInput{InstanceArn: inst, ResourceArn: arn, TagKeys: []string{"team"}}))
	tags = must[*sa.ListTagsForResourceOutput](t, "ListTagsForResource")(e.c.ListTagsForResource(ctx, &sa.ListTagsForResourceInput{InstanceArn: inst, ResourceArn: arn}))
	if len(tags.Tags) != 1 || *tags.Tags[0].Key != "cost-center" {
		t.Errorf("tags after untag %+v", tags.Tags)
	}
	_, err := e.c.TagResource(ctx, &sa.TagResourceInput{InstanceArn: inst, ResourceArn: inst, Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	wantErr(t, "tagging the instance", err, "ValidationException")
}

// TestDeclaredPermissionSets: the config file and the admin command
// declare a permission set through the same service: they set its
// description and duration and keep what the API set (ID, policies,
// tags); declaring it again unchanged writes nothing.
func TestDeclaredPermissionSets(t *testing.T) {
	e := newEnv(t, servertest.WithConfig(func(c *server.Config) {
		c.Directory.PermissionSets = []sso.PermissionSet{{Name: "Declared", Description: "from the file", SessionDuration: 2 * time.Hour}}
	}))
	ctx := context.Background()
	inst := aws.String(e.inst)
	var arn *string
	list := must[*sa.ListPermissionSetsOutput](t, "ListPermissionSets")(e.c.ListPermissionSets(ctx, &sa.ListPermissionSetsInput{InstanceArn: inst}))
	if len(list.PermissionSets) != 1 {
		t.Fatalf("declared permission sets: %v", list.PermissionSets)
	}
	arn = &list.PermissionSets[0]
	d := must[*sa.DescribePermissionSetOutput](t, "DescribePermissionSet")(e.c.DescribePermissionSet(ctx, &sa.DescribePermissionSetInput{InstanceArn: inst, PermissionSetArn: arn}))
	if *d.PermissionSet.SessionDuration != "PT2H" || *d.PermissionSet.Description != "from the file" {
		t.Errorf("declared %+v", d.PermissionSet)
	}
	must[*sa.AttachManagedPolicyToPermissionSetOutput](t, "AttachManagedPolicy")(e.c.AttachManagedPolicyToPermissionSet(ctx,
		&sa.AttachManagedPolicyToPermissionSetInput{InstanceArn: inst, PermissionSetArn: arn, ManagedPolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}))
	before, _ := e.srv.Store.ListEvents(ctx, sso.EventQuery{})
	dir := e.srv.Srv.Directory()
	actor := sso.WithActor(ctx, sso.Actor{Type: sso.ActorConfig})
	if err := dir.PutPermissionSet(actor, sso.PermissionSet{Name: "Declared", Description: "from the file", SessionDuration: 2 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	if after, _ := e.srv.Store.ListEvents(ctx, sso.EventQuery{}); len(after) != len(before) {
		t.Errorf("an unchanged declaration wrote %d events", len(after)-len(before))
	}
	if err := dir.PutPermissionSet(actor, sso.PermissionSet{Name: "Declared", Description: "changed in the file", SessionDuration: time.Hour}); err != nil {
		t.Fatal(err)
	}
	got, _ := dir.PermissionSet(ctx, "Declared")
	if got.Description != "changed in the file" || got.SessionDuration != time.Hour || len(got.Policies.Managed) != 1 ||
		!strings.HasSuffix(*arn, got.ID) {
		t.Errorf("after the declaration changed: %+v", got)
	}
}
