package ssoadmin

import (
	"context"
	"strings"

	"github.com/ssooidc/ssooidc/internal/awsjson"
	"github.com/ssooidc/ssooidc/internal/iamtoken"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// Applications, their providers and their assignments.

type signInOptions struct {
	Origin         *string `json:"Origin"`
	ApplicationUrl *string `json:"ApplicationUrl,omitempty"`
}

type portalOptions struct {
	SignInOptions *signInOptions `json:"SignInOptions,omitzero"`
	Visibility    *string        `json:"Visibility,omitempty"`
}

var enabledDisabled = []string{sso.Enabled, sso.Disabled}

// readPortal validates portal options into p.
func readPortal(o *portalOptions, p *sso.Portal) error {
	if o == nil {
		return nil
	}
	if err := check(field{name: "PortalOptions.Visibility", v: o.Visibility, enum: enabledDisabled}); err != nil {
		return err
	}
	if o.Visibility != nil {
		p.Visibility = *o.Visibility
	}
	if s := o.SignInOptions; s != nil {
		if err := check(field{name: "PortalOptions.SignInOptions.Origin", v: s.Origin, required: true, enum: []string{"IDENTITY_CENTER", "APPLICATION"}},
			field{name: "PortalOptions.SignInOptions.ApplicationUrl", v: s.ApplicationUrl, min: 1, max: 512, re: reApplicationURL}); err != nil {
			return err
		}
		p.SignInOrigin, p.ApplicationURL = *s.Origin, deref(s.ApplicationUrl)
	}
	return nil
}

func portalOut(p sso.Portal) *portalOptions {
	if p == (sso.Portal{}) {
		return nil
	}
	o := &portalOptions{Visibility: optional(p.Visibility)}
	if p.SignInOrigin != "" {
		o.SignInOptions = &signInOptions{Origin: optional(p.SignInOrigin), ApplicationUrl: optional(p.ApplicationURL)}
	}
	return o
}

type applicationOut struct {
	ApplicationArn         string         `json:"ApplicationArn"`
	ApplicationProviderArn string         `json:"ApplicationProviderArn"`
	Name                   string         `json:"Name"`
	ApplicationAccount     string         `json:"ApplicationAccount"`
	InstanceArn            string         `json:"InstanceArn"`
	IdentityStoreArn       string         `json:"IdentityStoreArn"`
	Status                 string         `json:"Status"`
	PortalOptions          *portalOptions `json:"PortalOptions,omitzero"`
	Description            *string        `json:"Description,omitempty"`
	CreatedDate            awsjson.Time   `json:"CreatedDate"`
	CreatedFrom            string         `json:"CreatedFrom"`
}

func (a *API) identityStoreARN() string {
	return "arn:aws:identitystore::" + a.cfg.Instance.OwnerAccount + ":identitystore/" + a.cfg.Instance.IdentityStoreID
}

func (a *API) applicationOut(x sso.Application) applicationOut {
	account := a.cfg.Instance.OwnerAccount
	if parts := strings.SplitN(x.ARN, ":", 6); len(parts) == 6 {
		account = parts[4]
	}
	return applicationOut{ApplicationArn: x.ARN, ApplicationProviderArn: x.ProviderARN, Name: x.Name, ApplicationAccount: account,
		InstanceArn: a.cfg.Instance.ARN, IdentityStoreArn: a.identityStoreARN(), Status: x.Status, PortalOptions: portalOut(x.Portal),
		Description: optional(x.Description), CreatedDate: awsjson.Time(x.CreatedAt), CreatedFrom: a.cfg.Region}
}

type createApplicationIn struct {
	InstanceArn            *string        `json:"InstanceArn"`
	ApplicationProviderArn *string        `json:"ApplicationProviderArn"`
	Name                   *string        `json:"Name"`
	Description            *string        `json:"Description"`
	PortalOptions          *portalOptions `json:"PortalOptions"`
	Tags                   []tag          `json:"Tags"`
	Status                 *string        `json:"Status"`
	ClientToken            *string        `json:"ClientToken"`
}

func (a *API) createApplication(ctx context.Context, in *createApplicationIn) (any, error) {
	if err := a.checkInstance(in.InstanceArn); err != nil {
		return nil, err
	}
	if err := check(field{name: "ApplicationProviderArn", v: in.ApplicationProviderArn, required: true, min: 10, max: 1224, re: reProviderARN},
		field{name: "Name", v: in.Name, required: true, min: 1, max: 100},
		field{name: "Description", v: in.Description, min: 1, max: 128},
		field{name: "Status", v: in.Status, enum: enabledDisabled},
		field{name: "ClientToken", v: in.ClientToken, min: 1, max: 64, re: reClientToken}); err != nil {
		return nil, err
	}
	tags, err := readTags(in.Tags, "Tags")
	if err != nil {
		return nil, err
	}
	x := sso.Application{Name: *in.Name, Description: deref(in.Description), ProviderARN: *in.ApplicationProviderArn,
		Status: deref(in.Status), Tags: tags, ClientToken: deref(in.ClientToken)}
	if err := readPortal(in.PortalOptions, &x.Portal); err != nil {
		return nil, err
	}
	x, err = a.cfg.Registry.CreateApplication(ctx, x)
	if err != nil {
		return nil, err
	}
	return struct {
		ApplicationArn string `json:"ApplicationArn"`
	}{x.ARN}, nil
}

type applicationIn struct {
	ApplicationArn *string `json:"ApplicationArn"`
}

// application validates an application ARN and returns the application.
func (a *API) application(ctx context.Context, arn *string) (sso.Application, error) {
	if err := check(field{name: "ApplicationArn", v: arn, required: true, min: 10, max: 1224, re: reApplicationARN}); err != nil {
		return sso.Application{}, err
	}
	return a.cfg.Registry.Application(ctx, *arn)
}

func (a *API) describeApplication(ctx context.Context, in *applicationIn) (any, error) {
	x, err := a.application(ctx, in.ApplicationArn)
	if err != nil {
		return nil, err
	}
	return a.applicationOut(x), nil
}

type updateApplicationIn struct {
	ApplicationArn *string        `json:"ApplicationArn"`
	Name           *string        `json:"Name"`
	Description    *string        `json:"Description"`
	Status         *string        `json:"Status"`
	PortalOptions  *portalOptions `json:"PortalOptions"`
}

func (a *API) updateApplication(ctx context.Context, in *updateApplicationIn) (any, error) {
	if _, err := a.application(ctx, in.ApplicationArn); err != nil {
		return nil, err
	}
	if err := check(field{name: "Name", v: in.Name, min: 1, max: 100},
		field{name: "Description", v: in.Description, min: 1, max: 128},
		field{name: "Status", v: in.Status, enum: enabledDisabled}); err != nil {
		return nil, err
	}
	if in.PortalOptions != nil && in.PortalOptions.Visibility != nil {
		return nil, awsjson.Errorf(awsjson.Validation, "UpdateApplication's PortalOptions take SignInOptions only.")
	}
	var portal sso.Portal
	if err := readPortal(in.PortalOptions, &portal); err != nil {
		return nil, err
	}
	return a.changeApplication(ctx, *in.ApplicationArn, "updated", func(x *sso.Application) error {
		if in.Name != nil {
			x.Name = *in.Name
		}
		if in.Description != nil {
			x.Description = *in.Description
		}
		if in.Status != nil {
			x.Status = *in.Status
		}
		if in.PortalOptions != nil && in.PortalOptions.SignInOptions != nil {
			x.Portal.SignInOrigin, x.Portal.ApplicationURL = portal.SignInOrigin, portal.ApplicationURL
		}
		return nil
	})
}

func (a *API) changeApplication(ctx context.Context, arn, what string, change func(*sso.Application) error) (any, error) {
	if _, err := a.cfg.Registry.UpdateApplication(ctx, arn, what, change); err != nil {
		return nil, err
	}
	return empty{}, nil
}

func (a *API) deleteApplication(ctx context.Context, in *applicationIn) (any, error) {
	if _, err := a.application(ctx, in.ApplicationArn); err != nil {
		return nil, err
	}
	if err := a.cfg.Registry.DeleteApplication(ctx, *in.ApplicationArn); err != nil {
		return nil, err
	}
	return empty{}, nil
}

type listApplicationsIn struct {
	InstanceArn *string `json:"InstanceArn"`
	MaxResults  *int    `json:"MaxResults"`
	NextToken   *string `json:"NextToken"`
	Filter      *struct {
		ApplicationAccount  *string `json:"ApplicationAccount"`
		ApplicationProvider *string `json:"ApplicationProvider"`
	} `json:"Filter"`
}

func (a *API) listApplications(ctx context.Context, in *listApplicationsIn) (any, error) {
	if err := a.checkInstance(in.InstanceArn); err != nil {
		return nil, err
	}
	p, err := readPage(in.NextToken, in.MaxResults, 100)
	if err != nil {
		return nil, err
	}
	// The model caps a page of applications at 50.
	p.limit = min(p.limit, 50)
	all, err := a.cfg.Registry.Applications(ctx)
	if err != nil {
		return nil, err
	}
	var kept []applicationOut
	for _, x := range all {
		o := a.applicationOut(x)
		if f := in.Filter; f != nil {
			if err := check(field{name: "Filter.ApplicationAccount", v: f.ApplicationAccount, min: 12, max: 12, re: reAccountID},
				field{name: "Filter.ApplicationProvider", v: f.ApplicationProvider, min: 10, max: 1224, re: reProviderARN}); err != nil {
				return nil, err
			}
			if f.ApplicationAccount != nil && *f.ApplicationAccount != o.ApplicationAccount ||
				f.ApplicationProvider != nil && *f.ApplicationProvider != o.ApplicationProviderArn {
				continue
			}
		}
		kept = append(kept, o)
	}
	items, next := window(kept, func(o applicationOut) string { return o.ApplicationArn }, p)
	if items == nil {
		items = []applicationOut{}
	}
	return struct {
		Applications []applicationOut `json:"Applications"`
		NextToken    *string          `json:"NextToken,omitempty"`
	}{items, next}, nil
}

// --- providers

type displayData struct {
	DisplayName string `json:"DisplayName"`
	Description string `json:"Description"`
}

type applicationProvider struct {
	ApplicationProviderArn string      `json:"ApplicationProviderArn"`
	FederationProtocol     string      `json:"FederationProtocol"`
	DisplayData            displayData `json:"DisplayData"`
}

var customProvider = applicationProvider{ApplicationProviderArn: iamtoken.CustomProviderARN, FederationProtocol: "OAUTH",
	DisplayData: displayData{DisplayName: "Customer managed application",
		Description: "An OAuth application of your own that gets tokens for people with CreateTokenWithIAM."}}

func (a *API) listApplicationProviders(_ context.Context, in *listInstancesIn) (any, error) {
	p, err := readPage(in.NextToken, in.MaxResults, 100)
	if err != nil {
		return nil, err
	}
	items, next := window([]applicationProvider{customProvider}, func(x applicationProvider) string { return x.ApplicationProviderArn }, p)
	return struct {
		ApplicationProviders []applicationProvider `json:"ApplicationProviders"`
		NextToken            *string               `json:"NextToken,omitempty"`
	}{items, next}, nil
}

func (a *API) describeApplicationProvider(_ context.Context, in *struct {
	ApplicationProviderArn *string `json:"ApplicationProviderArn"`
}) (any, error) {
	if err := check(field{name: "ApplicationProviderArn", v: in.ApplicationProviderArn, required: true, min: 10, max: 1224, re: reProviderARN}); err != nil {
		return nil, err
	}
	if *in.ApplicationProviderArn != iamtoken.CustomProviderARN {
		return nil, sso.Errorf(sso.CodeResourceNotFound, "ssooidc serves one application provider, %s.", iamtoken.CustomProviderARN)
	}
	return customProvider, nil
}

// --- application assignments

type appAssignmentIn struct {
	ApplicationArn *string `json:"ApplicationArn"`
	PrincipalId    *string `json:"PrincipalId"`
	PrincipalType  *string `json:"PrincipalType"`
}

type appAssignmentOut struct {
	ApplicationArn string `json:"ApplicationArn"`
	PrincipalId    string `json:"PrincipalId"`
	PrincipalType  string `json:"PrincipalType"`
}

func (a *API) readAppAssignment(ctx context.Context, in *appAssignmentIn) (sso.AppAssignment, error) {
	if err := check(field{name: "ApplicationArn", v: in.ApplicationArn, required: true, min: 10, max: 1224, re: reApplicationARN},
		field{name: "PrincipalId", v: in.PrincipalId, required: true, min: 1, max: 47, re: rePrincipalID},
		field{name: "PrincipalType", v: in.PrincipalType, required: true, enum: principalTypes}); err != nil {
		return sso.AppAssignment{}, err
	}
	return sso.AppAssignment{ApplicationARN: *in.ApplicationArn, PrincipalType: *in.PrincipalType, PrincipalID: *in.PrincipalId}, nil
}

func (a *API) createApplicationAssignment(ctx context.Context, in *appAssignmentIn) (any, error) {
	x, err := a.readAppAssignment(ctx, in)
	if err != nil {
		return nil, err
	}
	if err := a.cfg.Registry.CreateAssignment(ctx, x); err != nil {
		return nil, err
	}
	return empty{}, nil
}

func (a *API) deleteApplicationAssignment(ctx context.Context, in *appAssignmentIn) (any, error) {
	x, err := a.readAppAssignment(ctx, in)
	if err != nil {
		return nil, err
	}
	if err := a.cfg.Registry.DeleteAssignment(ctx, x); err != nil {
		return nil, err
	}
	return empty{}, nil
}

func (a *API) describeApplicationAssignment(ctx context.Context, in *appAssignmentIn) (any, error) {
	x, err := a.readAppAssignment(ctx, in)
	if err != nil {
		return nil, err
	}
	if _, err := a.cfg.Registry.Application(ctx, x.ApplicationARN); err != nil {
		return nil, err
	}
	got, err := a.cfg.Registry.Assignments(ctx, sso.AppAssignmentQuery{ApplicationARN: x.ApplicationARN,
		PrincipalType: x.PrincipalType, PrincipalID: x.PrincipalID})
	if err != nil {
		return nil, err
	}
	if len(got) == 0 {
		return nil, sso.Errorf(sso.CodeResourceNotFound, "The %s %s is not assigned to the application.", strings.ToLower(x.PrincipalType), x.PrincipalID)
	}
	return appAssignmentOut{ApplicationArn: x.ApplicationARN, PrincipalId: x.PrincipalID, PrincipalType: x.PrincipalType}, nil
}

type listAppAssignmentsIn struct {
	ApplicationArn *string `json:"ApplicationArn"`
	MaxResults     *int    `json:"MaxResults"`
	NextToken      *string `json:"NextToken"`
}

// appAssignmentsPage answers a page of application assignments.
func appAssignmentsPage(xs []sso.AppAssignment, p page) any {
	out := []appAssignmentOut{}
	for _, x := range xs {
		out = append(out, appAssignmentOut{ApplicationArn: x.ApplicationARN, PrincipalId: x.PrincipalID, PrincipalType: x.PrincipalType})
	}
	var next *string
	if len(xs) == p.limit && len(xs) > 0 {
		next = nextToken(true, sso.AppAssignmentKey(xs[len(xs)-1]))
	}
	return struct {
		ApplicationAssignments []appAssignmentOut `json:"ApplicationAssignments"`
		NextToken              *string            `json:"NextToken,omitempty"`
	}{out, next}
}

func (a *API) listApplicationAssignments(ctx context.Context, in *listAppAssignmentsIn) (any, error) {
	if _, err := a.application(ctx, in.ApplicationArn); err != nil {
		return nil, err
	}
	p, err := readPage(in.NextToken, in.MaxResults, 100)
	if err != nil {
		return nil, err
	}
	xs, err := a.cfg.Registry.Assignments(ctx, sso.AppAssignmentQuery{ApplicationARN: *in.ApplicationArn, Page: sso.Page{After: p.after, Limit: p.limit}})
	if err != nil {
		return nil, err
	}
	return appAssignmentsPage(xs, p), nil
}

type listAppAssignmentsForPrincipalIn struct {
	InstanceArn   *string `json:"InstanceArn"`
	PrincipalId   *string `json:"PrincipalId"`
	PrincipalType *string `json:"PrincipalType"`
	Filter        *struct {
		ApplicationArn *string `json:"ApplicationArn"`
	} `json:"Filter"`
	NextToken  *string `json:"NextToken"`
	MaxResults *int    `json:"MaxResults"`
}

func (a *API) listApplicationAssignmentsForPrincipal(ctx context.Context, in *listAppAssignmentsForPrincipalIn) (any, error) {
	if err := a.checkInstance(in.InstanceArn); err != nil {
		return nil, err
	}
	if err := check(field{name: "PrincipalId", v: in.PrincipalId, required: true, min: 1, max: 47, re: rePrincipalID},
		field{name: "PrincipalType", v: in.PrincipalType, required: true, enum: principalTypes}); err != nil {
		return nil, err
	}
	q := sso.AppAssignmentQuery{PrincipalType: *in.PrincipalType, PrincipalID: *in.PrincipalId}
	if in.Filter != nil && in.Filter.ApplicationArn != nil {
		if err := check(field{name: "Filter.ApplicationArn", v: in.Filter.ApplicationArn, min: 10, max: 1224, re: reApplicationARN}); err != nil {
			return nil, err
		}
		q.ApplicationARN = *in.Filter.ApplicationArn
	}
	p, err := readPage(in.NextToken, in.MaxResults, 100)
	if err != nil {
		return nil, err
	}
	q.Page = sso.Page{After: p.after, Limit: p.limit}
	xs, err := a.cfg.Registry.Assignments(ctx, q)
	if err != nil {
		return nil, err
	}
	return appAssignmentsPage(xs, p), nil
}
