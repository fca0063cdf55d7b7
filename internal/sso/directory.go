package sso

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"time"
)

// The directory: users, groups and group memberships, as the Identity
// Store API and SCIM describe them. One directory serves every surface:
// sign-in, the portal's assignments, the Identity Store API, SCIM, the
// config file and the admin commands.

// User is a person: who signs in, who is assigned access.
type User struct {
	ID          string // a UUID (RandomUUID); the Identity Store's UserId
	Name        string // the username; unique, case-sensitive
	DisplayName string
	// Email is the primary email's value (the one marked primary, else the
	// first of Profile.Emails), kept beside the profile for lookups and
	// for the pages. The directory service keeps the two in step.
	Email string
	// PasswordHash is a PHC string (argon2id), or empty for a person who
	// signs in only through an upstream identity provider.
	PasswordHash string
	// Disabled people cannot sign in, and disabling someone ends their
	// browser sessions and revokes their token families (Identity Store
	// UserStatus DISABLED, SCIM active=false).
	Disabled bool
	// ExternalIDs are identifiers an external identity provider gave this
	// person; each (Issuer, ID) pair belongs to one user at most.
	ExternalIDs []ExternalID
	// Profile holds every other attribute of the Identity Store user.
	Profile   UserProfile
	CreatedAt time.Time
	UpdatedAt time.Time
	CreatedBy string // the principal that created the user (audit form)
	UpdatedBy string
}

// ExternalID is an identifier issued by an external identity provider.
type ExternalID struct {
	Issuer string `json:"Issuer"`
	ID     string `json:"Id"`
}

// UserProfile is the part of a user that the store keeps as one document:
// the Identity Store's optional attributes, in its member names.
type UserProfile struct {
	Name              *PersonName                `json:"Name,omitempty"`
	NickName          string                     `json:"NickName,omitempty"`
	ProfileURL        string                     `json:"ProfileUrl,omitempty"`
	Emails            []Email                    `json:"Emails,omitempty"`
	Addresses         []Address                  `json:"Addresses,omitempty"`
	PhoneNumbers      []PhoneNumber              `json:"PhoneNumbers,omitempty"`
	UserType          string                     `json:"UserType,omitempty"`
	Title             string                     `json:"Title,omitempty"`
	PreferredLanguage string                     `json:"PreferredLanguage,omitempty"`
	Locale            string                     `json:"Locale,omitempty"`
	Timezone          string                     `json:"Timezone,omitempty"`
	Photos            []Photo                    `json:"Photos,omitempty"`
	Website           string                     `json:"Website,omitempty"`
	Birthdate         string                     `json:"Birthdate,omitempty"`
	Roles             []Role                     `json:"Roles,omitempty"`
	Extensions        map[string]json.RawMessage `json:"Extensions,omitempty"`
}

// PersonName is the structured name of a user.
type PersonName struct {
	Formatted       string `json:"Formatted,omitempty"`
	FamilyName      string `json:"FamilyName,omitempty"`
	GivenName       string `json:"GivenName,omitempty"`
	MiddleName      string `json:"MiddleName,omitempty"`
	HonorificPrefix string `json:"HonorificPrefix,omitempty"`
	HonorificSuffix string `json:"HonorificSuffix,omitempty"`
}

// Email is one email address of a user.
type Email struct {
	Value   string `json:"Value,omitempty"`
	Type    string `json:"Type,omitempty"`
	Primary bool   `json:"Primary,omitempty"`
}

// Address is one postal address of a user.
type Address struct {
	StreetAddress string `json:"StreetAddress,omitempty"`
	Locality      string `json:"Locality,omitempty"`
	Region        string `json:"Region,omitempty"`
	PostalCode    string `json:"PostalCode,omitempty"`
	Country       string `json:"Country,omitempty"`
	Formatted     string `json:"Formatted,omitempty"`
	Type          string `json:"Type,omitempty"`
	Primary       bool   `json:"Primary,omitempty"`
}

// PhoneNumber is one phone number of a user.
type PhoneNumber struct {
	Value   string `json:"Value,omitempty"`
	Type    string `json:"Type,omitempty"`
	Primary bool   `json:"Primary,omitempty"`
}

// Photo is one photo URL of a user.
type Photo struct {
	Value   string `json:"Value,omitempty"`
	Type    string `json:"Type,omitempty"`
	Display string `json:"Display,omitempty"`
	Primary bool   `json:"Primary,omitempty"`
}

// Role is one role attribute of a user (a label, not an access grant).
type Role struct {
	Value   string `json:"Value,omitempty"`
	Type    string `json:"Type,omitempty"`
	Primary bool   `json:"Primary,omitempty"`
}

// PrimaryEmail returns the value of the primary email of emails: the one
// marked primary, else the first; "" when there is none.
func PrimaryEmail(emails []Email) string {
	for _, e := range emails {
		if e.Primary {
			return e.Value
		}
	}
	if len(emails) > 0 {
		return emails[0].Value
	}
	return ""
}

// Group is a named set of users; assignments to a group apply to each of
// its members.
type Group struct {
	ID          string // a UUID; the Identity Store's GroupId
	DisplayName string // unique, case-sensitive
	Description string
	ExternalIDs []ExternalID
	CreatedAt   time.Time
	UpdatedAt   time.Time
	CreatedBy   string
	UpdatedBy   string
}

// Membership makes a user a member of a group.
type Membership struct {
	ID      string // a UUID; the Identity Store's MembershipId
	GroupID string
	UserID  string
	// Source says who manages the membership: "" for the API, SCIM, the
	// config file and the admin commands; "upstream:ID" for one that an
	// upstream identity provider's group claims made, which that
	// provider's next sign-in of the person may remove again.
	Source    string
	CreatedAt time.Time
	UpdatedAt time.Time
	CreatedBy string
	UpdatedBy string
}

// Page asks for one page of a listing ordered by a unique key: the records
// after the key After (exclusive; "" from the start), at most Limit of
// them (0: all).
type Page struct {
	After string
	Limit int
}

// UserQuery selects users. Listings are ordered by ID, the key of
// Page.After. At most one of Name, Email and DisplayName may be set.
type UserQuery struct {
	Page
	Name        string // only the user with this exact name
	Email       string // only users whose primary email is this (exact)
	DisplayName string // only users with this exact display name
	// Offset skips that many users of the result (SCIM's startIndex);
	// it is not combined with Page.After.
	Offset int
}

// GroupQuery selects groups, ordered by ID.
type GroupQuery struct {
	Page
	DisplayName string // only the group with this exact display name
	Offset      int
}

// MembershipQuery selects memberships of one group (GroupID) or of one
// user (UserID), ordered by membership ID.
type MembershipQuery struct {
	Page
	GroupID string
	UserID  string
}

// UserStore keeps the people of the directory.
type UserStore interface {
	// CreateUser stores u. Returns ErrConflict if u.ID or u.Name exists or
	// one of u.ExternalIDs belongs to another user.
	CreateUser(ctx context.Context, u User) error
	// GetUser returns the user with id. Returns ErrNotFound if none.
	GetUser(ctx context.Context, id string) (User, error)
	// GetUserByName returns the user named name (case-sensitive). Returns
	// ErrNotFound if none.
	GetUserByName(ctx context.Context, name string) (User, error)
	// GetUserByExternalID returns the user with the external id (issuer,
	// id). Returns ErrNotFound if none.
	GetUserByExternalID(ctx context.Context, issuer, id string) (User, error)
	// ListUsers returns the users q selects, ordered by ID.
	ListUsers(ctx context.Context, q UserQuery) ([]User, error)
	// CountUsers returns how many users there are.
	CountUsers(ctx context.Context) (int, error)
	// UpdateUser runs update on the user with id and stores what it
	// returns, atomically with respect to every other change of the user
	// (compare-and-swap); update must not change ID or CreatedAt and must
	// not call the store. If update returns an error, nothing is stored
	// and that error is returned as is. If the update disables the user
	// (Disabled false -> true), the user's browser sessions are deleted
	// and token families revoked in the same transaction. Returns the
	// stored user; ErrNotFound if none; ErrConflict if the new name or an
	// external ID belongs to another user.
	UpdateUser(ctx context.Context, id string, update func(User) (User, error)) (User, error)
	// DeleteUser deletes the user with id with, in one transaction, its
	// group memberships, its account and application assignments, its
	// browser sessions, its second factors and recovery codes, and
	// revokes its token families at now. Returns ErrNotFound if none.
	DeleteUser(ctx context.Context, id string, now time.Time) error
}

// GroupStore keeps groups and memberships.
type GroupStore interface {
	// CreateGroup stores g. Returns ErrConflict if g.ID or g.DisplayName
	// exists or one of g.ExternalIDs belongs to another group.
	CreateGroup(ctx context.Context, g Group) error
	// GetGroup returns the group with id. Returns ErrNotFound if none.
	GetGroup(ctx context.Context, id string) (Group, error)
	// GetGroupByName returns the group with the display name (exact).
	// Returns ErrNotFound if none.
	GetGroupByName(ctx context.Context, displayName string) (Group, error)
	// GetGroupByExternalID returns the group with the external id.
	// Returns ErrNotFound if none.
	GetGroupByExternalID(ctx context.Context, issuer, id string) (Group, error)
	// ListGroups returns the groups q selects, ordered by ID.
	ListGroups(ctx context.Context, q GroupQuery) ([]Group, error)
	// CountGroups returns how many groups there are.
	CountGroups(ctx context.Context) (int, error)
	// UpdateGroup is UpdateUser for groups (compare-and-swap). Returns
	// ErrNotFound if none, ErrConflict if the new display name or an
	// external ID belongs to another group.
	UpdateGroup(ctx context.Context, id string, update func(Group) (Group, error)) (Group, error)
	// DeleteGroup deletes the group with id, its memberships and its
	// account and application assignments, in one transaction. Returns ErrNotFound if none.
	DeleteGroup(ctx context.Context, id string) error

	// CreateMembership stores m. Returns ErrNotFound if its group or user
	// does not exist, ErrConflict if m.ID exists or the user is already a
	// member of the group.
	CreateMembership(ctx context.Context, m Membership) error
	// GetMembership returns the membership with id. Returns ErrNotFound if
	// none.
	GetMembership(ctx context.Context, id string) (Membership, error)
	// GetMembershipOf returns the membership of userID in groupID. Returns
	// ErrNotFound if none.
	GetMembershipOf(ctx context.Context, groupID, userID string) (Membership, error)
	// DeleteMembership deletes the membership with id. Returns ErrNotFound
	// if none.
	DeleteMembership(ctx context.Context, id string) error
	// ListMemberships returns the memberships q selects (q.GroupID or
	// q.UserID is set), ordered by ID.
	ListMemberships(ctx context.Context, q MembershipQuery) ([]Membership, error)
	// ChangeMembers adds and removes members of the group groupID in one
	// transaction (SCIM's PATCH of a group). An added user who is a member
	// already and a removed user who is not are skipped. Returns
	// ErrNotFound, storing nothing, if the group or an added user does not
	// exist. add's records carry their IDs and times; their GroupID is
	// groupID.
	ChangeMembers(ctx context.Context, groupID string, add []Membership, removeUserIDs []string) error
	// SyncMemberships makes the memberships of userID whose Source is
	// source exactly those of add's groups, in one transaction: it keeps
	// those that exist, creates the rest from add and deletes the other
	// memberships of that source. A membership of another source is never
	// deleted, and one that exists for a group of add is left as it is.
	// Groups of add that do not exist are skipped. Returns ErrNotFound if
	// the user does not exist.
	SyncMemberships(ctx context.Context, userID, source string, add []Membership) error
	// CountMembers returns how many members the group has.
	CountMembers(ctx context.Context, groupID string) (int, error)
}

// RandomUUID returns a random (version 4) UUID in its canonical text form,
// the shape the Identity Store gives user, group and membership IDs.
func RandomUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}
