package scim

import (
	"context"
	_ "embed"
	"encoding/json"
	"net/http"
	"strings"
)

// schemasJSON describes the User and Group schemas and the enterprise
// extension as this endpoint serves them (RFC 7643 §7).
//
//go:embed schemas.json
var schemasJSON []byte

// serviceProviderConfig answers what the endpoint supports (RFC 7643 §5),
// as Identity Center does: PATCH, filters (of up to 100 results), no bulk,
// no password change, no sort, no ETags, bearer tokens.
func (h *Handler) serviceProviderConfig(context.Context, *http.Request) (int, any, error) {
	return http.StatusOK, map[string]any{
		"schemas":          []string{schemaSPConfig},
		"documentationUri": "https://github.com/ssooidc/ssooidc#scim",
		"patch":            map[string]any{"supported": true},
		"bulk":             map[string]any{"supported": false, "maxOperations": 1, "maxPayloadSize": 1048576},
		"filter":           map[string]any{"supported": true, "maxResults": 100},
		"changePassword":   map[string]any{"supported": false},
		"sort":             map[string]any{"supported": false},
		"etag":             map[string]any{"supported": false},
		"authenticationSchemes": []map[string]any{{
			"type": "oauthbearertoken", "name": "OAuth Bearer Token", "primary": true,
			"description": "A bearer token made by ssooidc admin scim-token create.",
		}},
		"meta": map[string]any{"resourceType": "ServiceProviderConfig", "location": h.base + "/ServiceProviderConfig"},
	}, nil
}

// schemaList returns the schemas with their meta.
func (h *Handler) schemaList() []map[string]any {
	var list []map[string]any
	_ = json.Unmarshal(schemasJSON, &list) // embedded and tested
	for _, s := range list {
		s["schemas"] = []string{schemaSchema}
		s["meta"] = map[string]any{"resourceType": "Schema", "location": h.base + "/Schemas/" + s["id"].(string)}
	}
	return list
}

func (h *Handler) schemas(context.Context, *http.Request) (int, any, error) {
	return http.StatusOK, listOfAll(h.schemaList()), nil
}

func (h *Handler) schema(_ context.Context, r *http.Request) (int, any, error) {
	id := r.PathValue("id")
	for _, s := range h.schemaList() {
		if strings.EqualFold(s["id"].(string), id) {
			return http.StatusOK, s, nil
		}
	}
	return 0, nil, scimErr(http.StatusNotFound, "", "There is no schema %s.", clip(id))
}

func (h *Handler) resourceTypeList() []map[string]any {
	return []map[string]any{
		{"schemas": []string{schemaResType}, "id": "User", "name": "User", "endpoint": "/Users", "description": "User Account",
			"schema":           schemaUser,
			"schemaExtensions": []map[string]any{{"schema": schemaEnterpris, "required": false}},
			"meta":             map[string]any{"resourceType": "ResourceType", "location": h.base + "/ResourceTypes/User"}},
		{"schemas": []string{schemaResType}, "id": "Group", "name": "Group", "endpoint": "/Groups", "description": "Group",
			"schema": schemaGroup,
			"meta":   map[string]any{"resourceType": "ResourceType", "location": h.base + "/ResourceTypes/Group"}},
	}
}

func (h *Handler) resourceTypes(context.Context, *http.Request) (int, any, error) {
	return http.StatusOK, listOfAll(h.resourceTypeList()), nil
}

func (h *Handler) resourceType(_ context.Context, r *http.Request) (int, any, error) {
	id := r.PathValue("id")
	for _, t := range h.resourceTypeList() {
		if strings.EqualFold(t["id"].(string), id) {
			return http.StatusOK, t, nil
		}
	}
	return 0, nil, scimErr(http.StatusNotFound, "", "There is no resource type %s.", clip(id))
}

// listOfAll is a ListResponse of every item.
func listOfAll(items []map[string]any) listResponse {
	out := listResponse{Schemas: []string{schemaList}, TotalResults: len(items), ItemsPerPage: len(items), StartIndex: 1}
	for _, it := range items {
		out.Resources = append(out.Resources, it)
	}
	return out
}
