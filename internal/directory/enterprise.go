package directory

import (
	"encoding/json"
	"strings"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// enterpriseAttrs are the attributes of the enterprise user extension
// (RFC 7643 §4.3), by their lower-case names.
var enterpriseAttrs = map[string]string{
	"employeenumber": "employeeNumber", "costcenter": "costCenter", "organization": "organization",
	"division": "division", "department": "department", "manager": "manager",
}

// enterprisePath recognises a path into the enterprise extension, by
// either name: the whole extension (sub "") or one attribute, after a dot
// (aws:identitystore:enterprise.department) or a colon (SCIM's
// urn:...:enterprise:2.0:User:department). path is lower case.
func enterprisePath(path string) (ext, sub string, ok bool) {
	for _, name := range []string{EnterpriseExtension, strings.ToLower(EnterpriseSchema)} {
		if path == name {
			return name, "", true
		}
		if rest, found := strings.CutPrefix(path, name); found && (rest[0] == '.' || rest[0] == ':') {
			return name, rest[1:], true
		}
	}
	return "", "", false
}

// Enterprise returns the enterprise extension's attributes of u (nil when
// it has none).
func Enterprise(u sso.User) map[string]any {
	raw, ok := u.Profile.Extensions[EnterpriseExtension]
	if !ok {
		return nil
	}
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil || len(m) == 0 {
		return nil
	}
	return m
}

// NormalizeEnterprise checks an enterprise extension document, with its
// attribute names in any case and the manager as an object {"value": id}
// or as the id alone (Entra ID's form), and returns it with SCIM's names
// and the manager as an object; nil when it holds nothing.
func NormalizeEnterprise(path string, v json.RawMessage) (json.RawMessage, error) {
	if isNull(v) {
		return nil, nil
	}
	var in map[string]json.RawMessage
	if err := json.Unmarshal(v, &in); err != nil {
		return nil, badValue(path, "an object")
	}
	out := map[string]any{}
	for k, raw := range in {
		name, ok := enterpriseAttrs[strings.ToLower(k)]
		if !ok {
			return nil, noAttribute(path + "." + k)
		}
		val, err := enterpriseValue(path+"."+name, name, raw)
		if err != nil {
			return nil, err
		}
		if val != nil {
			out[name] = val
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(out)
	return b, err
}

// enterpriseValue decodes one attribute: a string, or the manager.
func enterpriseValue(path, name string, raw json.RawMessage) (any, error) {
	if isNull(raw) {
		return nil, nil
	}
	if name != "manager" {
		s, err := stringValue(path, raw)
		if err != nil || s == "" {
			return nil, err
		}
		if err := checkText(path, s); err != nil {
			return nil, err
		}
		return s, nil
	}
	var id string
	if json.Unmarshal(raw, &id) != nil {
		var m map[string]json.RawMessage
		if json.Unmarshal(raw, &m) != nil {
			return nil, badValue(path, `an object {"value": id}`)
		}
		for k, v := range m {
			switch strings.ToLower(k) {
			case "value":
				s, err := stringValue(path+".value", v)
				if err != nil {
					return nil, err
				}
				id = s
			case "displayname", "$ref":
				// Read-only in RFC 7643 §4.3: ignored when written.
			default:
				return nil, noAttribute(path + "." + k)
			}
		}
	}
	if id == "" {
		return nil, nil
	}
	if err := checkText(path, id); err != nil {
		return nil, err
	}
	return map[string]string{"value": id}, nil
}

// setEnterprise sets the whole extension or one of its attributes.
func setEnterprise(u *sso.User, path, ext, sub string, v json.RawMessage) error {
	doc := Enterprise(*u)
	if sub == "" {
		norm, err := NormalizeEnterprise(path, v)
		if err != nil {
			return err
		}
		return putExtension(u, norm)
	}
	attr, rest, _ := strings.Cut(sub, ".")
	name, ok := enterpriseAttrs[attr]
	if !ok || (rest != "" && (name != "manager" || rest != "value")) {
		return noAttribute(path)
	}
	if doc == nil {
		doc = map[string]any{}
	}
	doc[name] = json.RawMessage(v)
	if isNull(v) {
		delete(doc, name)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return badValue(path, "a string")
	}
	norm, err := NormalizeEnterprise(ext, b)
	if err != nil {
		return err
	}
	return putExtension(u, norm)
}

func putExtension(u *sso.User, doc json.RawMessage) error {
	if doc == nil {
		delete(u.Profile.Extensions, EnterpriseExtension)
		if len(u.Profile.Extensions) == 0 {
			u.Profile.Extensions = nil
		}
		return nil
	}
	if u.Profile.Extensions == nil {
		u.Profile.Extensions = map[string]json.RawMessage{}
	}
	u.Profile.Extensions[EnterpriseExtension] = doc
	return nil
}
