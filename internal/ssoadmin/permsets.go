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
	return a.managedPolicy(ctx, in, true)
}

func (a *API) detachManagedPolicy(ctx context.Context, in *managedPolicyIn) (any, error) {
	return a.managedPolicy(ctx, in, false)
}

func (a *API) managedPolicy(ctx context.Context, in *managedPolicyIn, add bool) (any, error) {
	p, err := a.permissionSet(ctx, in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	if err := check(field{name: "ManagedPolicyArn", v: in.ManagedPolicyArn, required: true, min: 20, max: 2048, re: reManagedPolicyARN}); err != nil {
		return nil, err
	}
	arn := *in.ManagedPolicyArn
	m := sso.ManagedPolicy{ARN: arn, Name: arn[strings.LastIndexByte(arn, '/')+1:]}
	return a.changePermissionSet(ctx, p, attachWord(add, "managed_policy"), true, func(x *sso.PermissionSet) error {
		return attachOrDetach(&x.Policies.Managed, m, add, "the managed policy "+arn)
	})
}

func attachWord(add bool, what string) string {
	if add {
		return what + "_attached"
	}
	return what + "_detached"
}

// attachOrDetach adds item to a permission set's list (ConflictException
// if it is there, ServiceQuotaExceededException past MaxManagedPolicies)
// or removes it (ResourceNotFoundException if it is not).
func attachOrDetach[T comparable](list *[]T, item T, add bool, what string) error {
	has := slices.Contains(*list, item)
	switch {
	case add && has:
		return sso.Errorf(sso.CodeConflict, "%s is attached to the permission set already.", clip(what))
	case add && len(*list) >= MaxManagedPolicies:
		return sso.Errorf(sso.CodeQuotaExceeded, "A permission set has at most %d policies of a kind.", MaxManagedPolicies)
	case add:
		*list = append(*list, item)
	case !has:
		return sso.Errorf(sso.CodeResourceNotFound, "%s is not attached to the permission set.", clip(what))
	default:
		*list = slices.DeleteFunc(*list, func(x T) bool { return x == item })
	}
	return nil
}

type listPermissionSetIn struct {
	InstanceArn      *string `json:"InstanceArn"`
	PermissionSetArn *string `json:"PermissionSetArn"`
	MaxResults       *int    `json:"MaxResults"`
	NextToken        *string `json:"NextToken"`
}

func (a *API) listManagedPolicies(ctx context.Context, in *listPermissionSetIn) (any, error) {
	return a.listPolicies(ctx, in, "AttachedManagedPolicies", func(p sso.PermissionSet, pg page) (any, *string) {
		return inOrder(p.Policies.Managed, pg)
	})
}

// listPolicies answers a page of one of a permission set's lists of
// policies, in the order they were attached, under member.
func (a *API) listPolicies(ctx context.Context, in *listPermissionSetIn, member string, cut func(sso.PermissionSet, page) (any, *string)) (any, error) {
	p, err := a.permissionSet(ctx, in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	pg, err := readPage(in.NextToken, in.MaxResults, 100)
	if err != nil {
		return nil, err
	}
	items, next := cut(p, pg)
	return listOut(member, items, next), nil
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

// inOrder cuts a list kept in its own order (the order things were
// attached or put) to the page p; the page key is the position.
func inOrder[T any](items []T, p page) ([]T, *string) {
	ns, next := window(numbered(items), func(x numberedItem[T]) string { return x.key }, p)
	out := make([]T, 0, len(ns))
	for _, n := range ns {
		out = append(out, n.v)
	}
	return out, next
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
	return a.customerPolicy(ctx, in, true)
}

func (a *API) detachCustomerPolicy(ctx context.Context, in *customerPolicyIn) (any, error) {
	return a.customerPolicy(ctx, in, false)
}

func (a *API) customerPolicy(ctx context.Context, in *customerPolicyIn, add bool) (any, error) {
	p, err := a.permissionSet(ctx, in.InstanceArn, in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	ref, err := readCustomerPolicy("CustomerManagedPolicyReference", in.CustomerManagedPolicyReference)
	if err != nil {
		return nil, err
	}
	return a.changePermissionSet(ctx, p, attachWord(add, "customer_managed_policy"), true, func(x *sso.PermissionSet) error {
		return attachOrDetach(&x.Policies.CustomerManaged, ref, add, "the customer managed policy "+ref.Path+ref.Name)
	})
}

func (a *API) listCustomerPolicies(ctx context.Context, in *listPermissionSetIn) (any, error) {
	return a.listPolicies(ctx, in, "CustomerManagedPolicyReferences", func(p sso.PermissionSet, pg page) (any, *string) {
		return inOrder(p.Policies.CustomerManaged, pg)
	})
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
