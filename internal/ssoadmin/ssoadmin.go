package ssoadmin

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/ssooidc/ssooidc/internal/access"
	"github.com/ssooidc/ssooidc/internal/awsjson"
	"github.com/ssooidc/ssooidc/internal/iamtoken"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// The API's names on the wire.
const (
	TargetPrefix = "SWBExternalService"
	SigningName  = "sso"
	ActionPrefix = "sso"
)

// Instance is the server's one IAM Identity Center instance.
type Instance struct {
	ARN             string // arn:aws:sso:::instance/ssoins-...
	ID              string // ssoins-...
	IdentityStoreID string // d-...
	OwnerAccount    string // the account of application and issuer ARNs
	Name            string
	CreatedAt       time.Time
}

// instanceSecret names the stored value every node derives the default
// instance from: 8 random bytes (the instance ID) and the creation time.
const instanceSecret = "sso_admin_instance"

var reInstanceID = regexp.MustCompile(`^arn:aws(-[a-z]{1,5}){0,3}:sso:::instance/((sso)?ins-[a-zA-Z0-9-.]{16})$`)

// ResolveInstance returns the server's instance: arn when it is set (the
// config's iam.instance_arn), else arn:aws:sso:::instance/ssoins- and 16
// hex digits drawn once and kept in the store, so every node agrees.
func ResolveInstance(ctx context.Context, secrets sso.SecretStore, arn, identityStoreID, owner string, now func() time.Time) (Instance, error) {
	if now == nil {
		now = time.Now
	}
	v, err := secrets.Secret(ctx, instanceSecret, func() ([]byte, error) {
		out := make([]byte, 16)
		if _, err := rand.Read(out[:8]); err != nil {
			return nil, err
		}
		binary.BigEndian.PutUint64(out[8:], uint64(now().UnixMilli()))
		return out, nil
	})
	if err != nil {
		return Instance{}, fmt.Errorf("loading the SSO instance: %w", err)
	}
	if len(v) != 16 {
		return Instance{}, errors.New("the stored SSO instance is not 16 bytes")
	}
	inst := Instance{IdentityStoreID: identityStoreID, OwnerAccount: owner, Name: "ssooidc",
		CreatedAt: time.UnixMilli(int64(binary.BigEndian.Uint64(v[8:]))).UTC()}
	if arn == "" {
		arn = "arn:aws:sso:::instance/ssoins-" + hex.EncodeToString(v[:8])
	}
	m := reInstanceID.FindStringSubmatch(arn)
	if m == nil {
		return Instance{}, fmt.Errorf("iam.instance_arn %q is not an instance ARN (arn:aws:sso:::instance/ssoins- and 16 characters)", arn)
	}
	inst.ARN, inst.ID = arn, m[2]
	if !sso.ValidAccountID(owner) {
		return Instance{}, fmt.Errorf("the instance's owner account %q is not 12 digits", owner)
	}
	return inst, nil
}

// Config is what the API serves over.
type Config struct {
	Instance  Instance
	Directory *access.Directory
	Registry  *iamtoken.Registry
	// Region is where the instance is: the CreatedFrom of applications.
	Region string
}

// API is the SSO Admin API.
type API struct {
	cfg Config
}

// New returns the API.
func New(cfg Config) *API { return &API{cfg: cfg} }

// Service returns the API as the JSON 1.1 adapter serves it.
func (a *API) Service() *awsjson.Service {
	return &awsjson.Service{
		TargetPrefix: TargetPrefix, SigningName: SigningName, ActionPrefix: ActionPrefix,
		Ops: a.ops(), Refused: refused(), Errors: errorShapes,
	}
}

// errorShapes maps the services' codes to the model's error shapes.
var errorShapes = map[sso.Code]awsjson.Shape{
	sso.CodeInvalidRequest:   awsjson.Validation,
	sso.CodeResourceNotFound: awsjson.ResourceMissing,
	sso.CodeConflict:         awsjson.Conflict,
	sso.CodeQuotaExceeded:    awsjson.QuotaExceeded,
	sso.CodeAccessDenied:     awsjson.AccessDenied,
	sso.CodeTooManyRequests:  awsjson.Throttling,
}

// op adapts a typed operation to awsjson.Op: decode strictly, run.
func op[In any](f func(ctx context.Context, in *In) (any, error)) awsjson.Op {
	return func(ctx context.Context, body []byte) (any, error) {
		in := new(In)
		if err := awsjson.Decode(body, in); err != nil {
			return nil, err
		}
		return f(ctx, in)
	}
}

// empty is the output of operations that return nothing.
type empty struct{}

func (a *API) ops() map[string]awsjson.Op {
	return map[string]awsjson.Op{
		"ListInstances":    op(a.listInstances),
		"DescribeInstance": op(a.describeInstance),

		"CreatePermissionSet":                                   op(a.createPermissionSet),
		"DescribePermissionSet":                                 op(a.describePermissionSet),
		"UpdatePermissionSet":                                   op(a.updatePermissionSet),
		"DeletePermissionSet":                                   op(a.deletePermissionSet),
		"ListPermissionSets":                                    op(a.listPermissionSets),
		"AttachManagedPolicyToPermissionSet":                    op(a.attachManagedPolicy),
		"DetachManagedPolicyFromPermissionSet":                  op(a.detachManagedPolicy),
		"ListManagedPoliciesInPermissionSet":                    op(a.listManagedPolicies),
		"AttachCustomerManagedPolicyReferenceToPermissionSet":   op(a.attachCustomerPolicy),
		"DetachCustomerManagedPolicyReferenceFromPermissionSet": op(a.detachCustomerPolicy),
		"ListCustomerManagedPolicyReferencesInPermissionSet":    op(a.listCustomerPolicies),
		"PutInlinePolicyToPermissionSet":                        op(a.putInlinePolicy),
		"GetInlinePolicyForPermissionSet":                       op(a.getInlinePolicy),
		"DeleteInlinePolicyFromPermissionSet":                   op(a.deleteInlinePolicy),
		"PutPermissionsBoundaryToPermissionSet":                 op(a.putBoundary),
		"GetPermissionsBoundaryForPermissionSet":                op(a.getBoundary),
		"DeletePermissionsBoundaryFromPermissionSet":            op(a.deleteBoundary),
		"ProvisionPermissionSet":                                op(a.provisionPermissionSet),
		"DescribePermissionSetProvisioningStatus":               op(a.describeProvisioningStatus),
		"ListPermissionSetProvisioningStatus":                   op(a.listProvisioningStatus),
		"ListPermissionSetsProvisionedToAccount":                op(a.listPermissionSetsProvisionedToAccount),
		"ListAccountsForProvisionedPermissionSet":               op(a.listAccountsForProvisionedPermissionSet),
		"TagResource":         op(a.tagResource),
		"UntagResource":       op(a.untagResource),
		"ListTagsForResource": op(a.listTagsForResource),

		"CreateAccountAssignment":                 op(a.createAccountAssignment),
		"DeleteAccountAssignment":                 op(a.deleteAccountAssignment),
		"DescribeAccountAssignmentCreationStatus": op(a.describeCreationStatus),
		"DescribeAccountAssignmentDeletionStatus": op(a.describeDeletionStatus),
		"ListAccountAssignmentCreationStatus":     op(a.listCreationStatus),
		"ListAccountAssignmentDeletionStatus":     op(a.listDeletionStatus),
		"ListAccountAssignments":                  op(a.listAccountAssignments),
		"ListAccountAssignmentsForPrincipal":      op(a.listAccountAssignmentsForPrincipal),

		"CreateApplication":                      op(a.createApplication),
		"DescribeApplication":                    op(a.describeApplication),
		"UpdateApplication":                      op(a.updateApplication),
		"DeleteApplication":                      op(a.deleteApplication),
		"ListApplications":                       op(a.listApplications),
		"ListApplicationProviders":               op(a.listApplicationProviders),
		"DescribeApplicationProvider":            op(a.describeApplicationProvider),
		"CreateApplicationAssignment":            op(a.createApplicationAssignment),
		"DeleteApplicationAssignment":            op(a.deleteApplicationAssignment),
		"DescribeApplicationAssignment":          op(a.describeApplicationAssignment),
		"ListApplicationAssignments":             op(a.listApplicationAssignments),
		"ListApplicationAssignmentsForPrincipal": op(a.listApplicationAssignmentsForPrincipal),
		"PutApplicationGrant":                    op(a.putApplicationGrant),
		"GetApplicationGrant":                    op(a.getApplicationGrant),
		"DeleteApplicationGrant":                 op(a.deleteApplicationGrant),
		"ListApplicationGrants":                  op(a.listApplicationGrants),
		"PutApplicationAccessScope":              op(a.putApplicationAccessScope),
		"GetApplicationAccessScope":              op(a.getApplicationAccessScope),
		"DeleteApplicationAccessScope":           op(a.deleteApplicationAccessScope),
		"ListApplicationAccessScopes":            op(a.listApplicationAccessScopes),
		"PutApplicationAuthenticationMethod":     op(a.putApplicationAuthenticationMethod),
		"GetApplicationAuthenticationMethod":     op(a.getApplicationAuthenticationMethod),
		"DeleteApplicationAuthenticationMethod":  op(a.deleteApplicationAuthenticationMethod),
		"ListApplicationAuthenticationMethods":   op(a.listApplicationAuthenticationMethods),
		"PutApplicationAssignmentConfiguration":  op(a.putAssignmentConfiguration),
		"GetApplicationAssignmentConfiguration":  op(a.getAssignmentConfiguration),
		"PutApplicationSessionConfiguration":     op(a.putSessionConfiguration),
		"GetApplicationSessionConfiguration":     op(a.getSessionConfiguration),

		"CreateTrustedTokenIssuer":   op(a.createTrustedTokenIssuer),
		"DescribeTrustedTokenIssuer": op(a.describeTrustedTokenIssuer),
		"UpdateTrustedTokenIssuer":   op(a.updateTrustedTokenIssuer),
		"DeleteTrustedTokenIssuer":   op(a.deleteTrustedTokenIssuer),
		"ListTrustedTokenIssuers":    op(a.listTrustedTokenIssuers),
	}
}

// Refused lists the model's operations ssooidc does not serve, each with
// the model error it answers and why.
func refused() map[string]error {
	one := func(op string) error {
		return awsjson.Errorf(awsjson.Validation, "ssooidc serves one instance per server, made from its configuration (iam.instance_arn): %s is not served.", op)
	}
	region := func(op string) error {
		return awsjson.Errorf(awsjson.Validation, "ssooidc's instance lives in the one region the server is configured for: %s (multi-region replication) is not served.", op)
	}
	abac := func(op string) error {
		return awsjson.Errorf(awsjson.Validation, "ssooidc does not pass user attributes to role sessions as session tags (attributes for access control): %s is not served.", op)
	}
	return map[string]error{
		"CreateInstance": one("CreateInstance"),
		"DeleteInstance": one("DeleteInstance"),
		"UpdateInstance": awsjson.Errorf(awsjson.Validation,
			"ssooidc's instance is the server's configuration (its name and encryption are not kept per instance): UpdateInstance is not served."),
		"AddRegion":      region("AddRegion"),
		"RemoveRegion":   region("RemoveRegion"),
		"DescribeRegion": region("DescribeRegion"),
		"ListRegions":    region("ListRegions"),
		"CreateInstanceAccessControlAttributeConfiguration":   abac("CreateInstanceAccessControlAttributeConfiguration"),
		"DescribeInstanceAccessControlAttributeConfiguration": abac("DescribeInstanceAccessControlAttributeConfiguration"),
		"UpdateInstanceAccessControlAttributeConfiguration":   abac("UpdateInstanceAccessControlAttributeConfiguration"),
		"DeleteInstanceAccessControlAttributeConfiguration":   abac("DeleteInstanceAccessControlAttributeConfiguration"),
	}
}

// ServedOperations names the model's operations the API serves.
func ServedOperations() []string { return keys((&API{}).ops()) }

// RefusedOperations names the model's operations the API answers with an
// error that says why it does not serve them.
func RefusedOperations() []string { return keys(refused()) }

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// checkInstance refuses an instance ARN that is not the server's.
func (a *API) checkInstance(arn *string) error {
	if err := check(field{name: "InstanceArn", v: arn, required: true, min: 10, max: 1224, re: reInstanceARN}); err != nil {
		return err
	}
	if *arn != a.cfg.Instance.ARN {
		return awsjson.Errorf(awsjson.Validation, "The instance %s is not this server's instance (%s).", clip(*arn), a.cfg.Instance.ARN)
	}
	return nil
}
