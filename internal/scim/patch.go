package scim

import (
	"encoding/json"
	"net/http"
	"strings"

	filter "github.com/scim2/filter-parser/v2"

	"github.com/ssooidc/ssooidc/internal/directory"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// patchOp is one operation of a PATCH (RFC 7644 §3.5.2). op is add,
// replace or remove in any case (Entra ID writes "Replace").
type patchOp struct {
	Op    string
	Path  string
	Value json.RawMessage
}

// maxOps bounds the operations of one PATCH.
const maxOps = 1000

func readPatch(r *http.Request) ([]patchOp, error) {
	var req struct {
		Schemas    []string `json:"schemas"`
		Operations []struct {
			Op    string          `json:"op"`
			Path  string          `json:"path"`
			Value json.RawMessage `json:"value"`
		} `json:"Operations"`
	}
	if err := readJSON(r, &req); err != nil {
		return nil, err
	}
	if len(req.Operations) == 0 {
		return nil, scimErr(http.StatusBadRequest, "invalidSyntax", "A PATCH needs Operations (RFC 7644 §3.5.2).")
	}
	if len(req.Operations) > maxOps {
		return nil, scimErr(http.StatusBadRequest, "tooMany", "A PATCH has at most %d operations.", maxOps)
	}
	ops := make([]patchOp, 0, len(req.Operations))
	for _, o := range req.Operations {
		op := strings.ToLower(o.Op)
		switch op {
		case "add", "replace", "remove":
		default:
			return nil, scimErr(http.StatusBadRequest, "invalidSyntax", "op must be add, replace or remove (got %q).", clip(o.Op))
		}
		if op != "remove" && isNull(o.Value) {
			return nil, scimErr(http.StatusBadRequest, "invalidValue", "The %s operation needs a value.", op)
		}
		if op == "remove" && o.Path == "" {
			return nil, scimErr(http.StatusBadRequest, "noTarget", "A remove operation needs a path.")
		}
		ops = append(ops, patchOp{Op: op, Path: o.Path, Value: o.Value})
	}
	return ops, nil
}

func isNull(v json.RawMessage) bool {
	s := strings.TrimSpace(string(v))
	return s == "" || s == "null"
}

// patchUserOp applies one operation to u.
func (h *Handler) patchUserOp(u *sso.User, o patchOp) error {
	if o.Path == "" {
		// The value is an object of attributes (Okta's form); each key
		// may itself be a path ("name.givenName", the enterprise URN).
		var doc map[string]json.RawMessage
		if err := json.Unmarshal(o.Value, &doc); err != nil {
			return scimErr(http.StatusBadRequest, "invalidValue", "Without a path, the value of %s must be an object of attributes.", o.Op)
		}
		for k, v := range doc {
			if err := h.patchUserPath(u, o.Op, k, v); err != nil {
				return err
			}
		}
		return nil
	}
	return h.patchUserPath(u, o.Op, o.Path, o.Value)
}

// patchUserPath applies op at path (RFC 7644 §3.5.2.1-3).
func (h *Handler) patchUserPath(u *sso.User, op, path string, v json.RawMessage) error {
	if strings.EqualFold(path, directory.EnterpriseSchema) {
		if op == "remove" {
			return directory.SetUserAttribute(u, path, nil)
		}
		return mergeComplex(u, directory.EnterpriseSchema, directory.Enterprise(*u), v)
	}
	p, err := filter.ParsePath([]byte(path))
	if err != nil {
		return scimErr(http.StatusBadRequest, "invalidPath", "The path %q is not a SCIM attribute path.", clip(path))
	}
	if op == "remove" {
		v = nil
	}
	prefix := p.AttributePath.URI()
	name := strings.ToLower(p.AttributePath.AttributeName)
	sub := p.AttributePath.SubAttributeName()
	switch {
	case strings.EqualFold(prefix, directory.EnterpriseSchema):
		attr := directory.EnterpriseSchema + ":" + p.AttributePath.AttributeName
		if sub != "" {
			attr += "." + sub
		}
		return directory.SetUserAttribute(u, attr, v)
	case prefix != "" && !strings.EqualFold(prefix, schemaUser):
		return scimErr(http.StatusBadRequest, "invalidPath", "The schema of %q is not the User schema or its enterprise extension.", clip(path))
	}
	if p.ValueExpression != nil {
		return h.patchSelected(u, op, name, p.ValueExpression, p.SubAttributeName(), v)
	}
	switch {
	case name == "externalid" && sub == "":
		id, err := stringOf("externalId", v)
		u.ExternalIDs = h.setExternalID(u.ExternalIDs, id)
		return err
	case name == "active" && op == "remove":
		return scimErr(http.StatusBadRequest, "mutability", "active cannot be removed; replace it with true or false.")
	case name == "name" && sub == "" && op != "remove":
		return mergeComplex(u, "name", nameMap(u.Profile.Name), v)
	case isMulti(name) && sub == "" && op == "add":
		return addItems(u, name, v)
	case name == "password":
		return nil // ignored, as on create
	case name == "id" || name == "meta" || name == "schemas" || name == "groups":
		return scimErr(http.StatusBadRequest, "mutability", "%s cannot be changed.", name)
	}
	attr := p.AttributePath.AttributeName
	if sub != "" {
		attr += "." + sub
	}
	return directory.SetUserAttribute(u, attr, v)
}

func isMulti(name string) bool {
	switch name {
	case "emails", "addresses", "phonenumbers", "photos", "roles":
		return true
	}
	return false
}

// mergeComplex sets the sub-attributes v gives of a complex attribute
// and leaves the others (RFC 7644 §3.5.2.1, §3.5.2.3).
func mergeComplex(u *sso.User, attr string, cur map[string]any, v json.RawMessage) error {
	var in map[string]json.RawMessage
	if err := json.Unmarshal(v, &in); err != nil {
		return scimErr(http.StatusBadRequest, "invalidValue", "The value of %s must be an object.", attr)
	}
	merged := map[string]any{}
	for k, x := range cur {
		merged[k] = x
	}
	for k, x := range in {
		for old := range merged {
			if strings.EqualFold(old, k) {
				delete(merged, old)
			}
		}
		merged[k] = x
	}
	b, _ := json.Marshal(merged)
	return directory.SetUserAttribute(u, attr, b)
}

// addItems adds the values of a multi-valued attribute; a value of a
// type already present replaces it (Identity Center keeps one value of
// each attribute, so an add is how clients change it).
func addItems(u *sso.User, name string, v json.RawMessage) error {
	var items []map[string]any
	if err := json.Unmarshal(v, &items); err != nil {
		var one map[string]any
		if json.Unmarshal(v, &one) != nil {
			return scimErr(http.StatusBadRequest, "invalidValue", "The value of %s must be a list of objects.", name)
		}
		items = []map[string]any{one}
	}
	cur := listOf(*u, name)
	for _, it := range items {
		replaced := false
		for i, c := range cur {
			if typ := field(it, "type"); typ != "" && strings.EqualFold(typ, field(c, "type")) {
				cur[i], replaced = it, true
			}
		}
		if !replaced {
			cur = append(cur, it)
		}
	}
	b, _ := json.Marshal(cur)
	return directory.SetUserAttribute(u, name, b)
}

// field is the string member name of an item, any case.
func field(item map[string]any, name string) string {
	for k, v := range item {
		if strings.EqualFold(k, name) {
			s, _ := v.(string)
			if b, ok := v.(bool); ok && b {
				s = "true"
			}
			return s
		}
	}
	return ""
}

// patchSelected applies op to the items of a multi-valued attribute that
// expr selects: emails[type eq "work"].value (Entra ID's form). With no
// item selected, add and replace make one with the filter's values.
func (h *Handler) patchSelected(u *sso.User, op, name string, expr filter.Expression, sub string, v json.RawMessage) error {
	if !isMulti(name) {
		return scimErr(http.StatusBadRequest, "invalidPath", "Only a multi-valued attribute takes a filter (got %s).", clip(name))
	}
	var terms []term
	if err := collect(expr, &terms); err != nil {
		return err
	}
	cur := listOf(*u, name)
	var kept []map[string]any
	matched := false
	for _, it := range cur {
		if !itemMatches(it, terms) {
			kept = append(kept, it)
			continue
		}
		matched = true
		if op == "remove" && sub == "" {
			continue
		}
		if err := setItem(it, sub, v); err != nil {
			return err
		}
		kept = append(kept, it)
	}
	if !matched {
		if op == "remove" {
			return nil
		}
		it := map[string]any{}
		for _, t := range terms {
			if t.attr == "primary" {
				it["primary"] = strings.EqualFold(t.value, "true")
			} else {
				it[t.attr] = t.value
			}
		}
		if err := setItem(it, sub, v); err != nil {
			return err
		}
		kept = append(kept, it)
	}
	b, _ := json.Marshal(kept)
	return directory.SetUserAttribute(u, name, b)
}

// itemMatches reports whether every term holds for the item.
func itemMatches(it map[string]any, terms []term) bool {
	for _, t := range terms {
		if !strings.EqualFold(field(it, t.attr), t.value) {
			return false
		}
	}
	return true
}

// setItem sets sub of an item from v (null removes it), or, with no sub,
// merges the object v into the item.
func setItem(it map[string]any, sub string, v json.RawMessage) error {
	if sub == "" {
		var in map[string]any
		if isNull(v) {
			return nil
		}
		if err := json.Unmarshal(v, &in); err != nil {
			return scimErr(http.StatusBadRequest, "invalidValue", "The value must be an object.")
		}
		for k, x := range in {
			it[k] = x
		}
		return nil
	}
	for k := range it {
		if strings.EqualFold(k, sub) {
			delete(it, k)
		}
	}
	if isNull(v) {
		return nil
	}
	var x any
	if err := json.Unmarshal(v, &x); err != nil {
		return scimErr(http.StatusBadRequest, "invalidValue", "The value of %s is not valid JSON.", sub)
	}
	it[sub] = x
	return nil
}
