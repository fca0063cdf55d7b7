package directory

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// The attributes of a user by their SCIM names (RFC 7643 §4.1), the names
// both the Identity Store API's UpdateUser (AttributePath "name.givenName")
// and SCIM's PATCH use. Names are case-insensitive (RFC 7643 §2.1).

// EnterpriseExtension is the Identity Store's name of the enterprise user
// extension (DescribeUser's Extensions), and EnterpriseSchema SCIM's
// (RFC 7643 §4.3). Both name the one document the directory keeps in
// sso.UserProfile.Extensions under EnterpriseExtension, with SCIM's member
// names: employeeNumber, costCenter, organization, division, department,
// manager {value}.
const (
	EnterpriseExtension = "aws:identitystore:enterprise"
	EnterpriseSchema    = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
)

// ErrNoAttribute marks an attribute path the directory does not know
// (SCIM's invalidPath).
var ErrNoAttribute = errors.New("no such attribute")

func noAttribute(path string) error {
	return &sso.Error{Code: sso.CodeInvalidRequest, Message: "The attribute " + quote(path) + " does not exist or cannot be changed.", Err: ErrNoAttribute}
}

func badValue(path, want string) error {
	return sso.Errorf(sso.CodeInvalidRequest, "The value of %s must be %s.", quote(path), want)
}

// quote bounds what a message repeats of a client's path.
func quote(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return `"` + s + `"`
}

// isNull reports whether v is absent or JSON null: the value that removes
// an attribute.
func isNull(v json.RawMessage) bool {
	v = bytes.TrimSpace(v)
	return len(v) == 0 || string(v) == "null"
}

// stringValue decodes a JSON string ("" for null).
func stringValue(path string, v json.RawMessage) (string, error) {
	if isNull(v) {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return "", badValue(path, "a string")
	}
	return s, nil
}

// BoolValue decodes a JSON boolean, also written as the strings "True" and
// "False" in any case (Entra ID sends "active":"False").
func BoolValue(path string, v json.RawMessage) (bool, error) {
	var b bool
	if err := json.Unmarshal(v, &b); err == nil {
		return b, nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err == nil {
		switch strings.ToLower(s) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	}
	return false, badValue(path, "true or false")
}

// userStrings are the user's single-valued string attributes.
func userStrings(u *sso.User) map[string]*string {
	p := &u.Profile
	return map[string]*string{
		"username": &u.Name, "displayname": &u.DisplayName, "nickname": &p.NickName, "profileurl": &p.ProfileURL,
		"usertype": &p.UserType, "title": &p.Title, "preferredlanguage": &p.PreferredLanguage, "locale": &p.Locale,
		"timezone": &p.Timezone, "website": &p.Website, "birthdate": &p.Birthdate,
	}
}

func nameStrings(n *sso.PersonName) map[string]*string {
	return map[string]*string{
		"formatted": &n.Formatted, "familyname": &n.FamilyName, "givenname": &n.GivenName, "middlename": &n.MiddleName,
		"honorificprefix": &n.HonorificPrefix, "honorificsuffix": &n.HonorificSuffix,
	}
}

// SetUserAttribute sets the attribute of u at path from the JSON value v;
// a null (or absent) v removes it. Paths are SCIM's names, any case:
// userName, displayName, nickName, profileUrl, userType, title,
// preferredLanguage, locale, timezone, website, birthdate, name and
// name.<sub-attribute>, emails, addresses, phoneNumbers, photos, roles (a
// list of objects, or one object), active (a boolean) and userStatus
// (ENABLED or DISABLED), and the enterprise extension (by either of its
// names, whole or ".attribute"/":attribute"). The result is validated when
// stored (CheckUser), not here. Errors: CodeInvalidRequest, wrapping
// ErrNoAttribute for a path that does not exist.
func SetUserAttribute(u *sso.User, path string, v json.RawMessage) error {
	lower := strings.ToLower(path)
	if ext, sub, ok := enterprisePath(lower); ok {
		return setEnterprise(u, path, ext, sub, v)
	}
	if f, ok := userStrings(u)[lower]; ok {
		s, err := stringValue(path, v)
		*f = s
		return err
	}
	head, sub, _ := strings.Cut(lower, ".")
	switch head {
	case "name":
		return setName(u, path, sub, v)
	case "emails", "addresses", "phonenumbers", "photos", "roles":
		if sub != "" {
			return noAttribute(path)
		}
		return setList(u, path, head, v)
	case "active", "userstatus":
		if sub != "" {
			return noAttribute(path)
		}
		return setActive(u, path, head, v)
	}
	return noAttribute(path)
}

func setName(u *sso.User, path, sub string, v json.RawMessage) error {
	if sub == "" {
		if isNull(v) {
			u.Profile.Name = nil
			return nil
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(v, &m); err != nil {
			return badValue(path, "an object")
		}
		n := &sso.PersonName{}
		fields := nameStrings(n)
		for k, raw := range m {
			f, ok := fields[strings.ToLower(k)]
			if !ok {
				return noAttribute(path + "." + k)
			}
			s, err := stringValue(path+"."+k, raw)
			if err != nil {
				return err
			}
			*f = s
		}
		u.Profile.Name = n
		return nil
	}
	n := u.Profile.Name
	if n == nil {
		n = &sso.PersonName{}
	}
	f, ok := nameStrings(n)[sub]
	if !ok {
		return noAttribute(path)
	}
	s, err := stringValue(path, v)
	if err != nil {
		return err
	}
	*f = s
	if *n == (sso.PersonName{}) {
		n = nil
	}
	u.Profile.Name = n
	return nil
}

// setActive sets Disabled from active (a boolean) or userStatus.
func setActive(u *sso.User, path, head string, v json.RawMessage) error {
	if isNull(v) {
		return badValue(path, "given")
	}
	if head == "active" {
		b, err := BoolValue(path, v)
		u.Disabled = !b
		return err
	}
	s, err := stringValue(path, v)
	switch {
	case err != nil:
		return err
	case s == "ENABLED":
		u.Disabled = false
	case s == "DISABLED":
		u.Disabled = true
	default:
		return badValue(path, "ENABLED or DISABLED")
	}
	return nil
}

// listItem is one element of a multi-valued attribute, with SCIM's member
// names in any case.
type listItem map[string]json.RawMessage

func (it listItem) str(path, name string) (string, error) {
	for k, v := range it {
		if strings.EqualFold(k, name) {
			return stringValue(path+"."+name, v)
		}
	}
	return "", nil
}

func (it listItem) primary(path string) (bool, error) {
	for k, v := range it {
		if strings.EqualFold(k, "primary") && !isNull(v) {
			return BoolValue(path+".primary", v)
		}
	}
	return false, nil
}

// known refuses a member not in names.
func (it listItem) known(path string, names ...string) error {
	for k := range it {
		ok := false
		for _, n := range names {
			ok = ok || strings.EqualFold(k, n)
		}
		if !ok {
			return noAttribute(path + "." + k)
		}
	}
	return nil
}

// listItems decodes a list of objects, or one object as a list of one.
func listItems(path string, v json.RawMessage) ([]listItem, error) {
	if isNull(v) {
		return nil, nil
	}
	var items []listItem
	if err := json.Unmarshal(v, &items); err == nil {
		return items, nil
	}
	var one listItem
	if err := json.Unmarshal(v, &one); err != nil {
		return nil, badValue(path, "a list of objects")
	}
	return []listItem{one}, nil
}

func setList(u *sso.User, path, head string, v json.RawMessage) error {
	items, err := listItems(path, v)
	if err != nil {
		return err
	}
	p := &u.Profile
	switch head {
	case "emails":
		p.Emails, err = valueItems(path, items, func(value, typ, _ string, primary bool) sso.Email {
			return sso.Email{Value: value, Type: typ, Primary: primary}
		})
		u.Email = sso.PrimaryEmail(p.Emails)
	case "phonenumbers":
		p.PhoneNumbers, err = valueItems(path, items, func(value, typ, _ string, primary bool) sso.PhoneNumber {
			return sso.PhoneNumber{Value: value, Type: typ, Primary: primary}
		})
	case "roles":
		p.Roles, err = valueItems(path, items, func(value, typ, _ string, primary bool) sso.Role {
			return sso.Role{Value: value, Type: typ, Primary: primary}
		})
	case "photos":
		p.Photos, err = valueItems(path, items, func(value, typ, display string, primary bool) sso.Photo {
			return sso.Photo{Value: value, Type: typ, Display: display, Primary: primary}
		})
	case "addresses":
		p.Addresses, err = addressItems(path, items)
	}
	return err
}

// valueItems decodes items of the {value, type, display, primary} kind.
func valueItems[T any](path string, items []listItem, mk func(value, typ, display string, primary bool) T) ([]T, error) {
	var out []T
	for _, it := range items {
		if err := it.known(path, "value", "type", "display", "primary"); err != nil {
			return nil, err
		}
		value, err := it.str(path, "value")
		if err != nil {
			return nil, err
		}
		typ, err := it.str(path, "type")
		if err != nil {
			return nil, err
		}
		display, err := it.str(path, "display")
		if err != nil {
			return nil, err
		}
		primary, err := it.primary(path)
		if err != nil {
			return nil, err
		}
		out = append(out, mk(value, typ, display, primary))
	}
	return out, nil
}

func addressItems(path string, items []listItem) ([]sso.Address, error) {
	var out []sso.Address
	for _, it := range items {
		if err := it.known(path, "streetAddress", "locality", "region", "postalCode", "country", "formatted", "type", "primary"); err != nil {
			return nil, err
		}
		var a sso.Address
		for name, f := range map[string]*string{"streetAddress": &a.StreetAddress, "locality": &a.Locality, "region": &a.Region,
			"postalCode": &a.PostalCode, "country": &a.Country, "formatted": &a.Formatted, "type": &a.Type} {
			s, err := it.str(path, name)
			if err != nil {
				return nil, err
			}
			*f = s
		}
		primary, err := it.primary(path)
		if err != nil {
			return nil, err
		}
		a.Primary = primary
		out = append(out, a)
	}
	return out, nil
}
