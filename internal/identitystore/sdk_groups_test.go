package identitystore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/identitystore/document"
	"github.com/aws/aws-sdk-go-v2/service/identitystore/types"
)

func TestSDKGroupsAndMemberships(t *testing.T) {
	srv := newServer(t)
	ctx := context.Background()
	c := client(srv, admin)
	u, err := c.CreateUser(ctx, newUserInput("carol"))
	if err != nil {
		t.Fatal(err)
	}
	g, err := c.CreateGroup(ctx, &identitystore.CreateGroupInput{IdentityStoreId: aws.String(storeID),
		DisplayName: aws.String("Platform team"), Description: aws.String("we run it")})
	if err != nil {
		t.Fatal(err)
	}
	m, err := c.CreateGroupMembership(ctx, &identitystore.CreateGroupMembershipInput{IdentityStoreId: aws.String(storeID),
		GroupId: g.GroupId, MemberId: &types.MemberIdMemberUserId{Value: aws.ToString(u.UserId)}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateGroupMembership(ctx, &identitystore.CreateGroupMembershipInput{IdentityStoreId: aws.String(storeID),
		GroupId: g.GroupId, MemberId: &types.MemberIdMemberUserId{Value: aws.ToString(u.UserId)}})
	var conflict *types.ConflictException
	if !errors.As(err, &conflict) {
		t.Errorf("a second membership: %v", err)
	}
	desc, err := c.DescribeGroupMembership(ctx, &identitystore.DescribeGroupMembershipInput{IdentityStoreId: aws.String(storeID), MembershipId: m.MembershipId})
	if err != nil {
		t.Fatal(err)
	}
	if mid, ok := desc.MemberId.(*types.MemberIdMemberUserId); !ok || mid.Value != aws.ToString(u.UserId) || aws.ToString(desc.GroupId) != aws.ToString(g.GroupId) {
		t.Errorf("DescribeGroupMembership = %+v", desc)
	}
	got, err := c.GetGroupMembershipId(ctx, &identitystore.GetGroupMembershipIdInput{IdentityStoreId: aws.String(storeID),
		GroupId: g.GroupId, MemberId: &types.MemberIdMemberUserId{Value: aws.ToString(u.UserId)}})
	if err != nil || aws.ToString(got.MembershipId) != aws.ToString(m.MembershipId) {
		t.Errorf("GetGroupMembershipId = %+v, %v", got, err)
	}
	other, err := c.CreateGroup(ctx, &identitystore.CreateGroupInput{IdentityStoreId: aws.String(storeID), DisplayName: aws.String("Others")})
	if err != nil {
		t.Fatal(err)
	}
	is, err := c.IsMemberInGroups(ctx, &identitystore.IsMemberInGroupsInput{IdentityStoreId: aws.String(storeID),
		MemberId: &types.MemberIdMemberUserId{Value: aws.ToString(u.UserId)}, GroupIds: []string{aws.ToString(g.GroupId), aws.ToString(other.GroupId)}})
	if err != nil || len(is.Results) != 2 || !is.Results[0].MembershipExists || is.Results[1].MembershipExists {
		t.Errorf("IsMemberInGroups = %+v, %v", is, err)
	}
	for_, err := c.ListGroupMembershipsForMember(ctx, &identitystore.ListGroupMembershipsForMemberInput{IdentityStoreId: aws.String(storeID),
		MemberId: &types.MemberIdMemberUserId{Value: aws.ToString(u.UserId)}})
	if err != nil || len(for_.GroupMemberships) != 1 {
		t.Errorf("ListGroupMembershipsForMember = %+v, %v", for_, err)
	}
	byName, err := c.GetGroupId(ctx, &identitystore.GetGroupIdInput{IdentityStoreId: aws.String(storeID),
		AlternateIdentifier: &types.AlternateIdentifierMemberUniqueAttribute{Value: types.UniqueAttribute{
			AttributePath: aws.String("displayName"), AttributeValue: document.NewLazyDocument("Platform team")}}})
	if err != nil || aws.ToString(byName.GroupId) != aws.ToString(g.GroupId) {
		t.Errorf("GetGroupId = %+v, %v", byName, err)
	}
	if _, err := c.UpdateGroup(ctx, &identitystore.UpdateGroupInput{IdentityStoreId: aws.String(storeID), GroupId: g.GroupId,
		Operations: []types.AttributeOperation{{AttributePath: aws.String("displayName"), AttributeValue: document.NewLazyDocument("Platform")},
			{AttributePath: aws.String("description")}}}); err != nil {
		t.Fatal(err)
	}
	dg, err := c.DescribeGroup(ctx, &identitystore.DescribeGroupInput{IdentityStoreId: aws.String(storeID), GroupId: g.GroupId})
	if err != nil || aws.ToString(dg.DisplayName) != "Platform" || dg.Description != nil {
		t.Errorf("DescribeGroup after update = %+v, %v", dg, err)
	}
	if _, err := c.DeleteGroupMembership(ctx, &identitystore.DeleteGroupMembershipInput{IdentityStoreId: aws.String(storeID), MembershipId: m.MembershipId}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteGroupMembership(ctx, &identitystore.DeleteGroupMembershipInput{IdentityStoreId: aws.String(storeID), MembershipId: m.MembershipId})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) || nf.ResourceType != types.ResourceTypeGroupMembership {
		t.Errorf("deleting a membership twice: %v", err)
	}
	if _, err := c.DeleteGroup(ctx, &identitystore.DeleteGroupInput{IdentityStoreId: aws.String(storeID), GroupId: g.GroupId}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeGroup(ctx, &identitystore.DescribeGroupInput{IdentityStoreId: aws.String(storeID), GroupId: g.GroupId})
	if !errors.As(err, &nf) || nf.ResourceType != types.ResourceTypeGroup {
		t.Errorf("a deleted group: %v", err)
	}
}

// TestSDKPaginators walks every listing with the SDK's own paginators,
// across several pages.
func TestSDKPaginators(t *testing.T) {
	srv := newServer(t)
	ctx := context.Background()
	c := client(srv, admin)
	g, err := c.CreateGroup(ctx, &identitystore.CreateGroupInput{IdentityStoreId: aws.String(storeID), DisplayName: aws.String("all")})
	if err != nil {
		t.Fatal(err)
	}
	const n = 23
	for i := range n {
		u, err := c.CreateUser(ctx, newUserInput(fmt.Sprintf("user%02d", i)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.CreateGroupMembership(ctx, &identitystore.CreateGroupMembershipInput{IdentityStoreId: aws.String(storeID),
			GroupId: g.GroupId, MemberId: &types.MemberIdMemberUserId{Value: aws.ToString(u.UserId)}}); err != nil {
			t.Fatal(err)
		}
		if i < 7 {
			if _, err := c.CreateGroup(ctx, &identitystore.CreateGroupInput{IdentityStoreId: aws.String(storeID),
				DisplayName: aws.String(fmt.Sprintf("group %d", i))}); err != nil {
				t.Fatal(err)
			}
		}
	}
	users, pages := map[string]bool{}, 0
	p := identitystore.NewListUsersPaginator(c, &identitystore.ListUsersInput{IdentityStoreId: aws.String(storeID), MaxResults: aws.Int32(5)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, u := range out.Users {
			users[aws.ToString(u.UserId)] = true
		}
	}
	if len(users) != n || pages != 5 {
		t.Errorf("ListUsers paginator: %d users in %d pages, want %d in 5", len(users), pages, n)
	}
	groups := 0
	gp := identitystore.NewListGroupsPaginator(c, &identitystore.ListGroupsInput{IdentityStoreId: aws.String(storeID), MaxResults: aws.Int32(3)})
	for gp.HasMorePages() {
		out, err := gp.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		groups += len(out.Groups)
	}
	if groups != 8 {
		t.Errorf("ListGroups paginator: %d groups, want 8", groups)
	}
	members := 0
	mp := identitystore.NewListGroupMembershipsPaginator(c, &identitystore.ListGroupMembershipsInput{IdentityStoreId: aws.String(storeID),
		GroupId: g.GroupId, MaxResults: aws.Int32(10)})
	for mp.HasMorePages() {
		out, err := mp.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		members += len(out.GroupMemberships)
	}
	if members != n {
		t.Errorf("ListGroupMemberships paginator: %d, want %d", members, n)
	}
	filtered, err := c.ListUsers(ctx, &identitystore.ListUsersInput{IdentityStoreId: aws.String(storeID),
		Filters: []types.Filter{{AttributePath: aws.String("UserName"), AttributeValue: aws.String("user07")}}})
	if err != nil || len(filtered.Users) != 1 || aws.ToString(filtered.Users[0].UserName) != "user07" || filtered.NextToken != nil {
		t.Errorf("ListUsers filtered by UserName = %+v, %v", filtered, err)
	}
	// A token of one listing is refused by another.
	first, err := c.ListUsers(ctx, &identitystore.ListUsersInput{IdentityStoreId: aws.String(storeID), MaxResults: aws.Int32(1)})
	if err != nil || first.NextToken == nil {
		t.Fatalf("ListUsers first page: %+v, %v", first, err)
	}
	_, err = c.ListGroups(ctx, &identitystore.ListGroupsInput{IdentityStoreId: aws.String(storeID), NextToken: first.NextToken})
	var ve *types.ValidationException
	if !errors.As(err, &ve) {
		t.Errorf("a ListUsers token given to ListGroups: %v", err)
	}
}
