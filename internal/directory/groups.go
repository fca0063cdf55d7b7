package directory

import (
	"context"
	"errors"
	"fmt"

	"github.com/ssooidc/ssooidc/internal/audit"
	"github.com/ssooidc/ssooidc/internal/sso"
)

func groupTarget(g sso.Group) sso.Target {
	return sso.Target{Type: audit.TargetGroup, ID: g.ID, Name: g.DisplayName}
}

// CheckGroup validates every field of g a client can set.
func CheckGroup(g sso.Group) error {
	if err := CheckGroupName(g.DisplayName); err != nil {
		return err
	}
	if err := checkText("group description", g.Description); err != nil {
		return err
	}
	return checkExternalIDs(g.ExternalIDs)
}

// CreateGroup validates g and stores it as a new group with a fresh ID.
// Errors: CodeInvalidRequest, CodeConflict (the display name or an
// external ID is taken).
func (s *Service) CreateGroup(ctx context.Context, g sso.Group) (sso.Group, error) {
	if err := CheckGroup(g); err != nil {
		return sso.Group{}, err
	}
	now := s.now()
	g.ID, g.CreatedAt, g.UpdatedAt = sso.RandomUUID(), now, now
	g.CreatedBy, g.UpdatedBy = actorName(ctx), actorName(ctx)
	ev := s.rec.Event(ctx, audit.GroupCreated, groupTarget(g))
	if err := s.rec.Do(ctx, func(ctx context.Context) error { return s.groups.CreateGroup(ctx, g) }, ev); err != nil {
		return sso.Group{}, conflict(err, fmt.Sprintf("A group named %q or with one of these external IDs exists already.", g.DisplayName))
	}
	return g, nil
}

// EnsureGroup returns the group named name, creating it when there is
// none (and another caller did not create it meanwhile).
func (s *Service) EnsureGroup(ctx context.Context, name string) (sso.Group, error) {
	for range 3 {
		g, err := s.groups.GetGroupByName(ctx, name)
		if err == nil {
			return g, nil
		}
		if !errors.Is(err, sso.ErrNotFound) {
			return sso.Group{}, storeErr(err)
		}
		g, err = s.CreateGroup(ctx, sso.Group{DisplayName: name})
		if sso.CodeOf(err) != sso.CodeConflict {
			return g, err
		}
	}
	return sso.Group{}, sso.Errorf(sso.CodeConflict, "The group %q changed while it was being created; try again.", name)
}

// UpdateGroup runs change on the group id and stores the result. Errors:
// CodeResourceNotFound, CodeInvalidRequest, CodeConflict, or change's own.
func (s *Service) UpdateGroup(ctx context.Context, id string, change func(*sso.Group) error) (sso.Group, error) {
	now := s.now()
	var evs []sso.Event
	g, err := s.groups.UpdateGroup(s.late(ctx, &evs), id, func(old sso.Group) (sso.Group, error) {
		next := old
		if err := change(&next); err != nil {
			return sso.Group{}, err
		}
		if err := CheckGroup(next); err != nil {
			return sso.Group{}, err
		}
		next.UpdatedAt, next.UpdatedBy = now, actorName(ctx)
		evs = append(evs[:0], s.rec.Event(ctx, audit.GroupUpdated, groupTarget(next)))
		return next, nil
	})
	if err != nil {
		return sso.Group{}, conflict(err, "The new display name or an external ID belongs to another group.")
	}
	for _, e := range evs {
		s.rec.Log(ctx, e)
	}
	return g, nil
}

// DeleteGroup deletes the group id with its memberships and assignments.
// Errors: CodeResourceNotFound.
func (s *Service) DeleteGroup(ctx context.Context, id string) error {
	g, err := s.groups.GetGroup(ctx, id)
	if err != nil {
		return storeErr(err)
	}
	ev := s.rec.Event(ctx, audit.GroupDeleted, groupTarget(g))
	return storeErr(s.rec.Do(ctx, func(ctx context.Context) error { return s.groups.DeleteGroup(ctx, id) }, ev))
}

// GetGroup returns the group id. Errors: CodeResourceNotFound.
func (s *Service) GetGroup(ctx context.Context, id string) (sso.Group, error) {
	g, err := s.groups.GetGroup(ctx, id)
	return g, storeErr(err)
}

// GetGroupByName returns the group with the display name. Errors:
// CodeResourceNotFound.
func (s *Service) GetGroupByName(ctx context.Context, name string) (sso.Group, error) {
	g, err := s.groups.GetGroupByName(ctx, name)
	return g, storeErr(err)
}

// GetGroupByExternalID returns the group with the external ID. Errors:
// CodeResourceNotFound.
func (s *Service) GetGroupByExternalID(ctx context.Context, issuer, id string) (sso.Group, error) {
	g, err := s.groups.GetGroupByExternalID(ctx, issuer, id)
	return g, storeErr(err)
}

// ListGroups returns the groups q selects, ordered by ID.
func (s *Service) ListGroups(ctx context.Context, q sso.GroupQuery) ([]sso.Group, error) {
	gs, err := s.groups.ListGroups(ctx, q)
	return gs, storeErr(err)
}

// newMembership is a membership record of userID in groupID made now.
func (s *Service) newMembership(ctx context.Context, groupID, userID, source string) sso.Membership {
	now := s.now()
	return sso.Membership{ID: sso.RandomUUID(), GroupID: groupID, UserID: userID, Source: source,
		CreatedAt: now, UpdatedAt: now, CreatedBy: actorName(ctx), UpdatedBy: actorName(ctx)}
}

// AddMember makes the user userID a member of the group groupID. Errors:
// CodeResourceNotFound (no such group or user), CodeConflict (a member
// already).
func (s *Service) AddMember(ctx context.Context, groupID, userID string) (sso.Membership, error) {
	g, u, err := s.pair(ctx, groupID, userID)
	if err != nil {
		return sso.Membership{}, err
	}
	m := s.newMembership(ctx, groupID, userID, "")
	ev := s.rec.Event(ctx, audit.MemberAdded, sso.Target{Type: audit.TargetMembership, ID: m.ID, Name: g.DisplayName, User: u.Name})
	if err := s.rec.Do(ctx, func(ctx context.Context) error { return s.groups.CreateMembership(ctx, m) }, ev); err != nil {
		return sso.Membership{}, conflict(err, fmt.Sprintf("User %q is a member of group %q already.", u.Name, g.DisplayName))
	}
	return m, nil
}

func (s *Service) pair(ctx context.Context, groupID, userID string) (sso.Group, sso.User, error) {
	g, err := s.groups.GetGroup(ctx, groupID)
	if err != nil {
		return sso.Group{}, sso.User{}, storeErr(err)
	}
	u, err := s.users.GetUser(ctx, userID)
	if err != nil {
		return sso.Group{}, sso.User{}, storeErr(err)
	}
	return g, u, nil
}

// RemoveMembership deletes the membership id. Errors: CodeResourceNotFound.
func (s *Service) RemoveMembership(ctx context.Context, id string) error {
	m, err := s.groups.GetMembership(ctx, id)
	if err != nil {
		return storeErr(err)
	}
	t := sso.Target{Type: audit.TargetMembership, ID: m.ID}
	if g, u, err := s.pair(ctx, m.GroupID, m.UserID); err == nil {
		t.Name, t.User = g.DisplayName, u.Name
	}
	ev := s.rec.Event(ctx, audit.MemberRemoved, t)
	return storeErr(s.rec.Do(ctx, func(ctx context.Context) error { return s.groups.DeleteMembership(ctx, id) }, ev))
}

// GetMembership returns the membership id. Errors: CodeResourceNotFound.
func (s *Service) GetMembership(ctx context.Context, id string) (sso.Membership, error) {
	m, err := s.groups.GetMembership(ctx, id)
	return m, storeErr(err)
}

// GetMembershipOf returns the membership of userID in groupID. Errors:
// CodeResourceNotFound.
func (s *Service) GetMembershipOf(ctx context.Context, groupID, userID string) (sso.Membership, error) {
	m, err := s.groups.GetMembershipOf(ctx, groupID, userID)
	return m, storeErr(err)
}

// ListMemberships returns the memberships q selects.
func (s *Service) ListMemberships(ctx context.Context, q sso.MembershipQuery) ([]sso.Membership, error) {
	ms, err := s.groups.ListMemberships(ctx, q)
	return ms, storeErr(err)
}

// ErrNoGroup is the cause of ChangeMembers' error when the group does
// not exist (as opposed to a user to add).
var ErrNoGroup = errors.New("directory: no such group")

// ChangeMembers adds and removes members of the group groupID in one
// transaction with one event (SCIM's PATCH). Adding a member and removing
// a non-member are no-ops. Errors: CodeResourceNotFound when the group or
// an added user does not exist (nothing changes).
func (s *Service) ChangeMembers(ctx context.Context, groupID string, addUserIDs, removeUserIDs []string) error {
	g, err := s.groups.GetGroup(ctx, groupID)
	if errors.Is(err, sso.ErrNotFound) {
		return &sso.Error{Code: sso.CodeResourceNotFound, Message: "The group does not exist.", Err: ErrNoGroup}
	}
	if err != nil {
		return storeErr(err)
	}
	add := make([]sso.Membership, 0, len(addUserIDs))
	for _, u := range addUserIDs {
		add = append(add, s.newMembership(ctx, groupID, u, ""))
	}
	ev := s.rec.Event(ctx, audit.MembersChanged, groupTarget(g),
		"added", fmt.Sprint(len(addUserIDs)), "removed", fmt.Sprint(len(removeUserIDs)))
	err = s.rec.Do(ctx, func(ctx context.Context) error { return s.groups.ChangeMembers(ctx, groupID, add, removeUserIDs) }, ev)
	if errors.Is(err, sso.ErrNotFound) {
		return &sso.Error{Code: sso.CodeResourceNotFound, Message: "A user to add does not exist.", Err: err}
	}
	return storeErr(err)
}

// SyncGroups makes the memberships of the user userID that source manages
// exactly those of the groups named names, creating groups that do not
// exist: how a sign-in through an upstream identity provider (source
// "upstream:ID") or the config file (source "config") keeps a person's
// groups. Memberships of other sources are left alone.
func (s *Service) SyncGroups(ctx context.Context, userID, source string, names []string) error {
	u, err := s.users.GetUser(ctx, userID)
	if err != nil {
		return storeErr(err)
	}
	add := make([]sso.Membership, 0, len(names))
	for _, n := range names {
		if err := CheckGroupName(n); err != nil {
			return err
		}
		g, err := s.EnsureGroup(ctx, n)
		if err != nil {
			return err
		}
		add = append(add, s.newMembership(ctx, g.ID, userID, source))
	}
	ev := s.rec.Event(ctx, audit.MembersChanged, audit.UserTarget(u), "source", source, "groups", fmt.Sprint(len(names)))
	return storeErr(s.rec.Do(ctx, func(ctx context.Context) error { return s.groups.SyncMemberships(ctx, userID, source, add) }, ev))
}

// UserGroups returns the groups the user userID is a member of.
func (s *Service) UserGroups(ctx context.Context, userID string) ([]sso.Group, error) {
	ms, err := s.groups.ListMemberships(ctx, sso.MembershipQuery{UserID: userID})
	if err != nil {
		return nil, storeErr(err)
	}
	out := make([]sso.Group, 0, len(ms))
	for _, m := range ms {
		g, err := s.groups.GetGroup(ctx, m.GroupID)
		if errors.Is(err, sso.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, storeErr(err)
		}
		out = append(out, g)
	}
	return out, nil
}

// CountGroups returns how many groups there are.
func (s *Service) CountGroups(ctx context.Context) (int, error) {
	n, err := s.groups.CountGroups(ctx)
	return n, storeErr(err)
}
