package scim

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/ssooidc/ssooidc/internal/directory"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// maxMemberChanges is how many members one request may add or remove, as
// in Identity Center.
const maxMemberChanges = 100

// member is one element of a group's members.
type member struct {
	Value string `json:"value"`
}

type groupDoc struct {
	DisplayName *string  `json:"displayName"`
	ExternalID  *string  `json:"externalId"`
	Members     []member `json:"members"`
}

func (h *Handler) createGroup(ctx context.Context, r *http.Request) (int, any, error) {
	var doc groupDoc
	if err := readJSON(r, &doc); err != nil {
		return 0, nil, err
	}
	if doc.DisplayName == nil || *doc.DisplayName == "" {
		return 0, nil, scimErr(http.StatusBadRequest, "invalidValue", "displayName is required.")
	}
	ids, err := memberIDs(doc.Members)
	if err != nil {
		return 0, nil, err
	}
	if len(ids) > maxMemberChanges {
		return 0, nil, scimErr(http.StatusBadRequest, "invalidValue", "At most %d members can be added in one request.", maxMemberChanges)
	}
	// The members must exist before the group is made, so that a
	// refused request leaves nothing behind.
	for _, id := range ids {
		if _, err := h.dir.GetUser(ctx, id); err != nil {
			return 0, nil, missingMember(err, id)
		}
	}
	g := sso.Group{DisplayName: *doc.DisplayName}
	if doc.ExternalID != nil {
		g.ExternalIDs = h.setExternalID(nil, *doc.ExternalID)
	}
	g, err = h.dir.CreateGroup(ctx, g)
	if err != nil {
		return 0, nil, err
	}
	if len(ids) > 0 {
		if err := h.dir.ChangeMembers(ctx, g.ID, ids, nil); err != nil {
			_ = h.dir.DeleteGroup(context.WithoutCancel(ctx), g.ID)
			return 0, nil, missingMember(err, "")
		}
	}
	return http.StatusCreated, h.groupResource(g), nil
}

// missingMember answers a member that is not a user.
func missingMember(err error, id string) error {
	if sso.CodeOf(err) != sso.CodeResourceNotFound {
		return err
	}
	if id == "" {
		return scimErr(http.StatusBadRequest, "invalidValue", "A member is not a user of this directory.")
	}
	return scimErr(http.StatusBadRequest, "invalidValue", "Member %s is not a user of this directory.", clip(id))
}

func memberIDs(ms []member) ([]string, error) {
	ids := make([]string, 0, len(ms))
	for _, m := range ms {
		if m.Value == "" {
			return nil, scimErr(http.StatusBadRequest, "invalidValue", "A member needs a value, the user's id.")
		}
		ids = append(ids, m.Value)
	}
	return ids, nil
}

func (h *Handler) group(ctx context.Context, id string) (sso.Group, error) {
	g, err := h.dir.GetGroup(ctx, id)
	if sso.CodeOf(err) == sso.CodeResourceNotFound {
		return sso.Group{}, scimErr(http.StatusNotFound, "", "Group %s not found.", clip(id))
	}
	return g, err
}

func (h *Handler) getGroup(ctx context.Context, r *http.Request) (int, any, error) {
	g, err := h.group(ctx, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, h.groupResource(g), nil
}

func (h *Handler) deleteGroup(ctx context.Context, r *http.Request) (int, any, error) {
	id := r.PathValue("id")
	if err := h.dir.DeleteGroup(ctx, id); err != nil {
		if sso.CodeOf(err) == sso.CodeResourceNotFound {
			return 0, nil, scimErr(http.StatusNotFound, "", "Group %s not found.", clip(id))
		}
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}

// groupChange is what a PATCH of a group does: members added and removed
// (one store transaction), and a new display name or external ID.
type groupChange struct {
	add, remove []string
	displayName *string
	externalID  *string
}

// patchGroup applies a PATCH (RFC 7644 §3.5.2) of members, displayName and
// externalId and answers 204, as Identity Center does. Like Identity
// Center it refuses to replace the member list or remove every member.
func (h *Handler) patchGroup(ctx context.Context, r *http.Request) (int, any, error) {
	ops, err := readPatch(r)
	if err != nil {
		return 0, nil, err
	}
	var c groupChange
	for _, o := range ops {
		if err := c.apply(o); err != nil {
			return 0, nil, err
		}
	}
	if len(c.add)+len(c.remove) > maxMemberChanges {
		return 0, nil, scimErr(http.StatusBadRequest, "invalidValue", "At most %d membership changes are allowed in one request.", maxMemberChanges)
	}
	id := r.PathValue("id")
	if c.displayName != nil || c.externalID != nil {
		if _, err := h.group(ctx, id); err != nil {
			return 0, nil, err
		}
		_, err := h.dir.UpdateGroup(ctx, id, func(g *sso.Group) error {
			if c.displayName != nil {
				g.DisplayName = *c.displayName
			}
			if c.externalID != nil {
				g.ExternalIDs = h.setExternalID(g.ExternalIDs, *c.externalID)
			}
			return nil
		})
		if err != nil {
			return 0, nil, err
		}
	}
	if len(c.add)+len(c.remove) > 0 {
		// ChangeMembers reads the group (for its event) and says when it
		// does not exist.
		if err := h.dir.ChangeMembers(ctx, id, c.add, c.remove); errors.Is(err, directory.ErrNoGroup) {
			return 0, nil, scimErr(http.StatusNotFound, "", "Group %s not found.", clip(id))
		} else if err != nil {
			return 0, nil, missingMember(err, "")
		}
	} else if c.displayName == nil && c.externalID == nil {
		if _, err := h.group(ctx, id); err != nil { // an empty PATCH of a missing group is a 404 too
			return 0, nil, err
		}
	}
	return http.StatusNoContent, nil, nil
}

// apply adds one operation to the change.
func (c *groupChange) apply(o patchOp) error {
	path := strings.ToLower(o.Path)
	switch {
	case path == "":
		var doc map[string]json.RawMessage
		if err := json.Unmarshal(o.Value, &doc); err != nil {
			return scimErr(http.StatusBadRequest, "invalidValue", "Without a path, the value must be an object of attributes.")
		}
		for k, v := range doc {
			if strings.EqualFold(k, "id") || strings.EqualFold(k, "schemas") || strings.EqualFold(k, "meta") {
				continue // Identity Center's own example repeats the id.
			}
			if err := c.apply(patchOp{Op: o.Op, Path: k, Value: v}); err != nil {
				return err
			}
		}
		return nil
	case path == "displayname":
		if o.Op == "remove" {
			return scimErr(http.StatusBadRequest, "mutability", "displayName is required and cannot be removed.")
		}
		s, err := stringOf("displayName", o.Value)
		if err != nil || s == "" {
			return scimErr(http.StatusBadRequest, "invalidValue", "displayName must be a non-empty string.")
		}
		c.displayName = &s
		return nil
	case path == "externalid":
		s, err := stringOf("externalId", o.Value)
		if o.Op == "remove" {
			s, err = "", nil
		}
		c.externalID = &s
		return err
	case path == "members":
		return c.members(o)
	case strings.HasPrefix(path, "members[") && o.Op == "remove":
		// Okta's form: members[value eq "id"].
		terms, err := parseFilter(o.Path[len("members[") : len(o.Path)-1])
		if err != nil || len(terms) != 1 || terms[0].attr != "value" || !strings.HasSuffix(o.Path, "]") {
			return scimErr(http.StatusBadRequest, "invalidPath", "A member is named members[value eq \"id\"].")
		}
		c.remove = append(c.remove, terms[0].value)
		return nil
	}
	return scimErr(http.StatusBadRequest, "invalidPath", "A group's PATCH may change displayName, externalId and members (got %s).", clip(o.Path))
}

func (c *groupChange) members(o patchOp) error {
	switch o.Op {
	case "replace":
		return scimErr(http.StatusBadRequest, "invalidValue", "Replacing the member list is not supported, as in IAM Identity Center: add and remove members.")
	case "remove":
		if isNull(o.Value) {
			return scimErr(http.StatusBadRequest, "invalidValue", "Removing every member at once is not supported, as in IAM Identity Center: name the members to remove.")
		}
	}
	var ms []member
	if err := json.Unmarshal(o.Value, &ms); err != nil {
		return scimErr(http.StatusBadRequest, "invalidValue", "members must be a list of {\"value\": user id}.")
	}
	ids, err := memberIDs(ms)
	if err != nil {
		return err
	}
	if o.Op == "add" {
		c.add = append(c.add, ids...)
	} else {
		c.remove = append(c.remove, ids...)
	}
	return nil
}

// listGroups answers GET /Groups: by displayName, externalId, id or
// member (members eq "user id", members.value, members[value eq ...]),
// joined by and, or every group a page at a time. Members are never
// listed (Identity Center's GET returns an empty member list).
func (h *Handler) listGroups(ctx context.Context, r *http.Request) (int, any, error) {
	return listing(ctx, r, h.dir.CountGroups,
		func(ctx context.Context, offset, limit int) ([]sso.Group, error) {
			return h.dir.ListGroups(ctx, sso.GroupQuery{Offset: offset, Page: sso.Page{Limit: limit}})
		}, h.findGroups, func(g sso.Group) any { return h.groupResource(g) })
}

func (h *Handler) findGroups(ctx context.Context, terms []term) ([]sso.Group, error) {
	var byID, byName, byExt, byMember *string
	for i := range terms {
		t := &terms[i]
		switch t.attr {
		case "id":
			byID = &t.value
		case "displayname":
			byName = &t.value
		case "externalid":
			byExt = &t.value
		case "members", "members.value":
			byMember = &t.value
		default:
			return nil, scimErr(http.StatusBadRequest, "invalidFilter", "Groups can be filtered by displayName, externalId, id and members (got %s).", clip(t.attr))
		}
	}
	one := func(g sso.Group, err error) ([]sso.Group, error) {
		if sso.CodeOf(err) == sso.CodeResourceNotFound {
			return nil, nil
		}
		return []sso.Group{g}, err
	}
	var cands []sso.Group
	var err error
	switch {
	case byID != nil:
		cands, err = one(h.dir.GetGroup(ctx, *byID))
	case byName != nil:
		cands, err = one(h.dir.GetGroupByName(ctx, *byName))
	case byExt != nil:
		cands, err = one(h.dir.GetGroupByExternalID(ctx, h.issuer, *byExt))
	default:
		cands, err = h.dir.UserGroups(ctx, *byMember)
	}
	if err != nil {
		return nil, err
	}
	fromMember := byID == nil && byName == nil && byExt == nil
	var out []sso.Group
	for _, g := range cands {
		ok := (byID == nil || g.ID == *byID) && (byName == nil || g.DisplayName == *byName) &&
			(byExt == nil || h.externalID(g.ExternalIDs) == *byExt)
		if ok && byMember != nil && !fromMember {
			_, merr := h.dir.GetMembershipOf(ctx, g.ID, *byMember)
			if merr != nil && sso.CodeOf(merr) != sso.CodeResourceNotFound {
				return nil, merr
			}
			ok = merr == nil
		}
		if ok {
			out = append(out, g)
		}
	}
	return out, nil
}
