package identitystore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/ssooidc/ssooidc/internal/awsjson"
	"github.com/ssooidc/ssooidc/internal/directory"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// userFields are the members of a user the model shares between
// CreateUser's input, DescribeUser's output and the User shape.
type userFields struct {
	UserName          string            `json:"UserName,omitempty"`
	Name              *sso.PersonName   `json:"Name,omitempty"`
	DisplayName       string            `json:"DisplayName,omitempty"`
	NickName          string            `json:"NickName,omitempty"`
	ProfileURL        string            `json:"ProfileUrl,omitempty"`
	Emails            []sso.Email       `json:"Emails,omitempty"`
	Addresses         []sso.Address     `json:"Addresses,omitempty"`
	PhoneNumbers      []sso.PhoneNumber `json:"PhoneNumbers,omitempty"`
	UserType          string            `json:"UserType,omitempty"`
	Title             string            `json:"Title,omitempty"`
	PreferredLanguage string            `json:"PreferredLanguage,omitempty"`
	Locale            string            `json:"Locale,omitempty"`
	Timezone          string            `json:"Timezone,omitempty"`
	Photos            []sso.Photo       `json:"Photos,omitempty"`
	Website           string            `json:"Website,omitempty"`
	Birthdate         string            `json:"Birthdate,omitempty"`
	Roles             []sso.Role        `json:"Roles,omitempty"`
}

// userOut is the model's User (ListUsers) and DescribeUserResponse.
type userOut struct {
	IdentityStoreID string           `json:"IdentityStoreId"`
	UserID          string           `json:"UserId"`
	ExternalIDs     []sso.ExternalID `json:"ExternalIds,omitempty"`
	userFields
	UserStatus string                    `json:"UserStatus"`
	CreatedAt  awsjson.Time              `json:"CreatedAt,omitzero"`
	CreatedBy  string                    `json:"CreatedBy,omitempty"`
	UpdatedAt  awsjson.Time              `json:"UpdatedAt,omitzero"`
	UpdatedBy  string                    `json:"UpdatedBy,omitempty"`
	Extensions map[string]jsontext.Value `json:"Extensions,omitempty"`
}

func fieldsOf(u sso.User) userFields {
	p := u.Profile
	return userFields{UserName: u.Name, Name: p.Name, DisplayName: u.DisplayName, NickName: p.NickName,
		ProfileURL: p.ProfileURL, Emails: p.Emails, Addresses: p.Addresses, PhoneNumbers: p.PhoneNumbers,
		UserType: p.UserType, Title: p.Title, PreferredLanguage: p.PreferredLanguage, Locale: p.Locale,
		Timezone: p.Timezone, Photos: p.Photos, Website: p.Website, Birthdate: p.Birthdate, Roles: p.Roles}
}

// toUser is u as the API shows it, with the extensions named in exts.
func (s *Service) toUser(u sso.User, exts []string) userOut {
	out := userOut{IdentityStoreID: s.storeID, UserID: u.ID, ExternalIDs: u.ExternalIDs, userFields: fieldsOf(u),
		UserStatus: "ENABLED", CreatedAt: awsjson.Time(u.CreatedAt), CreatedBy: u.CreatedBy,
		UpdatedAt: awsjson.Time(u.UpdatedAt), UpdatedBy: u.UpdatedBy}
	if u.Disabled {
		out.UserStatus = "DISABLED"
	}
	for _, name := range exts {
		if raw, ok := u.Profile.Extensions[name]; ok {
			if out.Extensions == nil {
				out.Extensions = map[string]jsontext.Value{}
			}
			out.Extensions[name] = jsontext.Value(raw)
		}
	}
	return out
}

// checkUser checks u against the model's constraints on a user's members.
func checkUser(c *checker, u sso.User) {
	c.text("userName", u.Name, 128, namePattern)
	for _, f := range []struct{ member, v string }{
		{"displayName", u.DisplayName}, {"nickName", u.Profile.NickName}, {"profileUrl", u.Profile.ProfileURL},
		{"userType", u.Profile.UserType}, {"title", u.Profile.Title}, {"preferredLanguage", u.Profile.PreferredLanguage},
		{"locale", u.Profile.Locale}, {"timezone", u.Profile.Timezone}, {"website", u.Profile.Website},
		{"birthdate", u.Profile.Birthdate},
	} {
		c.sensitive(f.member, f.v)
	}
	if n := u.Profile.Name; n != nil {
		for _, f := range []struct{ member, v string }{{"name.formatted", n.Formatted}, {"name.familyName", n.FamilyName},
			{"name.givenName", n.GivenName}, {"name.middleName", n.MiddleName},
			{"name.honorificPrefix", n.HonorificPrefix}, {"name.honorificSuffix", n.HonorificSuffix}} {
			c.sensitive(f.member, f.v)
		}
	}
	p := u.Profile
	// Emails, Addresses, PhoneNumbers and Roles hold one value at most;
	// Photos three.
	c.listLen("emails", len(p.Emails), 0, 1)
	c.listLen("addresses", len(p.Addresses), 0, 1)
	c.listLen("phoneNumbers", len(p.PhoneNumbers), 0, 1)
	c.listLen("roles", len(p.Roles), 0, 1)
	c.listLen("photos", len(p.Photos), 0, 3)
	for i, e := range p.Emails {
		c.sensitive(fmt.Sprintf("emails.%d.member.value", i+1), e.Value)
		c.sensitive(fmt.Sprintf("emails.%d.member.type", i+1), e.Type)
	}
	for i, a := range p.Addresses {
		for _, v := range []string{a.StreetAddress, a.Locality, a.Region, a.PostalCode, a.Country, a.Formatted, a.Type} {
			c.sensitive(fmt.Sprintf("addresses.%d.member", i+1), v)
		}
	}
	for i, ph := range p.PhoneNumbers {
		c.sensitive(fmt.Sprintf("phoneNumbers.%d.member.value", i+1), ph.Value)
		c.sensitive(fmt.Sprintf("phoneNumbers.%d.member.type", i+1), ph.Type)
	}
	for i, r := range p.Roles {
		c.sensitive(fmt.Sprintf("roles.%d.member.value", i+1), r.Value)
		c.sensitive(fmt.Sprintf("roles.%d.member.type", i+1), r.Type)
	}
	primaries := 0
	for i, ph := range p.Photos {
		member := fmt.Sprintf("photos.%d.member", i+1)
		if c.required(member+".value", ph.Value) {
			c.sensitive(member+".value", ph.Value)
		}
		c.sensitive(member+".type", ph.Type)
		c.sensitive(member+".display", ph.Display)
		if ph.Primary {
			primaries++
		}
	}
	if primaries > 1 {
		c.add("photos", "have at most one primary photo")
	}
}

type createUserIn struct {
	IdentityStoreID   string                     `json:"IdentityStoreId"`
	UserName          string                     `json:"UserName"`
	Name              *sso.PersonName            `json:"Name"`
	DisplayName       string                     `json:"DisplayName"`
	NickName          string                     `json:"NickName"`
	ProfileURL        string                     `json:"ProfileUrl"`
	Emails            *[]sso.Email               `json:"Emails"`
	Addresses         *[]sso.Address             `json:"Addresses"`
	PhoneNumbers      *[]sso.PhoneNumber         `json:"PhoneNumbers"`
	UserType          string                     `json:"UserType"`
	Title             string                     `json:"Title"`
	PreferredLanguage string                     `json:"PreferredLanguage"`
	Locale            string                     `json:"Locale"`
	Timezone          string                     `json:"Timezone"`
	Photos            *[]sso.Photo               `json:"Photos"`
	Website           string                     `json:"Website"`
	Birthdate         string                     `json:"Birthdate"`
	Roles             *[]sso.Role                `json:"Roles"`
	Extensions        *map[string]jsontext.Value `json:"Extensions"`
}

func (in *createUserIn) storeID() string { return in.IdentityStoreID }

func (in *createUserIn) check(c *checker) {
	// IAM Identity Center requires these four (the model's documentation
	// of Name and DisplayName).
	c.required("userName", in.UserName)
	c.required("displayName", in.DisplayName)
	if in.Name == nil {
		c.add("name", "not be null")
	} else {
		c.required("name.givenName", in.Name.GivenName)
		c.required("name.familyName", in.Name.FamilyName)
	}
	// A list that is given holds one element at least.
	for _, l := range []struct {
		member string
		given  bool
		n      int
	}{{"emails", in.Emails != nil, len(deref(in.Emails))}, {"addresses", in.Addresses != nil, len(deref(in.Addresses))},
		{"phoneNumbers", in.PhoneNumbers != nil, len(deref(in.PhoneNumbers))}, {"photos", in.Photos != nil, len(deref(in.Photos))},
		{"roles", in.Roles != nil, len(deref(in.Roles))}} {
		if l.given && l.n == 0 {
			c.add(l.member, "have length greater than or equal to 1")
		}
	}
	checkUser(c, in.user())
	if in.Extensions != nil {
		checkExtensions(c, *in.Extensions)
	}
}

func (in *createUserIn) user() sso.User {
	return sso.User{Name: in.UserName, DisplayName: in.DisplayName, Profile: sso.UserProfile{
		Name: in.Name, NickName: in.NickName, ProfileURL: in.ProfileURL, Emails: deref(in.Emails),
		Addresses: deref(in.Addresses), PhoneNumbers: deref(in.PhoneNumbers), UserType: in.UserType, Title: in.Title,
		PreferredLanguage: in.PreferredLanguage, Locale: in.Locale, Timezone: in.Timezone, Photos: deref(in.Photos),
		Website: in.Website, Birthdate: in.Birthdate, Roles: deref(in.Roles)}}
}

// checkExtensions checks CreateUser's Extensions: 1 to 10 names of the
// model's pattern, of which the Identity Store knows one.
func checkExtensions(c *checker, exts map[string]jsontext.Value) {
	c.listLen("extensions", len(exts), 1, 10)
	for name := range exts {
		c.text("extensions.key", name, 50, extensionNamePattern)
	}
}

// extensionsOf checks and normalises CreateUser's extension documents.
func extensionsOf(exts map[string]jsontext.Value) (map[string]json.RawMessage, error) {
	out := map[string]json.RawMessage{}
	for name, v := range exts {
		if name != directory.EnterpriseExtension {
			return nil, awsjson.Errorf(awsjson.Validation, "Extension %s is not supported; %s is the only extension.", clip(name), directory.EnterpriseExtension)
		}
		doc, err := directory.NormalizeEnterprise(name, json.RawMessage(v))
		if err != nil {
			return nil, err
		}
		if doc != nil {
			out[name] = doc
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

type createUserOut struct {
	IdentityStoreID string `json:"IdentityStoreId"`
	UserID          string `json:"UserId"`
}

func (s *Service) createUser(ctx context.Context, in *createUserIn) (any, error) {
	u := in.user()
	if in.Extensions != nil {
		exts, err := extensionsOf(*in.Extensions)
		if err != nil {
			return nil, err
		}
		u.Profile.Extensions = exts
	}
	created, err := s.dir.CreateUser(ctx, u)
	if err != nil {
		return nil, conflict(err)
	}
	return createUserOut{IdentityStoreID: s.storeID, UserID: created.ID}, nil
}

type describeUserIn struct {
	IdentityStoreID string    `json:"IdentityStoreId"`
	UserID          string    `json:"UserId"`
	Extensions      *[]string `json:"Extensions"`
}

func (in *describeUserIn) storeID() string { return in.IdentityStoreID }

func (in *describeUserIn) check(c *checker) {
	c.resourceID("userId", in.UserID)
	c.extensionNames(deref(in.Extensions), in.Extensions != nil)
}

// extensionList checks the names asked for: the enterprise extension is
// the only one there is.
func extensionList(names *[]string) ([]string, error) {
	for _, n := range deref(names) {
		if n != directory.EnterpriseExtension {
			return nil, awsjson.Errorf(awsjson.Validation, "Extension %s is not supported; %s is the only extension.", clip(n), directory.EnterpriseExtension)
		}
	}
	return deref(names), nil
}

func deref[T any](p *[]T) []T {
	if p == nil {
		return nil
	}
	return *p
}

func (s *Service) describeUser(ctx context.Context, in *describeUserIn) (any, error) {
	exts, err := extensionList(in.Extensions)
	if err != nil {
		return nil, err
	}
	u, err := s.dir.GetUser(ctx, in.UserID)
	if err != nil {
		return nil, orNotFound(err, typeUser, in.UserID)
	}
	return s.toUser(u, exts), nil
}

type userRef struct {
	IdentityStoreID string `json:"IdentityStoreId"`
	UserID          string `json:"UserId"`
}

func (in *userRef) storeID() string  { return in.IdentityStoreID }
func (in *userRef) check(c *checker) { c.resourceID("userId", in.UserID) }
func (s *Service) deleteUser(ctx context.Context, in *userRef) (any, error) {
	if err := s.dir.DeleteUser(ctx, in.UserID); err != nil {
		return nil, orNotFound(err, typeUser, in.UserID)
	}
	return struct{}{}, nil
}

// attributeOp is one of UpdateUser's or UpdateGroup's Operations: the
// value replaces the attribute at the path; no value (or null) removes it.
type attributeOp struct {
	AttributePath  string         `json:"AttributePath"`
	AttributeValue jsontext.Value `json:"AttributeValue"`
}

type updateIn struct {
	IdentityStoreID string         `json:"IdentityStoreId"`
	UserID          string         `json:"UserId"`
	GroupID         string         `json:"GroupId"`
	Operations      *[]attributeOp `json:"Operations"`
}

func (in *updateIn) storeID() string { return in.IdentityStoreID }

func (in *updateIn) checkOps(c *checker) {
	if in.Operations == nil {
		c.add("operations", "not be null")
		return
	}
	c.listLen("operations", len(*in.Operations), 1, 100)
	for i, o := range *in.Operations {
		member := fmt.Sprintf("operations.%d.member.attributePath", i+1)
		if c.required(member, o.AttributePath) {
			c.text(member, o.AttributePath, 255, attributePathPattern)
		}
	}
}

type updateUserIn struct{ updateIn }

func (in *updateUserIn) check(c *checker) {
	c.resourceID("userId", in.UserID)
	in.checkOps(c)
}

func (s *Service) updateUser(ctx context.Context, in *updateUserIn) (any, error) {
	_, err := s.dir.UpdateUser(ctx, in.UserID, func(u *sso.User) error {
		for _, o := range *in.Operations {
			if err := directory.SetUserAttribute(u, o.AttributePath, json.RawMessage(o.AttributeValue)); err != nil {
				return err
			}
		}
		// The result must still be a user the model can describe.
		c := &checker{}
		c.required("userName", u.Name)
		checkUser(c, *u)
		return c.err()
	})
	if err != nil {
		return nil, conflict(orNotFound(err, typeUser, in.UserID))
	}
	return struct{}{}, nil
}

// filter is one of ListUsers' or ListGroups' Filters (deprecated by AWS in
// favour of GetUserId and GetGroupId, still served).
type filter struct {
	AttributePath  string `json:"AttributePath"`
	AttributeValue string `json:"AttributeValue"`
}

// checkFilters checks Filters: at most one, with a path and a value.
func checkFilters(c *checker, fs *[]filter) {
	c.listLen("filters", len(deref(fs)), 0, 1)
	for i, f := range deref(fs) {
		member := fmt.Sprintf("filters.%d.member", i+1)
		if c.required(member+".attributePath", f.AttributePath) {
			c.text(member+".attributePath", f.AttributePath, 255, attributePathPattern)
		}
		if c.required(member+".attributeValue", f.AttributeValue) {
			c.sensitive(member+".attributeValue", f.AttributeValue)
		}
	}
}

// filterOn returns the value of the one filter, which must be on path
// (compared without regard to case); "" when there is none.
func filterOn(fs *[]filter, path string) (string, error) {
	if len(deref(fs)) == 0 {
		return "", nil
	}
	f := (*fs)[0]
	if !equalFold(f.AttributePath, path) {
		return "", awsjson.Errorf(awsjson.Validation, "Filtering by %s is not supported; the only filter is %s.", clip(f.AttributePath), path)
	}
	return f.AttributeValue, nil
}

type listUsersIn struct {
	IdentityStoreID string    `json:"IdentityStoreId"`
	Extensions      *[]string `json:"Extensions"`
	MaxResults      *int      `json:"MaxResults"`
	NextToken       *string   `json:"NextToken"`
	Filters         *[]filter `json:"Filters"`
}

func (in *listUsersIn) storeID() string { return in.IdentityStoreID }

func (in *listUsersIn) check(c *checker) {
	c.extensionNames(deref(in.Extensions), in.Extensions != nil)
	c.page(in.MaxResults, in.NextToken)
	checkFilters(c, in.Filters)
}

type listUsersOut struct {
	Users     []userOut `json:"Users"`
	NextToken *string   `json:"NextToken,omitempty"`
}

func (s *Service) listUsers(ctx context.Context, in *listUsersIn) (any, error) {
	exts, err := extensionList(in.Extensions)
	if err != nil {
		return nil, err
	}
	name, err := filterOn(in.Filters, "UserName")
	if err != nil {
		return nil, err
	}
	after, err := afterToken("ListUsers", name, in.NextToken)
	if err != nil {
		return nil, err
	}
	size := pageSize(in.MaxResults)
	us, err := s.dir.ListUsers(ctx, sso.UserQuery{Page: sso.Page{After: after, Limit: size + 1}, Name: name})
	if err != nil {
		return nil, err
	}
	page, next := pageOf(us, size, "ListUsers", name, func(u sso.User) string { return u.ID })
	out := listUsersOut{Users: make([]userOut, 0, len(page)), NextToken: next}
	for _, u := range page {
		out.Users = append(out.Users, s.toUser(u, exts))
	}
	return out, nil
}

// alternateID is the AlternateIdentifier union: an external ID, or a
// unique attribute with its value (a document; the attributes there are
// take a string).
type alternateID struct {
	ExternalID      *sso.ExternalID `json:"ExternalId"`
	UniqueAttribute *struct {
		AttributePath  string         `json:"AttributePath"`
		AttributeValue jsontext.Value `json:"AttributeValue"`
	} `json:"UniqueAttribute"`
}

func (a *alternateID) check(c *checker) {
	switch {
	case a == nil:
		c.add("alternateIdentifier", "not be null")
	case (a.ExternalID == nil) == (a.UniqueAttribute == nil):
		c.add("alternateIdentifier", "have exactly one member set")
	case a.ExternalID != nil:
		if c.required("alternateIdentifier.externalId.issuer", a.ExternalID.Issuer) {
			c.text("alternateIdentifier.externalId.issuer", a.ExternalID.Issuer, 256, namePattern)
		}
		if c.required("alternateIdentifier.externalId.id", a.ExternalID.ID) {
			c.text("alternateIdentifier.externalId.id", a.ExternalID.ID, 256, namePattern)
		}
	default:
		if c.required("alternateIdentifier.uniqueAttribute.attributePath", a.UniqueAttribute.AttributePath) {
			c.text("alternateIdentifier.uniqueAttribute.attributePath", a.UniqueAttribute.AttributePath, 255, attributePathPattern)
		}
		if len(a.UniqueAttribute.AttributeValue) == 0 {
			c.add("alternateIdentifier.uniqueAttribute.attributeValue", "not be null")
		}
	}
}

// unique returns the unique attribute's path and its value, which must be
// a non-empty string.
func (a *alternateID) unique() (string, string, error) {
	var v string
	if err := json.Unmarshal(a.UniqueAttribute.AttributeValue, &v); err != nil || v == "" {
		return "", "", awsjson.Errorf(awsjson.Validation, "The value of the unique attribute %s must be a non-empty string.", clip(a.UniqueAttribute.AttributePath))
	}
	return a.UniqueAttribute.AttributePath, v, nil
}

type getIDIn struct {
	IdentityStoreID     string       `json:"IdentityStoreId"`
	AlternateIdentifier *alternateID `json:"AlternateIdentifier"`
}

func (in *getIDIn) storeID() string  { return in.IdentityStoreID }
func (in *getIDIn) check(c *checker) { in.AlternateIdentifier.check(c) }

// getUserID finds a user by external ID, or by the unique attributes
// userName and emails.value (the only unique attributes of a user).
func (s *Service) getUserID(ctx context.Context, in *getIDIn) (any, error) {
	a := in.AlternateIdentifier
	var u sso.User
	var err error
	if a.ExternalID != nil {
		u, err = s.dir.GetUserByExternalID(ctx, a.ExternalID.Issuer, a.ExternalID.ID)
	} else {
		path, v, uerr := a.unique()
		if uerr != nil {
			return nil, uerr
		}
		switch {
		case equalFold(path, "userName"):
			u, err = s.dir.GetUserByName(ctx, v)
		case equalFold(path, "emails.value"):
			u, err = s.userByEmail(ctx, v)
		default:
			return nil, awsjson.Errorf(awsjson.Validation, "The attribute %s is not a unique attribute; use userName or emails.value.", clip(path))
		}
	}
	if err != nil {
		return nil, orNotFound(err, typeUser, "")
	}
	return createUserOut{IdentityStoreID: s.storeID, UserID: u.ID}, nil
}

// userByEmail returns the user whose (primary) email is email.
func (s *Service) userByEmail(ctx context.Context, email string) (sso.User, error) {
	us, err := s.dir.ListUsers(ctx, sso.UserQuery{Email: email, Page: sso.Page{Limit: 1}})
	if err != nil {
		return sso.User{}, err
	}
	if len(us) == 0 {
		return sso.User{}, sso.Errorf(sso.CodeResourceNotFound, "No user has this email.")
	}
	return us[0], nil
}

func equalFold(a, b string) bool { return strings.EqualFold(a, b) }
