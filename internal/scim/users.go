package scim

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/ssooidc/ssooidc/internal/sso"
)

func (h *Handler) createUser(ctx context.Context, r *http.Request) (int, any, error) {
	var doc map[string]json.RawMessage
	if err := readJSON(r, &doc); err != nil {
		return 0, nil, err
	}
	var u sso.User
	if err := h.applyUser(&u, doc); err != nil {
		return 0, nil, err
	}
	if err := checkSCIMUser(&u); err != nil {
		return 0, nil, err
	}
	created, err := h.dir.CreateUser(ctx, u)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, h.userResource(created), nil
}

// user returns the user named by the path, or a SCIM 404.
func (h *Handler) user(ctx context.Context, r *http.Request) (sso.User, error) {
	id := r.PathValue("id")
	u, err := h.dir.GetUser(ctx, id)
	if sso.CodeOf(err) == sso.CodeResourceNotFound {
		return sso.User{}, scimErr(http.StatusNotFound, "", "User %s not found.", clip(id))
	}
	return u, err
}

func (h *Handler) getUser(ctx context.Context, r *http.Request) (int, any, error) {
	u, err := h.user(ctx, r)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, h.userResource(u), nil
}

func (h *Handler) deleteUser(ctx context.Context, r *http.Request) (int, any, error) {
	id := r.PathValue("id")
	if err := h.dir.DeleteUser(ctx, id); err != nil {
		if sso.CodeOf(err) == sso.CodeResourceNotFound {
			return 0, nil, scimErr(http.StatusNotFound, "", "User %s not found.", clip(id))
		}
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}

// putUser replaces the user's attributes with the document's (RFC 7644
// §3.5.1): what the document leaves out is cleared, except the password,
// the status and external IDs of other issuers.
func (h *Handler) putUser(ctx context.Context, r *http.Request) (int, any, error) {
	var doc map[string]json.RawMessage
	if err := readJSON(r, &doc); err != nil {
		return 0, nil, err
	}
	return h.update(ctx, r, func(u *sso.User) error {
		*u = resetUser(*u)
		ext := h.setExternalID(u.ExternalIDs, "")
		u.ExternalIDs = ext
		return h.applyUser(u, doc)
	})
}

// update runs change on the user of the path and answers the result.
func (h *Handler) update(ctx context.Context, r *http.Request, change func(*sso.User) error) (int, any, error) {
	id := r.PathValue("id")
	u, err := h.dir.UpdateUser(ctx, id, func(u *sso.User) error {
		if err := change(u); err != nil {
			return err
		}
		return checkSCIMUser(u)
	})
	if sso.CodeOf(err) == sso.CodeResourceNotFound {
		return 0, nil, scimErr(http.StatusNotFound, "", "User %s not found.", clip(id))
	}
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, h.userResource(u), nil
}

func (h *Handler) patchUser(ctx context.Context, r *http.Request) (int, any, error) {
	ops, err := readPatch(r)
	if err != nil {
		return 0, nil, err
	}
	return h.update(ctx, r, func(u *sso.User) error {
		for _, o := range ops {
			if err := h.patchUserOp(u, o); err != nil {
				return err
			}
		}
		return nil
	})
}

// listUsers answers GET /Users: a filter on userName, externalId, id,
// displayName or emails (eq, and), or every user a page at a time.
func (h *Handler) listUsers(ctx context.Context, r *http.Request) (int, any, error) {
	return listing(ctx, r, h.dir.CountUsers,
		func(ctx context.Context, offset, limit int) ([]sso.User, error) {
			return h.dir.ListUsers(ctx, sso.UserQuery{Offset: offset, Page: sso.Page{Limit: limit}})
		}, h.findUsers, func(u sso.User) any { return h.userResource(u) })
}

// findUsers returns the users every term matches: candidates from the
// store by the first term (each is indexed), checked against the rest.
func (h *Handler) findUsers(ctx context.Context, terms []term) ([]sso.User, error) {
	for _, t := range terms {
		switch t.attr {
		case "username", "externalid", "id", "displayname", "emails", "emails.value":
		default:
			return nil, scimErr(http.StatusBadRequest, "invalidFilter", "Users can be filtered by userName, externalId, id, displayName and emails (got %s).", clip(t.attr))
		}
	}
	first := terms[0]
	var cands []sso.User
	var err error
	one := func(u sso.User, err error) ([]sso.User, error) {
		if sso.CodeOf(err) == sso.CodeResourceNotFound {
			return nil, nil
		}
		return []sso.User{u}, err
	}
	switch first.attr {
	case "username":
		cands, err = one(h.dir.GetUserByName(ctx, first.value))
	case "externalid":
		cands, err = one(h.dir.GetUserByExternalID(ctx, h.issuer, first.value))
	case "id":
		cands, err = one(h.dir.GetUser(ctx, first.value))
	case "displayname":
		cands, err = h.dir.ListUsers(ctx, sso.UserQuery{DisplayName: first.value})
	default:
		cands, err = h.dir.ListUsers(ctx, sso.UserQuery{Email: first.value})
	}
	if err != nil {
		return nil, err
	}
	var out []sso.User
	for _, u := range cands {
		if h.userMatches(u, terms) {
			out = append(out, u)
		}
	}
	return out, nil
}

func (h *Handler) userMatches(u sso.User, terms []term) bool {
	for _, t := range terms {
		var v string
		switch t.attr {
		case "username":
			v = u.Name
		case "externalid":
			v = h.externalID(u.ExternalIDs)
		case "id":
			v = u.ID
		case "displayname":
			v = u.DisplayName
		default:
			v = u.Email
		}
		if v != t.value {
			return false
		}
	}
	return true
}
