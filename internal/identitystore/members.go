package identitystore

import (
	"context"
	"fmt"

	"github.com/ssooidc/ssooidc/internal/awsjson"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// memberID is the MemberId union; a user is the only kind of member.
type memberID struct {
	UserID string `json:"UserId"`
}

func checkMember(c *checker, m *memberID) {
	if m == nil {
		c.add("memberId", "not be null")
		return
	}
	c.resourceID("memberId.userId", m.UserID)
}

// membershipOut is the model's GroupMembership and
// DescribeGroupMembershipResponse.
type membershipOut struct {
	IdentityStoreID string       `json:"IdentityStoreId"`
	MembershipID    string       `json:"MembershipId"`
	GroupID         string       `json:"GroupId"`
	MemberID        memberID     `json:"MemberId"`
	CreatedAt       awsjson.Time `json:"CreatedAt,omitzero"`
	UpdatedAt       awsjson.Time `json:"UpdatedAt,omitzero"`
	CreatedBy       string       `json:"CreatedBy,omitempty"`
	UpdatedBy       string       `json:"UpdatedBy,omitempty"`
}

func (s *Service) toMembership(m sso.Membership) membershipOut {
	return membershipOut{IdentityStoreID: s.storeID, MembershipID: m.ID, GroupID: m.GroupID, MemberID: memberID{m.UserID},
		CreatedAt: awsjson.Time(m.CreatedAt), UpdatedAt: awsjson.Time(m.UpdatedAt), CreatedBy: m.CreatedBy, UpdatedBy: m.UpdatedBy}
}

type membershipIn struct {
	IdentityStoreID string    `json:"IdentityStoreId"`
	GroupID         string    `json:"GroupId"`
	MemberID        *memberID `json:"MemberId"`
}

func (in *membershipIn) storeID() string { return in.IdentityStoreID }

func (in *membershipIn) check(c *checker) {
	c.resourceID("groupId", in.GroupID)
	checkMember(c, in.MemberID)
}

type membershipIDOut struct {
	MembershipID    string `json:"MembershipId"`
	IdentityStoreID string `json:"IdentityStoreId"`
}

// groupAndUser answers which of the two is missing.
func (s *Service) groupAndUser(ctx context.Context, groupID, userID string) error {
	if _, err := s.dir.GetGroup(ctx, groupID); err != nil {
		return orNotFound(err, typeGroup, groupID)
	}
	if _, err := s.dir.GetUser(ctx, userID); err != nil {
		return orNotFound(err, typeUser, userID)
	}
	return nil
}

func (s *Service) createMembership(ctx context.Context, in *membershipIn) (any, error) {
	m, err := s.dir.AddMember(ctx, in.GroupID, in.MemberID.UserID)
	if sso.CodeOf(err) == sso.CodeResourceNotFound {
		return nil, s.groupAndUser(ctx, in.GroupID, in.MemberID.UserID)
	}
	if err != nil {
		return nil, conflict(err)
	}
	return membershipIDOut{MembershipID: m.ID, IdentityStoreID: s.storeID}, nil
}

func (s *Service) getMembershipID(ctx context.Context, in *membershipIn) (any, error) {
	m, err := s.dir.GetMembershipOf(ctx, in.GroupID, in.MemberID.UserID)
	if err != nil {
		return nil, orNotFound(err, typeMembership, "")
	}
	return membershipIDOut{MembershipID: m.ID, IdentityStoreID: s.storeID}, nil
}

type membershipRef struct {
	IdentityStoreID string `json:"IdentityStoreId"`
	MembershipID    string `json:"MembershipId"`
}

func (in *membershipRef) storeID() string  { return in.IdentityStoreID }
func (in *membershipRef) check(c *checker) { c.resourceID("membershipId", in.MembershipID) }

func (s *Service) describeMembership(ctx context.Context, in *membershipRef) (any, error) {
	m, err := s.dir.GetMembership(ctx, in.MembershipID)
	if err != nil {
		return nil, orNotFound(err, typeMembership, in.MembershipID)
	}
	return s.toMembership(m), nil
}

func (s *Service) deleteMembership(ctx context.Context, in *membershipRef) (any, error) {
	if err := s.dir.RemoveMembership(ctx, in.MembershipID); err != nil {
		return nil, orNotFound(err, typeMembership, in.MembershipID)
	}
	return struct{}{}, nil
}

type isMemberIn struct {
	IdentityStoreID string    `json:"IdentityStoreId"`
	MemberID        *memberID `json:"MemberId"`
	GroupIDs        *[]string `json:"GroupIds"`
}

func (in *isMemberIn) storeID() string { return in.IdentityStoreID }

func (in *isMemberIn) check(c *checker) {
	checkMember(c, in.MemberID)
	if in.GroupIDs == nil {
		c.add("groupIds", "not be null")
		return
	}
	c.listLen("groupIds", len(*in.GroupIDs), 1, 100)
	for i, g := range *in.GroupIDs {
		c.resourceID(fmt.Sprintf("groupIds.%d.member", i+1), g)
	}
}

type existence struct {
	GroupID          string   `json:"GroupId"`
	MemberID         memberID `json:"MemberId"`
	MembershipExists bool     `json:"MembershipExists"`
}

// isMemberInGroups answers for each group whether the user is a member;
// a group that does not exist has no members.
func (s *Service) isMemberInGroups(ctx context.Context, in *isMemberIn) (any, error) {
	uid := in.MemberID.UserID
	if _, err := s.dir.GetUser(ctx, uid); err != nil {
		return nil, orNotFound(err, typeUser, uid)
	}
	out := make([]existence, 0, len(*in.GroupIDs))
	for _, g := range *in.GroupIDs {
		_, err := s.dir.GetMembershipOf(ctx, g, uid)
		if err != nil && sso.CodeOf(err) != sso.CodeResourceNotFound {
			return nil, err
		}
		out = append(out, existence{GroupID: g, MemberID: memberID{uid}, MembershipExists: err == nil})
	}
	return struct {
		Results []existence `json:"Results"`
	}{out}, nil
}

type listMembershipsIn struct {
	IdentityStoreID string    `json:"IdentityStoreId"`
	GroupID         string    `json:"GroupId"`
	MemberID        *memberID `json:"MemberId"`
	MaxResults      *int      `json:"MaxResults"`
	NextToken       *string   `json:"NextToken"`
}

func (in *listMembershipsIn) storeID() string { return in.IdentityStoreID }

type listGroupMembershipsIn struct{ listMembershipsIn }

func (in *listGroupMembershipsIn) check(c *checker) {
	c.resourceID("groupId", in.GroupID)
	c.page(in.MaxResults, in.NextToken)
}

type listForMemberIn struct{ listMembershipsIn }

func (in *listForMemberIn) check(c *checker) {
	checkMember(c, in.MemberID)
	c.page(in.MaxResults, in.NextToken)
}

type listMembershipsOut struct {
	GroupMemberships []membershipOut `json:"GroupMemberships"`
	NextToken        *string         `json:"NextToken,omitempty"`
}

func (s *Service) listMemberships(ctx context.Context, in *listGroupMembershipsIn) (any, error) {
	if _, err := s.dir.GetGroup(ctx, in.GroupID); err != nil {
		return nil, orNotFound(err, typeGroup, in.GroupID)
	}
	return s.memberships(ctx, "ListGroupMemberships", in.listMembershipsIn, sso.MembershipQuery{GroupID: in.GroupID})
}

func (s *Service) listMembershipsForMember(ctx context.Context, in *listForMemberIn) (any, error) {
	uid := in.MemberID.UserID
	if _, err := s.dir.GetUser(ctx, uid); err != nil {
		return nil, orNotFound(err, typeUser, uid)
	}
	return s.memberships(ctx, "ListGroupMembershipsForMember", in.listMembershipsIn, sso.MembershipQuery{UserID: uid})
}

// memberships lists one page of the memberships q selects.
func (s *Service) memberships(ctx context.Context, op string, in listMembershipsIn, q sso.MembershipQuery) (any, error) {
	scope := q.GroupID + "/" + q.UserID
	after, err := afterToken(op, scope, in.NextToken)
	if err != nil {
		return nil, err
	}
	size := pageSize(in.MaxResults)
	q.Page = sso.Page{After: after, Limit: size + 1}
	ms, err := s.dir.ListMemberships(ctx, q)
	if err != nil {
		return nil, err
	}
	page, next := pageOf(ms, size, op, scope, func(m sso.Membership) string { return m.ID })
	out := listMembershipsOut{GroupMemberships: make([]membershipOut, 0, len(page)), NextToken: next}
	for _, m := range page {
		out.GroupMemberships = append(out.GroupMemberships, s.toMembership(m))
	}
	return out, nil
}
