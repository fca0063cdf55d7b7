package ssoadmin

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/ssooidc/ssooidc/internal/access"
	"github.com/ssooidc/ssooidc/internal/awsjson"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// MaxManagedPolicies bounds the AWS managed policies, and separately the
// customer managed policy references, of a permission set: Identity
// Center's adjustable quota at its highest.
const MaxManagedPolicies = 20

// --- the instance

type instanceMetadata struct {
	InstanceArn     string       `json:"InstanceArn"`
	IdentityStoreId string       `json:"IdentityStoreId"`
	OwnerAccountId  string       `json:"OwnerAccountId"`
	Name            string       `json:"Name"`
	CreatedDate     awsjson.Time `json:"CreatedDate"`
	Status          string       `json:"Status"`
}

func (a *API) instance() instanceMetadata {
	i := a.cfg.Instance
	return instanceMetadata{InstanceArn: i.ARN, IdentityStoreId: i.IdentityStoreID, OwnerAccountId: i.OwnerAccount,
		Name: i.Name, CreatedDate: awsjson.Time(i.CreatedAt), Status: "ACTIVE"}
}

type listInstancesIn struct {
	MaxResults *int    `json:"MaxResults"`
	NextToken  *string `json:"NextToken"`
}

func (a *API) listInstances(_ context.Context, in *listInstancesIn) (any, error) {
	p, err := readPage(in.NextToken, in.MaxResults, 100)
	if err != nil {
		return nil, err
	}
	out := struct {
		Instances []instanceMetadata `json:"Instances"`
	}{Instances: []instanceMetadata{}}
	if p.after == "" {
		out.Instances = append(out.Instances, a.instance())
	}
	return out, nil
}

type instanceIn struct {
	InstanceArn *string `json:"InstanceArn"`
}

func (a *API) describeInstance(_ context.Context, in *instanceIn) (any, error) {
	if err := a.checkInstance(in.InstanceArn); err != nil {
		return nil, err
	}
	return a.instance(), nil
}

// --- permission sets

// permissionSetARN is the ARN of p in the instance.
func (a *API) permissionSetARN(p sso.PermissionSet) string {
	return "arn:aws:sso:::permissionSet/" + a.cfg.Instance.ID + "/" + p.ID
}

type permissionSetOut struct {
	Name             string       `json:"Name"`
	PermissionSetArn string       `json:"PermissionSetArn"`
	Description      *string      `json:"Description,omitempty"`
	CreatedDate      awsjson.Time `json:"CreatedDate"`
	SessionDuration  string       `json:"SessionDuration"`
	RelayState       *string      `json:"RelayState,omitempty"`
}

func (a *API) permissionSetOut(p sso.PermissionSet) permissionSetOut {
	return permissionSetOut{Name: p.Name, PermissionSetArn: a.permissionSetARN(p), Description: optional(p.Description),
		CreatedDate: awsjson.Time(p.CreatedAt), SessionDuration: access.ISODuration(p), RelayState: optional(p.RelayState)}
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

type tag struct {
	Key   *string `json:"Key"`
	Value *string `json:"Value"`
}

// readTags validates tags (at most 75, keys unique) and returns them.
func readTags(tags []tag, member string) ([]sso.Tag, error) {
	if err := checkList(member, len(tags), 0, 75); err != nil {
		return nil, err
	}
	var out []sso.Tag
	seen := map[string]bool{}
	for _, t := range tags {
		if err := check(field{name: "Tags.member.Key", v: t.Key, required: true, min: 1, max: 128, re: reTagKey},
			field{name: "Tags.member.Value", v: t.Value, required: true, max: 256, re: reTagKey}); err != nil {
			return nil, err
		}
		if seen[*t.Key] {
			return nil, awsjson.Errorf(awsjson.Validation, "The tag key %q is given twice.", clip(*t.Key))
		}
		seen[*t.Key] = true
		out = append(out, sso.Tag{Key: *t.Key, Value: *t.Value})
	}
	return out, nil
}

func tagsOut(tags []sso.Tag) []sso.Tag {
	out := slices.Clone(tags)
	if out == nil {
		out = []sso.Tag{}
	}
	slices.SortFunc(out, func(x, y sso.Tag) int { return strings.Compare(x.Key, y.Key) })
	return out
}

// mergeTags sets tags on have, replacing the values of keys it has.
func mergeTags(have, tags []sso.Tag) ([]sso.Tag, error) {
	out := slices.Clone(have)
	for _, t := range tags {
		i := slices.IndexFunc(out, func(x sso.Tag) bool { return x.Key == t.Key })
		if i >= 0 {
			out[i] = t
		} else {
			out = append(out, t)
		}
	}
	if len(out) > 50 {
		return nil, sso.Errorf(sso.CodeQuotaExceeded, "A resource has at most 50 tags.")
	}
	return out, nil
}

type createPermissionSetIn struct {
	Name            *string `json:"Name"`
	Description     *string `json:"Description"`
	InstanceArn     *string `json:"InstanceArn"`
	SessionDuration *string `json:"SessionDuration"`
	RelayState      *string `json:"RelayState"`
	Tags            []tag   `json:"Tags"`
}

// checkPermissionSetFields validates what CreatePermissionSet and
// UpdatePermissionSet may set, and returns the session duration.
func checkPermissionSetFields(desc, duration, relay *string) (time.Duration, error) {
	if err := check(field{name: "Description", v: desc, min: 1, max: 700, re: reDescription},
		field{name: "SessionDuration", v: duration, min: 1, max: 100},
		field{name: "RelayState", v: relay, min: 1, max: 240, re: reRelayState}); err != nil {
		return 0, err
	}
	if duration == nil {
		return 0, nil
	}
	d, err := access.ParseISODuration(*duration)
	if err != nil {
		return 0, err
	}
	if d < access.MinSessionDuration || d > access.MaxSessionDuration {
		return 0, awsjson.Errorf(awsjson.Validation, "SessionDuration %s is outside PT15M to PT12H.", clip(*duration))
	}
	return d, nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func (a *API) createPermissionSet(ctx context.Context, in *createPermissionSetIn) (any, error) {
	if err := a.checkInstance(in.InstanceArn); err != nil {
		return nil, err
	}
	if err := check(field{name: "Name", v: in.Name, required: true, min: 1, max: 32, re: rePermissionSet}); err != nil {
		return nil, err
	}
	d, err := checkPermissionSetFields(in.Description, in.SessionDuration, in.RelayState)
	if err != nil {
		return nil, err
	}
	tags, err := readTags(in.Tags, "Tags")
	if err != nil {
		return nil, err
	}
	p := sso.PermissionSet{Name: *in.Name, Description: deref(in.Description), SessionDuration: d,
		SessionDurationISO: deref(in.SessionDuration), RelayState: deref(in.RelayState), Tags: tags}
	p, err = a.cfg.Directory.CreatePermissionSet(ctx, p)
	if err != nil {
		return nil, err
	}
	return struct {
		PermissionSet permissionSetOut `json:"PermissionSet"`
	}{a.permissionSetOut(p)}, nil
}

type permissionSetIn struct {
	InstanceArn      *string `json:"InstanceArn"`
	PermissionSetArn *string `json:"PermissionSetArn"`
}

// permissionSet validates the instance and permission set ARNs and returns
// the permission set.
func (a *API) permissionSet(ctx context.Context, instanceARN, psARN *string) (sso.PermissionSet, error) {
	if err := a.checkInstance(instanceARN); err != nil {
		return sso.PermissionSet{}, err
	}
	if err := check(field{name: "PermissionSetArn", v: psARN, required: true, min: 10, max: 1224, re: rePermissionSetARN}); err != nil {
		return sso.PermissionSet{}, err
	}
	m := rePermissionSetARN.FindStringSubmatch(*psARN)
	if m[2] != a.cfg.Instance.ID {
		return sso.PermissionSet{}, awsjson.Errorf(awsjson.Validation, "The permission set %s is not of this server's instance.", clip(*psARN))
	}
	return a.cfg.Directory.PermissionSetByID(ctx, m[4])
}

func (a *API) describePermissionSet(ctx context.Context, in *permissionSetIn) (any, error) {
	p, err := a.permissionSet(ctx, in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	return struct {
		PermissionSet permissionSetOut `json:"PermissionSet"`
	}{a.permissionSetOut(p)}, nil
}

type updatePermissionSetIn struct {
	InstanceArn      *string `json:"InstanceArn"`
	PermissionSetArn *string `json:"PermissionSetArn"`
	Description      *string `json:"Description"`
	SessionDuration  *string `json:"SessionDuration"`
	RelayState       *string `json:"RelayState"`
}

func (a *API) updatePermissionSet(ctx context.Context, in *updatePermissionSetIn) (any, error) {
	p, err := a.permissionSet(ctx, in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	d, err := checkPermissionSetFields(in.Description, in.SessionDuration, in.RelayState)
	if err != nil {
		return nil, err
	}
	return a.changePermissionSet(ctx, p, "updated", true, func(x *sso.PermissionSet) error {
		if in.Description != nil {
			x.Description = *in.Description
		}
		if in.SessionDuration != nil {
			x.SessionDuration, x.SessionDurationISO = d, *in.SessionDuration
		}
		if in.RelayState != nil {
			x.RelayState = *in.RelayState
		}
		return nil
	})
}

// changePermissionSet runs change on p; a change of what the role in an
// account is made from needs provisioning again (provision).
func (a *API) changePermissionSet(ctx context.Context, p sso.PermissionSet, what string, provision bool, change func(*sso.PermissionSet) error) (any, error) {
	_, err := a.cfg.Directory.UpdatePermissionSet(ctx, p.Name, func(x *sso.PermissionSet) error {
		if x.ID != p.ID {
			return sso.Errorf(sso.CodeResourceNotFound, "The permission set was deleted.")
		}
		if err := change(x); err != nil {
			return err
		}
		if provision {
			x.Version++
		}
		return nil
	}, what)
	if err != nil {
		return nil, err
	}
	return empty{}, nil
}

func (a *API) deletePermissionSet(ctx context.Context, in *permissionSetIn) (any, error) {
	p, err := a.permissionSet(ctx, in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	if err := a.cfg.Directory.DeletePermissionSet(ctx, p, false); err != nil {
		return nil, err
	}
	return empty{}, nil
}

type listIn struct {
	InstanceArn *string `json:"InstanceArn"`
	NextToken   *string `json:"NextToken"`
	MaxResults  *int    `json:"MaxResults"`
}

func (a *API) listPermissionSets(ctx context.Context, in *listIn) (any, error) {
	if err := a.checkInstance(in.InstanceArn); err != nil {
		return nil, err
	}
	p, err := readPage(in.NextToken, in.MaxResults, 100)
	if err != nil {
		return nil, err
	}
	all, err := a.cfg.Directory.PermissionSets(ctx)
	if err != nil {
		return nil, err
	}
	ps, next := window(all, func(p sso.PermissionSet) string { return p.Name }, p)
	out := struct {
		PermissionSets []string `json:"PermissionSets"`
		NextToken      *string  `json:"NextToken,omitempty"`
	}{PermissionSets: []string{}, NextToken: next}
	for _, x := range ps {
		out.PermissionSets = append(out.PermissionSets, a.permissionSetARN(x))
	}
	return out, nil
}

// --- policies

type managedPolicyIn struct {
	InstanceArn      *string `json:"InstanceArn"`
	PermissionSetArn *string `json:"PermissionSetArn"`
	ManagedPolicyArn *string `json:"ManagedPolicyArn"`
}

func (a *API) attachManagedPolicy(ctx context.Context, in *managedPolicyIn) (any, error) {
	p, err := a.permissionSet(ctx, in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	if err := check(field{name: "ManagedPolicyArn", v: in.ManagedPolicyArn, required: true, min: 20, max: 2048, re: reManagedPolicyARN}); err != nil {
		return nil, err
	}
	arn := *in.ManagedPolicyArn
	return a.changePermissionSet(ctx, p, "managed_policy_attached", true, func(x *sso.PermissionSet) error {
		if slices.ContainsFunc(x.Policies.Managed, func(m sso.ManagedPolicy) bool { return m.ARN == arn }) {
			return sso.Errorf(sso.CodeConflict, "The managed policy %s is attached to the permission set already.", arn)
		}
		if len(x.Policies.Managed) >= MaxManagedPolicies {
			return sso.Errorf(sso.CodeQuotaExceeded, "A permission set has at most %d managed policies.", MaxManagedPolicies)
		}
		x.Policies.Managed = append(x.Policies.Managed, sso.ManagedPolicy{ARN: arn, Name: arn[strings.LastIndexByte(arn, '/')+1:]})
		return nil
	})
}

func (a *API) detachManagedPolicy(ctx context.Context, in *managedPolicyIn) (any, error) {
	p, err := a.permissionSet(ctx, in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	if err := check(field{name: "ManagedPolicyArn", v: in.ManagedPolicyArn, required: true, min: 20, max: 2048, re: reManagedPolicyARN}); err != nil {
		return nil, err
	}
	return a.changePermissionSet(ctx, p, "managed_policy_detached", true, func(x *sso.PermissionSet) error {
		n := len(x.Policies.Managed)
		x.Policies.Managed = slices.DeleteFunc(x.Policies.Managed, func(m sso.ManagedPolicy) bool { return m.ARN == *in.ManagedPolicyArn })
		if len(x.Policies.Managed) == n {
			return sso.Errorf(sso.CodeResourceNotFound, "The managed policy %s is not attached to the permission set.", clip(*in.ManagedPolicyArn))
		}
		return nil
	})
}

type listPermissionSetIn struct {
	InstanceArn      *string `json:"InstanceArn"`
	PermissionSetArn *string `json:"PermissionSetArn"`
	MaxResults       *int    `json:"MaxResults"`
	NextToken        *string `json:"NextToken"`
}

func (a *API) listManagedPolicies(ctx context.Context, in *listPermissionSetIn) (any, error) {
	p, err := a.permissionSet(ctx, in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	pg, err := readPage(in.NextToken, in.MaxResults, 100)
	if err != nil {
		return nil, err
	}
	// Attachment order, as they were attached: the key is the position.
	items, next := window(numbered(p.Policies.Managed), func(x numberedItem[sso.ManagedPolicy]) string { return x.key }, pg)
	out := struct {
		AttachedManagedPolicies []sso.ManagedPolicy `json:"AttachedManagedPolicies"`
		NextToken               *string             `json:"NextToken,omitempty"`
	}{AttachedManagedPolicies: []sso.ManagedPolicy{}, NextToken: next}
	for _, x := range items {
		out.AttachedManagedPolicies = append(out.AttachedManagedPolicies, x.v)
	}
	return out, nil
}

// numberedItem is an item of a list kept in order, with a key that sorts
// as its position.
type numberedItem[T any] struct {
	key string
	v   T
}

func numbered[T any](items []T) []numberedItem[T] {
	out := make([]numberedItem[T], len(items))
	for i, v := range items {
		out[i] = numberedItem[T]{key: string(rune('0'+i/100)) + string(rune('0'+i%100/10)) + string(rune('0'+i%10)), v: v}
	}
	return out
}

type customerPolicyRef struct {
	Name *string `json:"Name"`
	Path *string `json:"Path,omitempty"`
}

type customerPolicyIn struct {
	InstanceArn                    *string            `json:"InstanceArn"`
	PermissionSetArn               *string            `json:"PermissionSetArn"`
	CustomerManagedPolicyReference *customerPolicyRef `json:"CustomerManagedPolicyReference"`
}

// readCustomerPolicy validates a customer managed policy reference; its
// path is "/" when not given, as in IAM.
func readCustomerPolicy(member string, ref *customerPolicyRef) (sso.CustomerManagedPolicy, error) {
	if ref == nil {
		return sso.CustomerManagedPolicy{}, invalid(member, "null", "Member must not be null")
	}
	if err := check(field{name: member + ".Name", v: ref.Name, required: true, min: 1, max: 128, re: rePolicyName},
		field{name: member + ".Path", v: ref.Path, min: 1, max: 512, re: rePolicyPath}); err != nil {
		return sso.CustomerManagedPolicy{}, err
	}
	out := sso.CustomerManagedPolicy{Name: *ref.Name, Path: "/"}
	if ref.Path != nil {
		out.Path = *ref.Path
	}
	return out, nil
}

func (a *API) attachCustomerPolicy(ctx context.Context, in *customerPolicyIn) (any, error) {
	p, err := a.permissionSet(ctx, in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	ref, err := readCustomerPolicy("CustomerManagedPolicyReference", in.CustomerManagedPolicyReference)
	if err != nil {
		return nil, err
	}
	return a.changePermissionSet(ctx, p, "customer_managed_policy_attached", true, func(x *sso.PermissionSet) error {
		if slices.Contains(x.Policies.CustomerManaged, ref) {
			return sso.Errorf(sso.CodeConflict, "The customer managed policy %s%s is attached to the permission set already.", ref.Path, ref.Name)
		}
		if len(x.Policies.CustomerManaged) >= MaxManagedPolicies {
			return sso.Errorf(sso.CodeQuotaExceeded, "A permission set has at most %d customer managed policy references.", MaxManagedPolicies)
		}
		x.Policies.CustomerManaged = append(x.Policies.CustomerManaged, ref)
		return nil
	})
}

func (a *API) detachCustomerPolicy(ctx context.Context, in *customerPolicyIn) (any, error) {
	p, err := a.permissionSet(ctx, in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	ref, err := readCustomerPolicy("CustomerManagedPolicyReference", in.CustomerManagedPolicyReference)
	if err != nil {
		return nil, err
	}
	return a.changePermissionSet(ctx, p, "customer_managed_policy_detached", true, func(x *sso.PermissionSet) error {
		n := len(x.Policies.CustomerManaged)
		x.Policies.CustomerManaged = slices.DeleteFunc(x.Policies.CustomerManaged, func(c sso.CustomerManagedPolicy) bool { return c == ref })
		if len(x.Policies.CustomerManaged) == n {
			return sso.Errorf(sso.CodeResourceNotFound, "The customer managed policy %s%s is not attached to the permission set.", ref.Path, ref.Name)
		}
		return nil
	})
}

func (a *API) listCustomerPolicies(ctx context.Context, in *listPermissionSetIn) (any, error) {
	p, err := a.permissionSet(ctx, in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	pg, err := readPage(in.NextToken, in.MaxResults, 100)
	if err != nil {
		return nil, err
	}
	items, next := window(numbered(p.Policies.CustomerManaged), func(x numberedItem[sso.CustomerManagedPolicy]) string { return x.key }, pg)
	out := struct {
		CustomerManagedPolicyReferences []sso.CustomerManagedPolicy `json:"CustomerManagedPolicyReferences"`
		NextToken                       *string                     `json:"NextToken,omitempty"`
	}{CustomerManagedPolicyReferences: []sso.CustomerManagedPolicy{}, NextToken: next}
	for _, x := range items {
		out.CustomerManagedPolicyReferences = append(out.CustomerManagedPolicyReferences, x.v)
	}
	return out, nil
}

type inlinePolicyIn struct {
	InstanceArn      *string `json:"InstanceArn"`
	PermissionSetArn *string `json:"PermissionSetArn"`
	InlinePolicy     *string `json:"InlinePolicy"`
}

func (a *API) putInlinePolicy(ctx context.Context, in *inlinePolicyIn) (any, error) {
	p, err := a.permissionSet(ctx, in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	if err := check(field{name: "InlinePolicy", v: in.InlinePolicy, required: true, min: 1, max: 32768, re: rePolicyDocument}); err != nil {
		return nil, err
	}
	// Stored and returned exactly, byte for byte; never evaluated.
	return a.changePermissionSet(ctx, p, "inline_policy_put", true, func(x *sso.PermissionSet) error {
		x.Policies.Inline = *in.InlinePolicy
		return nil
	})
}

func (a *API) getInlinePolicy(ctx context.Context, in *permissionSetIn) (any, error) {
	p, err := a.permissionSet(ctx, in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	return struct {
		InlinePolicy *string `json:"InlinePolicy,omitempty"`
	}{optional(p.Policies.Inline)}, nil
}

func (a *API) deleteInlinePolicy(ctx context.Context, in *permissionSetIn) (any, error) {
	p, err := a.permissionSet(ctx, in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	if p.Policies.Inline == "" {
		return empty{}, nil // as AWS: deleting what is not there succeeds
	}
	return a.changePermissionSet(ctx, p, "inline_policy_deleted", true, func(x *sso.PermissionSet) error {
		x.Policies.Inline = ""
		return nil
	})
}

type boundaryWire struct {
	CustomerManagedPolicyReference *customerPolicyRef `json:"CustomerManagedPolicyReference,omitzero"`
	ManagedPolicyArn               *string            `json:"ManagedPolicyArn,omitempty"`
}

type boundaryIn struct {
	InstanceArn         *string       `json:"InstanceArn"`
	PermissionSetArn    *string       `json:"PermissionSetArn"`
	PermissionsBoundary *boundaryWire `json:"PermissionsBoundary"`
}

func (a *API) putBoundary(ctx context.Context, in *boundaryIn) (any, error) {
	p, err := a.permissionSet(ctx, in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	b := in.PermissionsBoundary
	if b == nil {
		return nil, invalid("PermissionsBoundary", "null", "Member must not be null")
	}
	var out sso.PermissionsBoundary
	switch {
	case (b.CustomerManagedPolicyReference == nil) == (b.ManagedPolicyArn == nil):
		return nil, awsjson.Errorf(awsjson.Validation, "A permissions boundary is either a CustomerManagedPolicyReference or a ManagedPolicyArn.")
	case b.ManagedPolicyArn != nil:
		if err := check(field{name: "PermissionsBoundary.ManagedPolicyArn", v: b.ManagedPolicyArn, min: 20, max: 2048, re: reManagedPolicyARN}); err != nil {
			return nil, err
		}
		out.ManagedPolicyARN = *b.ManagedPolicyArn
	default:
		ref, err := readCustomerPolicy("PermissionsBoundary.CustomerManagedPolicyReference", b.CustomerManagedPolicyReference)
		if err != nil {
			return nil, err
		}
		out.CustomerManaged = &ref
	}
	return a.changePermissionSet(ctx, p, "permissions_boundary_put", true, func(x *sso.PermissionSet) error {
		x.Policies.Boundary = &out
		return nil
	})
}

func (a *API) getBoundary(ctx context.Context, in *permissionSetIn) (any, error) {
	p, err := a.permissionSet(ctx, in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	b := p.Policies.Boundary
	if b == nil {
		return nil, sso.Errorf(sso.CodeResourceNotFound, "The permission set has no permissions boundary.")
	}
	var w boundaryWire
	if b.CustomerManaged != nil {
		w.CustomerManagedPolicyReference = &customerPolicyRef{Name: &b.CustomerManaged.Name, Path: optional(b.CustomerManaged.Path)}
	} else {
		w.ManagedPolicyArn = &b.ManagedPolicyARN
	}
	return struct {
		PermissionsBoundary boundaryWire `json:"PermissionsBoundary"`
	}{w}, nil
}

func (a *API) deleteBoundary(ctx context.Context, in *permissionSetIn) (any, error) {
	p, err := a.permissionSet(ctx, in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	if p.Policies.Boundary == nil {
		return empty{}, nil
	}
	return a.changePermissionSet(ctx, p, "permissions_boundary_deleted", true, func(x *sso.PermissionSet) error {
		x.Policies.Boundary = nil
		return nil
	})
}
