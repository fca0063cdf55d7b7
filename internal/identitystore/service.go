package identitystore

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/ssooidc/ssooidc/internal/awsjson"
	"github.com/ssooidc/ssooidc/internal/directory"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// Target prefix, signing name and IAM action prefix of the API.
const (
	TargetPrefix = "AWSIdentityStore"
	SigningName  = "identitystore"
	ActionPrefix = "identitystore"
)

// idPattern is the model's IdentityStoreId pattern; storeARN is the ARN
// form the newest SDKs also accept for it
// (arn:aws:identitystore::111122223333:identitystore/d-1234567890).
var (
	idPattern = regexp.MustCompile(`^(d-[0-9a-f]{10}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$`)
	storeARN  = regexp.MustCompile(`^arn:aws[a-z-]*:identitystore::[0-9]{12}:identitystore/(d-[0-9a-f]{10}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$`)
)

// ValidID reports whether id is an identity store ID as the model writes
// them (d- and ten digits or lower-case hex letters, or a UUID).
func ValidID(id string) bool { return idPattern.MatchString(id) }

// Service is the Identity Store API over a directory.
type Service struct {
	dir     *directory.Service
	storeID string
	now     func() time.Time
}

// New returns the API for the identity store storeID (ValidID) over dir.
func New(dir *directory.Service, storeID string, now func() time.Time) (*Service, error) {
	if !ValidID(storeID) {
		return nil, fmt.Errorf("identity store ID %q is not d- and ten digits or lower-case letters (d-1234567890)", storeID)
	}
	if now == nil {
		now = time.Now
	}
	return &Service{dir: dir, storeID: storeID, now: now}, nil
}

// API returns the operations as a JSON 1.1 service for the awsjson adapter.
func (s *Service) API() *awsjson.Service {
	return &awsjson.Service{
		TargetPrefix: TargetPrefix,
		SigningName:  SigningName,
		ActionPrefix: ActionPrefix,
		Ops: map[string]awsjson.Op{
			"CreateUser":                    op(s, s.createUser),
			"DescribeUser":                  op(s, s.describeUser),
			"UpdateUser":                    op(s, s.updateUser),
			"DeleteUser":                    op(s, s.deleteUser),
			"ListUsers":                     op(s, s.listUsers),
			"GetUserId":                     op(s, s.getUserID),
			"CreateGroup":                   op(s, s.createGroup),
			"DescribeGroup":                 op(s, s.describeGroup),
			"UpdateGroup":                   op(s, s.updateGroup),
			"DeleteGroup":                   op(s, s.deleteGroup),
			"ListGroups":                    op(s, s.listGroups),
			"GetGroupId":                    op(s, s.getGroupID),
			"CreateGroupMembership":         op(s, s.createMembership),
			"DescribeGroupMembership":       op(s, s.describeMembership),
			"DeleteGroupMembership":         op(s, s.deleteMembership),
			"GetGroupMembershipId":          op(s, s.getMembershipID),
			"IsMemberInGroups":              op(s, s.isMemberInGroups),
			"ListGroupMemberships":          op(s, s.listMemberships),
			"ListGroupMembershipsForMember": op(s, s.listMembershipsForMember),
		},
		Errors: Errors,
	}
}

// Errors maps the directory's error codes to the API's shapes; the
// adapter answers anything else as InternalServerException.
var Errors = map[sso.Code]awsjson.Shape{
	sso.CodeInvalidRequest:   awsjson.Validation,
	sso.CodeResourceNotFound: awsjson.ResourceMissing,
	sso.CodeConflict:         awsjson.Conflict,
	sso.CodeAccessDenied:     awsjson.AccessDenied,
	sso.CodeTooManyRequests:  awsjson.Throttling,
}

// request is what every input has: the identity store it names.
type request interface{ storeID() string }

// op makes an operation of f: decode the body strictly, check the members
// against the model, check the identity store, then run f.
func op[In any, P interface {
	*In
	request
	check(c *checker)
}](s *Service, f func(ctx context.Context, in P) (any, error)) awsjson.Op {
	return func(ctx context.Context, body []byte) (any, error) {
		in := P(new(In))
		if err := awsjson.Decode(body, in); err != nil {
			return nil, err
		}
		c := &checker{}
		c.storeID(in.storeID())
		in.check(c)
		if err := c.err(); err != nil {
			return nil, err
		}
		if err := s.checkStore(in.storeID()); err != nil {
			return nil, err
		}
		return f(ctx, in)
	}
}

// checkStore refuses an identity store ID other than the server's, as AWS
// does: ResourceNotFoundException naming the ID, ResourceType
// IDENTITY_STORE. The ARN form names the store by its last part.
func (s *Service) checkStore(id string) error {
	given := id
	if m := storeARN.FindStringSubmatch(id); m != nil {
		id = m[1]
	}
	if id == s.storeID {
		return nil
	}
	return &awsjson.Error{Shape: awsjson.ResourceMissing,
		Message: "IdentityStore not present for IdentityStoreId: " + clip(given),
		Fields:  map[string]any{"ResourceType": "IDENTITY_STORE", "ResourceId": clip(given)}}
}

// Resource types of ResourceNotFoundException.
const (
	typeUser       = "USER"
	typeGroup      = "GROUP"
	typeMembership = "GROUP_MEMBERSHIP"
)

// notFound is the answer for a missing user, group or membership.
func notFound(typ, id string) error {
	e := &awsjson.Error{Shape: awsjson.ResourceMissing, Message: typ + " not found.", Fields: map[string]any{"ResourceType": typ}}
	if id != "" {
		e.Fields["ResourceId"] = clip(id)
	}
	return e
}

// orNotFound turns the directory's not-found error into notFound(typ, id).
func orNotFound(err error, typ, id string) error {
	if sso.CodeOf(err) == sso.CodeResourceNotFound {
		return notFound(typ, id)
	}
	return err
}

// conflict is the answer for a uniqueness violation, with the Reason the
// model names.
func conflict(err error) error {
	if sso.CodeOf(err) != sso.CodeConflict {
		return err
	}
	msg := "A uniqueness constraint was violated."
	var se *sso.Error
	if errors.As(err, &se) {
		msg = se.Message
	}
	return &awsjson.Error{Shape: awsjson.Conflict, Message: msg, Err: err,
		Fields: map[string]any{"Reason": "UNIQUENESS_CONSTRAINT_VIOLATION"}}
}

// clip bounds what an error repeats of a client's value.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
