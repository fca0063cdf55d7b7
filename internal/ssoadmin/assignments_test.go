package ssoadmin_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sa "github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"

	"github.com/ssooidc/ssooidc/internal/sso"
)

func (e *env) permissionSet(t *testing.T, name string) *string {
	t.Helper()
	out, err := e.c.CreatePermissionSet(context.Background(), &sa.CreatePermissionSetInput{InstanceArn: aws.String(e.inst), Name: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return out.PermissionSet.PermissionSetArn
}

func (e *env) assign(t *testing.T, ps *string, account string, typ types.PrincipalType, id string) *types.AccountAssignmentOperationStatus {
	t.Helper()
	out, err := e.c.CreateAccountAssignment(context.Background(), &sa.CreateAccountAssignmentInput{InstanceArn: aws.String(e.inst),
		PermissionSetArn: ps, TargetId: aws.String(account), TargetType: types.TargetTypeAwsAccount, PrincipalType: typ, PrincipalId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	return out.AccountAssignmentCreationStatus
}

func TestAccountAssignments(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	inst := aws.String(e.inst)
	alice, bob := e.user(t, "alice"), e.user(t, "bob")
	devs := e.group(t, "devs", alice)
	admin, readOnly := e.permissionSet(t, "Admin"), e.permissionSet(t, "ReadOnly")

	st := e.assign(t, admin, account1, types.PrincipalTypeGroup, devs)
	if st.Status != types.StatusValuesSucceeded || *st.TargetId != account1 || *st.PrincipalId != devs || *st.PermissionSetArn != *admin ||
		len(*st.RequestId) != 36 || st.CreatedDate == nil {
		t.Errorf("creation status %+v", st)
	}
	// The person sees the role at once, through the group.
	if as, _ := e.srv.Store.ListAssignmentsFor(ctx, alice); len(as) != 1 || as[0].PermissionSet != "Admin" {
		t.Errorf("alice's assignments %+v", as)
	}
	desc := must[*sa.DescribeAccountAssignmentCreationStatusOutput](t, "DescribeCreationStatus")(e.c.DescribeAccountAssignmentCreationStatus(ctx,
		&sa.DescribeAccountAssignmentCreationStatusInput{InstanceArn: inst, AccountAssignmentCreationRequestId: st.RequestId}))
	if *desc.AccountAssignmentCreationStatus.RequestId != *st.RequestId || desc.AccountAssignmentCreationStatus.Status != types.StatusValuesSucceeded {
		t.Errorf("described %+v", desc.AccountAssignmentCreationStatus)
	}
	_, err := e.c.DescribeAccountAssignmentDeletionStatus(ctx, &sa.DescribeAccountAssignmentDeletionStatusInput{InstanceArn: inst,
		AccountAssignmentDeletionRequestId: st.RequestId})
	wantErr(t, "a creation request asked as a deletion", err, "ResourceNotFoundException")

	e.assign(t, readOnly, account1, types.PrincipalTypeUser, alice)
	e.assign(t, readOnly, account2, types.PrincipalTypeUser, alice)
	e.assign(t, admin, account2, types.PrincipalTypeUser, alice)
	e.assign(t, readOnly, account2, types.PrincipalTypeUser, bob)
	// Creating an existing assignment succeeds.
	e.assign(t, readOnly, account2, types.PrincipalTypeUser, bob)

	// alice's own assignments (not those through her group), two a page.
	var mine []types.AccountAssignmentForPrincipal
	p := sa.NewListAccountAssignmentsForPrincipalPaginator(e.c, &sa.ListAccountAssignmentsForPrincipalInput{InstanceArn: inst,
		PrincipalType: types.PrincipalTypeUser, PrincipalId: aws.String(alice), MaxResults: aws.Int32(2)})
	for p.HasMorePages() {
		mine = append(mine, must[*sa.ListAccountAssignmentsForPrincipalOutput](t, "ForPrincipal")(p.NextPage(ctx)).AccountAssignments...)
	}
	if len(mine) != 3 || *mine[0].AccountId != account1 || *mine[1].AccountId != account2 || *mine[1].PermissionSetArn != *admin {
		t.Errorf("alice's assignments %+v", mine)
	}
	filtered := must[*sa.ListAccountAssignmentsForPrincipalOutput](t, "ForPrincipal filtered")(e.c.ListAccountAssignmentsForPrincipal(ctx,
		&sa.ListAccountAssignmentsForPrincipalInput{InstanceArn: inst, PrincipalType: types.PrincipalTypeUser, PrincipalId: aws.String(alice),
			Filter: &types.ListAccountAssignmentsFilter{AccountId: aws.String(account1)}}))
	if len(filtered.AccountAssignments) != 1 {
		t.Errorf("alice in %s: %+v", account1, filtered.AccountAssignments)
	}
	in2 := must[*sa.ListAccountAssignmentsOutput](t, "ListAccountAssignments")(e.c.ListAccountAssignments(ctx,
		&sa.ListAccountAssignmentsInput{InstanceArn: inst, AccountId: aws.String(account2), PermissionSetArn: readOnly}))
	if len(in2.AccountAssignments) != 2 {
		t.Errorf("ReadOnly in %s: %+v", account2, in2.AccountAssignments)
	}

	testProvisioning(t, e, readOnly, admin)

	del := must[*sa.DeleteAccountAssignmentOutput](t, "DeleteAccountAssignment")(e.c.DeleteAccountAssignment(ctx, &sa.DeleteAccountAssignmentInput{
		InstanceArn: inst, PermissionSetArn: admin, TargetId: aws.String(account1), TargetType: types.TargetTypeAwsAccount,
		PrincipalType: types.PrincipalTypeGroup, PrincipalId: aws.String(devs)})).AccountAssignmentDeletionStatus
	if del.Status != types.StatusValuesSucceeded {
		t.Errorf("deletion %+v", del)
	}
	if as, _ := e.srv.Store.ListAssignmentsFor(ctx, alice); len(as) != 3 {
		t.Errorf("alice after the group's assignment went: %+v", as)
	}
	_, err = e.c.DeleteAccountAssignment(ctx, &sa.DeleteAccountAssignmentInput{InstanceArn: inst, PermissionSetArn: admin,
		TargetId: aws.String(account1), TargetType: types.TargetTypeAwsAccount, PrincipalType: types.PrincipalTypeGroup, PrincipalId: aws.String(devs)})
	wantErr(t, "deleting it again", err, "ResourceNotFoundException")
	dels := must[*sa.ListAccountAssignmentDeletionStatusOutput](t, "ListDeletionStatus")(e.c.ListAccountAssignmentDeletionStatus(ctx,
		&sa.ListAccountAssignmentDeletionStatusInput{InstanceArn: inst}))
	if len(dels.AccountAssignmentsDeletionStatus) != 1 || *dels.AccountAssignmentsDeletionStatus[0].RequestId != *del.RequestId {
		t.Errorf("deletion requests %+v", dels.AccountAssignmentsDeletionStatus)
	}
	creations := must[*sa.ListAccountAssignmentCreationStatusOutput](t, "ListCreationStatus")(e.c.ListAccountAssignmentCreationStatus(ctx,
		&sa.ListAccountAssignmentCreationStatusInput{InstanceArn: inst, Filter: &types.OperationStatusFilter{Status: types.StatusValuesSucceeded}}))
	if len(creations.AccountAssignmentsCreationStatus) != 6 {
		t.Errorf("creation requests: %d, want 6", len(creations.AccountAssignmentsCreationStatus))
	}
	_, err = e.c.DeletePermissionSet(ctx, &sa.DeletePermissionSetInput{InstanceArn: inst, PermissionSetArn: readOnly})
	wantErr(t, "deleting an assigned permission set", err, "ConflictException")

	// What Identity Center refuses before it accepts a request.
	for name, c := range map[string]struct {
		ps      *string
		account string
		typ     types.PrincipalType
		id      string
		code    string
	}{
		"unknown account":    {readOnly, "999999999999", types.PrincipalTypeUser, alice, "ValidationException"},
		"unknown user":       {readOnly, account1, types.PrincipalTypeUser, sso.RandomUUID(), "ResourceNotFoundException"},
		"group as user":      {readOnly, account1, types.PrincipalTypeUser, devs, "ResourceNotFoundException"},
		"unknown perm set":   {aws.String(e.inst[:len("arn:aws:sso:::")] + "permissionSet/" + e.inst[len("arn:aws:sso:::instance/"):] + "/ps-0000000000000000"), account1, types.PrincipalTypeUser, alice, "ResourceNotFoundException"},
		"another instance":   {aws.String("arn:aws:sso:::permissionSet/ssoins-0000000000000000/ps-0000000000000000"), account1, types.PrincipalTypeUser, alice, "ValidationException"},
		"not a principal ID": {readOnly, account1, types.PrincipalTypeUser, "alice", "ValidationException"},
	} {
		_, err := e.c.CreateAccountAssignment(ctx, &sa.CreateAccountAssignmentInput{InstanceArn: inst, PermissionSetArn: c.ps,
			TargetId: aws.String(c.account), TargetType: types.TargetTypeAwsAccount, PrincipalType: c.typ, PrincipalId: aws.String(c.id)})
		wantErr(t, name, err, c.code)
	}
}

func testProvisioning(t *testing.T, e *env, readOnly, admin *string) {
	ctx := context.Background()
	inst := aws.String(e.inst)
	accounts := func(status types.ProvisioningStatus) []string {
		t.Helper()
		return must[*sa.ListAccountsForProvisionedPermissionSetOutput](t, "ListAccountsForProvisionedPermissionSet")(
			e.c.ListAccountsForProvisionedPermissionSet(ctx, &sa.ListAccountsForProvisionedPermissionSetInput{InstanceArn: inst,
				PermissionSetArn: readOnly, ProvisioningStatus: status})).AccountIds
	}
	if got := accounts(""); len(got) != 2 || got[0] != account1 || got[1] != account2 {
		t.Errorf("ReadOnly is provisioned to %v", got)
	}
	sets := must[*sa.ListPermissionSetsProvisionedToAccountOutput](t, "ListPermissionSetsProvisionedToAccount")(
		e.c.ListPermissionSetsProvisionedToAccount(ctx, &sa.ListPermissionSetsProvisionedToAccountInput{InstanceArn: inst, AccountId: aws.String(account2)}))
	if len(sets.PermissionSets) != 2 {
		t.Errorf("provisioned to %s: %v", account2, sets.PermissionSets)
	}
	// A policy change leaves the accounts behind until provisioned again.
	must[*sa.PutInlinePolicyToPermissionSetOutput](t, "PutInlinePolicy")(e.c.PutInlinePolicyToPermissionSet(ctx,
		&sa.PutInlinePolicyToPermissionSetInput{InstanceArn: inst, PermissionSetArn: readOnly, InlinePolicy: aws.String(`{"Version":"2012-10-17","Statement":[]}`)}))
	if got := accounts(types.ProvisioningStatusLatestPermissionSetNotProvisioned); len(got) != 2 {
		t.Errorf("behind after a change: %v", got)
	}
	one := must[*sa.ProvisionPermissionSetOutput](t, "ProvisionPermissionSet")(e.c.ProvisionPermissionSet(ctx, &sa.ProvisionPermissionSetInput{
		InstanceArn: inst, PermissionSetArn: readOnly, TargetType: types.ProvisionTargetTypeAwsAccount, TargetId: aws.String(account1)}))
	if s := one.PermissionSetProvisioningStatus; s.Status != types.StatusValuesSucceeded || *s.AccountId != account1 {
		t.Errorf("provisioning %+v", s)
	}
	if got := accounts(types.ProvisioningStatusLatestPermissionSetProvisioned); len(got) != 1 || got[0] != account1 {
		t.Errorf("up to date after provisioning one: %v", got)
	}
	all := must[*sa.ProvisionPermissionSetOutput](t, "ProvisionPermissionSet all")(e.c.ProvisionPermissionSet(ctx, &sa.ProvisionPermissionSetInput{
		InstanceArn: inst, PermissionSetArn: readOnly, TargetType: types.ProvisionTargetTypeAllProvisionedAccounts}))
	if got := accounts(types.ProvisioningStatusLatestPermissionSetNotProvisioned); len(got) != 0 {
		t.Errorf("behind after provisioning all: %v", got)
	}
	d := must[*sa.DescribePermissionSetProvisioningStatusOutput](t, "DescribeProvisioningStatus")(e.c.DescribePermissionSetProvisioningStatus(ctx,
		&sa.DescribePermissionSetProvisioningStatusInput{InstanceArn: inst, ProvisionPermissionSetRequestId: all.PermissionSetProvisioningStatus.RequestId}))
	if d.PermissionSetProvisioningStatus.Status != types.StatusValuesSucceeded || d.PermissionSetProvisioningStatus.AccountId != nil {
		t.Errorf("described %+v", d.PermissionSetProvisioningStatus)
	}
	ls := must[*sa.ListPermissionSetProvisioningStatusOutput](t, "ListProvisioningStatus")(e.c.ListPermissionSetProvisioningStatus(ctx,
		&sa.ListPermissionSetProvisioningStatusInput{InstanceArn: inst}))
	if len(ls.PermissionSetsProvisioningStatus) != 2 {
		t.Errorf("provisioning requests %+v", ls.PermissionSetsProvisioningStatus)
	}
	_, err := e.c.ProvisionPermissionSet(ctx, &sa.ProvisionPermissionSetInput{InstanceArn: inst, PermissionSetArn: admin,
		TargetType: types.ProvisionTargetTypeAwsAccount, TargetId: aws.String("999999999999")})
	wantErr(t, "provisioning to an unknown account", err, "ValidationException")
	_, err = e.c.ProvisionPermissionSet(ctx, &sa.ProvisionPermissionSetInput{InstanceArn: inst, PermissionSetArn: admin,
		TargetType: types.ProvisionTargetTypeAwsAccount})
	wantErr(t, "an account target without its ID", err, "ValidationException")
}
