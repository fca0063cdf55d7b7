package scim

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/ssooidc/ssooidc/internal/directory"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// meta is a resource's meta attribute (RFC 7643 §3.1).
type meta struct {
	ResourceType string `json:"resourceType"`
	Created      string `json:"created"`
	LastModified string `json:"lastModified"`
	Location     string `json:"location"`
}

func metaOf(typ, location string, created, modified time.Time) meta {
	return meta{ResourceType: typ, Created: created.UTC().Format(time.RFC3339Nano),
		LastModified: modified.UTC().Format(time.RFC3339Nano), Location: location}
}

// userResource is a user as SCIM shows it (RFC 7643 §4.1).
type userResource struct {
	Schemas           []string         `json:"schemas"`
	ID                string           `json:"id"`
	ExternalID        string           `json:"externalId,omitempty"`
	UserName          string           `json:"userName"`
	Name              map[string]any   `json:"name,omitempty"`
	DisplayName       string           `json:"displayName,omitempty"`
	NickName          string           `json:"nickName,omitempty"`
	ProfileURL        string           `json:"profileUrl,omitempty"`
	Title             string           `json:"title,omitempty"`
	UserType          string           `json:"userType,omitempty"`
	PreferredLanguage string           `json:"preferredLanguage,omitempty"`
	Locale            string           `json:"locale,omitempty"`
	Timezone          string           `json:"timezone,omitempty"`
	Active            bool             `json:"active"`
	Emails            []map[string]any `json:"emails,omitempty"`
	Addresses         []map[string]any `json:"addresses,omitempty"`
	PhoneNumbers      []map[string]any `json:"phoneNumbers,omitempty"`
	Photos            []map[string]any `json:"photos,omitempty"`
	Roles             []map[string]any `json:"roles,omitempty"`
	Enterprise        map[string]any   `json:"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User,omitempty"`
	Meta              meta             `json:"meta"`
}

func (h *Handler) userResource(u sso.User) userResource {
	p := u.Profile
	r := userResource{Schemas: []string{schemaUser}, ID: u.ID, ExternalID: h.externalID(u.ExternalIDs), UserName: u.Name,
		Name: nameMap(p.Name), DisplayName: u.DisplayName, NickName: p.NickName, ProfileURL: p.ProfileURL, Title: p.Title,
		UserType: p.UserType, PreferredLanguage: p.PreferredLanguage, Locale: p.Locale, Timezone: p.Timezone,
		Active: !u.Disabled, Enterprise: directory.Enterprise(u),
		Meta: metaOf("User", h.base+"/Users/"+u.ID, u.CreatedAt, u.UpdatedAt)}
	for _, attr := range []string{"emails", "addresses", "phoneNumbers", "photos", "roles"} {
		list := listOf(u, attr)
		switch attr {
		case "emails":
			r.Emails = list
		case "addresses":
			r.Addresses = list
		case "phoneNumbers":
			r.PhoneNumbers = list
		case "photos":
			r.Photos = list
		case "roles":
			r.Roles = list
		}
	}
	if r.Enterprise != nil {
		r.Schemas = append(r.Schemas, schemaEnterpris)
	}
	return r
}

func nameMap(n *sso.PersonName) map[string]any {
	if n == nil {
		return nil
	}
	m := map[string]any{}
	for k, v := range map[string]string{"formatted": n.Formatted, "familyName": n.FamilyName, "givenName": n.GivenName,
		"middleName": n.MiddleName, "honorificPrefix": n.HonorificPrefix, "honorificSuffix": n.HonorificSuffix} {
		if v != "" {
			m[k] = v
		}
	}
	if len(m) == 0 {
		return nil
	}
	return m
}

// listOf is the multi-valued attribute attr of u with SCIM's member
// names (the form PATCH works on).
func listOf(u sso.User, attr string) []map[string]any {
	var out []map[string]any
	item := func(kv ...any) {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			switch v := kv[i+1].(type) {
			case string:
				if v != "" {
					m[kv[i].(string)] = v
				}
			case bool:
				if v {
					m[kv[i].(string)] = v
				}
			}
		}
		out = append(out, m)
	}
	p := u.Profile
	switch strings.ToLower(attr) {
	case "emails":
		for _, e := range p.Emails {
			item("value", e.Value, "type", e.Type, "primary", e.Primary)
		}
	case "phonenumbers":
		for _, e := range p.PhoneNumbers {
			item("value", e.Value, "type", e.Type, "primary", e.Primary)
		}
	case "roles":
		for _, e := range p.Roles {
			item("value", e.Value, "type", e.Type, "primary", e.Primary)
		}
	case "photos":
		for _, e := range p.Photos {
			item("value", e.Value, "type", e.Type, "display", e.Display, "primary", e.Primary)
		}
	case "addresses":
		for _, a := range p.Addresses {
			item("streetAddress", a.StreetAddress, "locality", a.Locality, "region", a.Region, "postalCode", a.PostalCode,
				"country", a.Country, "formatted", a.Formatted, "type", a.Type, "primary", a.Primary)
		}
	}
	return out
}

// externalID is the SCIM externalId among ids: the one of our issuer.
func (h *Handler) externalID(ids []sso.ExternalID) string {
	for _, e := range ids {
		if e.Issuer == h.issuer {
			return e.ID
		}
	}
	return ""
}

// setExternalID replaces the SCIM externalId among ids ("" removes it);
// external IDs of other issuers (upstream identity providers) stay.
func (h *Handler) setExternalID(ids []sso.ExternalID, id string) []sso.ExternalID {
	out := make([]sso.ExternalID, 0, len(ids)+1)
	for _, e := range ids {
		if e.Issuer != h.issuer {
			out = append(out, e)
		}
	}
	if id != "" {
		out = append(out, sso.ExternalID{Issuer: h.issuer, ID: id})
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// resetUser clears what a SCIM PUT replaces: every attribute a client can
// set, but not the password, the status (unless the body says) or other
// issuers' external IDs.
func resetUser(u sso.User) sso.User {
	u.DisplayName, u.Email = "", ""
	ext := u.Profile.Extensions
	delete(ext, directory.EnterpriseExtension)
	u.Profile = sso.UserProfile{Extensions: ext}
	if len(ext) == 0 {
		u.Profile.Extensions = nil
	}
	return u
}

// applyUser sets the attributes of a SCIM user document on u. The core
// schema's URN prefix may qualify a name. Read-only attributes (id, meta,
// groups) are ignored (RFC 7643 §2.2), and so is password.
func (h *Handler) applyUser(u *sso.User, doc map[string]json.RawMessage) error {
	keys := make([]string, 0, len(doc))
	for k := range doc {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := doc[k]
		name := strings.ToLower(strings.TrimPrefix(strings.TrimPrefix(k, schemaUser), ":"))
		switch name {
		case "schemas", "id", "meta", "groups":
		case "externalid":
			id, err := stringOf("externalId", v)
			if err != nil {
				return err
			}
			u.ExternalIDs = h.setExternalID(u.ExternalIDs, id)
		case "password":
			// Ignored, as a write-only attribute Identity Center does not
			// keep (Okta's SCIM test sends one): people sign in with the
			// password "ssooidc admin user passwd" sets, or upstream.
		default:
			if err := directory.SetUserAttribute(u, k, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// stringOf decodes a string attribute ("" for null).
func stringOf(attr string, v json.RawMessage) (string, error) {
	if len(v) == 0 || string(v) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return "", scimErr(http.StatusBadRequest, "invalidValue", "The value of %s must be a string.", clip(attr))
	}
	return s, nil
}

// checkSCIMUser enforces what Identity Center's SCIM requires of a user:
// userName, displayName, name.givenName and name.familyName; at most one
// email, address and phone number. A single email is the primary one.
func checkSCIMUser(u *sso.User) error {
	var missing []string
	if u.Name == "" {
		missing = append(missing, "userName")
	}
	if u.DisplayName == "" {
		missing = append(missing, "displayName")
	}
	if n := u.Profile.Name; n == nil || n.GivenName == "" {
		missing = append(missing, "name.givenName")
	}
	if n := u.Profile.Name; n == nil || n.FamilyName == "" {
		missing = append(missing, "name.familyName")
	}
	if len(missing) > 0 {
		return scimErr(http.StatusBadRequest, "invalidValue", "Required attributes are missing: %s.", strings.Join(missing, ", "))
	}
	p := &u.Profile
	if len(p.Emails) > 1 || len(p.Addresses) > 1 || len(p.PhoneNumbers) > 1 {
		return scimErr(http.StatusBadRequest, "invalidValue", "emails, addresses and phoneNumbers hold a single value each.")
	}
	if len(p.Emails) == 1 {
		p.Emails[0].Primary = true
		u.Email = p.Emails[0].Value
	}
	return nil
}

// groupResource is a group as SCIM shows it. Like Identity Center, GET
// returns an empty member list: membership is asked with a filter
// (members eq "user id").
type groupResource struct {
	Schemas     []string         `json:"schemas"`
	ID          string           `json:"id"`
	ExternalID  string           `json:"externalId,omitempty"`
	DisplayName string           `json:"displayName"`
	Members     []map[string]any `json:"members"`
	Meta        meta             `json:"meta"`
}

func (h *Handler) groupResource(g sso.Group) groupResource {
	return groupResource{Schemas: []string{schemaGroup}, ID: g.ID, ExternalID: h.externalID(g.ExternalIDs),
		DisplayName: g.DisplayName, Members: []map[string]any{}, Meta: metaOf("Group", h.base+"/Groups/"+g.ID, g.CreatedAt, g.UpdatedAt)}
}
