package identitystore

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/ssooidc/ssooidc/internal/awsjson"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// groupOut is the model's Group and DescribeGroupResponse.
type groupOut struct {
	GroupID         string           `json:"GroupId"`
	DisplayName     string           `json:"DisplayName,omitempty"`
	ExternalIDs     []sso.ExternalID `json:"ExternalIds,omitempty"`
	Description     string           `json:"Description,omitempty"`
	CreatedAt       awsjson.Time     `json:"CreatedAt,omitzero"`
	UpdatedAt       awsjson.Time     `json:"UpdatedAt,omitzero"`
	CreatedBy       string           `json:"CreatedBy,omitempty"`
	UpdatedBy       string           `json:"UpdatedBy,omitempty"`
	IdentityStoreID string           `json:"IdentityStoreId"`
}

func (s *Service) toGroup(g sso.Group) groupOut {
	return groupOut{GroupID: g.ID, DisplayName: g.DisplayName, ExternalIDs: g.ExternalIDs, Description: g.Description,
		CreatedAt: awsjson.Time(g.CreatedAt), UpdatedAt: awsjson.Time(g.UpdatedAt), CreatedBy: g.CreatedBy,
		UpdatedBy: g.UpdatedBy, IdentityStoreID: s.storeID}
}

func checkGroup(c *checker, g sso.Group) {
	c.text("displayName", g.DisplayName, 1024, groupNamePattern)
	c.sensitive("description", g.Description)
}

type createGroupIn struct {
	IdentityStoreID string `json:"IdentityStoreId"`
	DisplayName     string `json:"DisplayName"`
	Description     string `json:"Description"`
}

func (in *createGroupIn) storeID() string { return in.IdentityStoreID }

func (in *createGroupIn) check(c *checker) {
	// The model leaves DisplayName optional; Identity Center requires it
	// (a group is found and assigned by it).
	c.required("displayName", in.DisplayName)
	checkGroup(c, sso.Group{DisplayName: in.DisplayName, Description: in.Description})
}

type groupIDOut struct {
	GroupID         string `json:"GroupId"`
	IdentityStoreID string `json:"IdentityStoreId"`
}

func (s *Service) createGroup(ctx context.Context, in *createGroupIn) (any, error) {
	g, err := s.dir.CreateGroup(ctx, sso.Group{DisplayName: in.DisplayName, Description: in.Description})
	if err != nil {
		return nil, conflict(err)
	}
	return groupIDOut{GroupID: g.ID, IdentityStoreID: s.storeID}, nil
}

type groupRef struct {
	IdentityStoreID string `json:"IdentityStoreId"`
	GroupID         string `json:"GroupId"`
}

func (in *groupRef) storeID() string  { return in.IdentityStoreID }
func (in *groupRef) check(c *checker) { c.resourceID("groupId", in.GroupID) }

func (s *Service) describeGroup(ctx context.Context, in *groupRef) (any, error) {
	g, err := s.dir.GetGroup(ctx, in.GroupID)
	if err != nil {
		return nil, orNotFound(err, typeGroup, in.GroupID)
	}
	return s.toGroup(g), nil
}

func (s *Service) deleteGroup(ctx context.Context, in *groupRef) (any, error) {
	if err := s.dir.DeleteGroup(ctx, in.GroupID); err != nil {
		return nil, orNotFound(err, typeGroup, in.GroupID)
	}
	return struct{}{}, nil
}

type updateGroupIn struct{ updateIn }

func (in *updateGroupIn) check(c *checker) {
	c.resourceID("groupId", in.GroupID)
	in.checkOps(c)
}

// updateGroup applies the operations: displayName and description may be
// replaced; description may be removed.
func (s *Service) updateGroup(ctx context.Context, in *updateGroupIn) (any, error) {
	_, err := s.dir.UpdateGroup(ctx, in.GroupID, func(g *sso.Group) error {
		for _, o := range *in.Operations {
			var v *string
			switch strings.ToLower(o.AttributePath) {
			case "displayname":
				v = &g.DisplayName
			case "description":
				v = &g.Description
			default:
				return awsjson.Errorf(awsjson.Validation, "The attribute %s of a group does not exist or cannot be changed.", clip(o.AttributePath))
			}
			*v = ""
			if len(o.AttributeValue) > 0 && string(o.AttributeValue) != "null" {
				if err := json.Unmarshal(o.AttributeValue, v); err != nil {
					return awsjson.Errorf(awsjson.Validation, "The value of %s must be a string.", clip(o.AttributePath))
				}
			}
		}
		c := &checker{}
		c.required("displayName", g.DisplayName)
		checkGroup(c, *g)
		return c.err()
	})
	if err != nil {
		return nil, conflict(orNotFound(err, typeGroup, in.GroupID))
	}
	return struct{}{}, nil
}

type listGroupsIn struct {
	IdentityStoreID string    `json:"IdentityStoreId"`
	MaxResults      *int      `json:"MaxResults"`
	NextToken       *string   `json:"NextToken"`
	Filters         *[]filter `json:"Filters"`
}

func (in *listGroupsIn) storeID() string { return in.IdentityStoreID }

func (in *listGroupsIn) check(c *checker) {
	c.page(in.MaxResults, in.NextToken)
	checkFilters(c, in.Filters)
}

type listGroupsOut struct {
	Groups    []groupOut `json:"Groups"`
	NextToken *string    `json:"NextToken,omitempty"`
}

func (s *Service) listGroups(ctx context.Context, in *listGroupsIn) (any, error) {
	name, err := filterOn(in.Filters, "DisplayName")
	if err != nil {
		return nil, err
	}
	after, err := afterToken("ListGroups", name, in.NextToken)
	if err != nil {
		return nil, err
	}
	size := pageSize(in.MaxResults)
	gs, err := s.dir.ListGroups(ctx, sso.GroupQuery{Page: sso.Page{After: after, Limit: size + 1}, DisplayName: name})
	if err != nil {
		return nil, err
	}
	page, next := pageOf(gs, size, "ListGroups", name, func(g sso.Group) string { return g.ID })
	out := listGroupsOut{Groups: make([]groupOut, 0, len(page)), NextToken: next}
	for _, g := range page {
		out.Groups = append(out.Groups, s.toGroup(g))
	}
	return out, nil
}

// getGroupID finds a group by external ID or by its unique attribute,
// displayName.
func (s *Service) getGroupID(ctx context.Context, in *getIDIn) (any, error) {
	a := in.AlternateIdentifier
	var g sso.Group
	var err error
	if a.ExternalID != nil {
		g, err = s.dir.GetGroupByExternalID(ctx, a.ExternalID.Issuer, a.ExternalID.ID)
	} else {
		path, v, uerr := a.unique()
		if uerr != nil {
			return nil, uerr
		}
		if !equalFold(path, "displayName") {
			return nil, awsjson.Errorf(awsjson.Validation, "The attribute %s is not a unique attribute; use displayName.", clip(path))
		}
		g, err = s.dir.GetGroupByName(ctx, v)
	}
	if err != nil {
		return nil, orNotFound(err, typeGroup, "")
	}
	return groupIDOut{GroupID: g.ID, IdentityStoreID: s.storeID}, nil
}
