package ssoadmin

import (
	"context"
	"slices"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/ssooidc/ssooidc/internal/awsjson"
	"github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/wire"
)

// What CreateTokenWithIAM reads of an application: its grants, access
// scopes, authentication method (who may call), and whether people need an
// assignment; and its session configuration, stored and returned.

var grantTypes = []string{wire.GrantAuthorizationCode, wire.GrantRefreshToken, wire.GrantJWTBearer, wire.GrantTokenExchange}

type authorizedIssuer struct {
	TrustedTokenIssuerArn *string  `json:"TrustedTokenIssuerArn"`
	AuthorizedAudiences   []string `json:"AuthorizedAudiences,omitempty"`
}

// grantWire is the model's Grant union: exactly one member is set.
type grantWire struct {
	AuthorizationCode *struct {
		RedirectUris []string `json:"RedirectUris,omitempty"`
	} `json:"AuthorizationCode,omitzero"`
	JwtBearer *struct {
		AuthorizedTokenIssuers []authorizedIssuer `json:"AuthorizedTokenIssuers,omitempty"`
	} `json:"JwtBearer,omitzero"`
	// An empty member is {}: omitzero leaves out only an unset one (v2's
	// omitempty would drop {} too, and a union with no member set).
	RefreshToken  *struct{} `json:"RefreshToken,omitzero"`
	TokenExchange *struct{} `json:"TokenExchange,omitzero"`
}

// readGrant validates a Grant union for grantType.
func readGrant(grantType string, g *grantWire) (sso.AppGrant, error) {
	if g == nil {
		return sso.AppGrant{}, invalid("Grant", "null", "Member must not be null")
	}
	set := 0
	for _, b := range []bool{g.AuthorizationCode != nil, g.JwtBearer != nil, g.RefreshToken != nil, g.TokenExchange != nil} {
		if b {
			set++
		}
	}
	if set != 1 {
		return sso.AppGrant{}, awsjson.Errorf(awsjson.Validation, "Grant is a union: set exactly one of AuthorizationCode, JwtBearer, RefreshToken and TokenExchange.")
	}
	out := sso.AppGrant{Type: grantType}
	mismatch := awsjson.Errorf(awsjson.Validation, "The Grant's member is not the one of GrantType %s.", grantType)
	switch grantType {
	case wire.GrantAuthorizationCode:
		if g.AuthorizationCode == nil {
			return out, mismatch
		}
		if err := checkList("Grant.AuthorizationCode.RedirectUris", len(g.AuthorizationCode.RedirectUris), 1, 10); err != nil {
			return out, err
		}
		out.RedirectURIs = g.AuthorizationCode.RedirectUris
	case wire.GrantJWTBearer:
		if g.JwtBearer == nil {
			return out, mismatch
		}
		if err := checkList("Grant.JwtBearer.AuthorizedTokenIssuers", len(g.JwtBearer.AuthorizedTokenIssuers), 1, 10); err != nil {
			return out, err
		}
		for _, ai := range g.JwtBearer.AuthorizedTokenIssuers {
			if err := check(field{name: "Grant.JwtBearer.AuthorizedTokenIssuers.member.TrustedTokenIssuerArn", v: ai.TrustedTokenIssuerArn,
				required: true, min: 10, max: 1224, re: reIssuerARN}); err != nil {
				return out, err
			}
			if err := checkList("AuthorizedAudiences", len(ai.AuthorizedAudiences), 0, 10); err != nil {
				return out, err
			}
			for i := range ai.AuthorizedAudiences {
				if err := check(field{name: "AuthorizedAudiences.member", v: &ai.AuthorizedAudiences[i], min: 1, max: 512}); err != nil {
					return out, err
				}
			}
			out.Issuers = append(out.Issuers, sso.AuthorizedIssuer{IssuerARN: *ai.TrustedTokenIssuerArn, Audiences: ai.AuthorizedAudiences})
		}
	case wire.GrantRefreshToken:
		if g.RefreshToken == nil {
			return out, mismatch
		}
	case wire.GrantTokenExchange:
		if g.TokenExchange == nil {
			return out, mismatch
		}
	}
	return out, nil
}

func grantOut(g sso.AppGrant) grantWire {
	var w grantWire
	switch g.Type {
	case wire.GrantAuthorizationCode:
		w.AuthorizationCode = &struct {
			RedirectUris []string `json:"RedirectUris,omitempty"`
		}{slices.Clone(g.RedirectURIs)}
	case wire.GrantJWTBearer:
		w.JwtBearer = &struct {
			AuthorizedTokenIssuers []authorizedIssuer `json:"AuthorizedTokenIssuers,omitempty"`
		}{}
		for _, ai := range g.Issuers {
			w.JwtBearer.AuthorizedTokenIssuers = append(w.JwtBearer.AuthorizedTokenIssuers,
				authorizedIssuer{TrustedTokenIssuerArn: &ai.IssuerARN, AuthorizedAudiences: ai.Audiences})
		}
	case wire.GrantRefreshToken:
		w.RefreshToken = &struct{}{}
	case wire.GrantTokenExchange:
		w.TokenExchange = &struct{}{}
	}
	return w
}

type grantIn struct {
	ApplicationArn *string    `json:"ApplicationArn"`
	GrantType      *string    `json:"GrantType"`
	Grant          *grantWire `json:"Grant"`
}

func (a *API) putApplicationGrant(ctx context.Context, in *grantIn) (any, error) {
	if _, err := a.application(ctx, in.ApplicationArn); err != nil {
		return nil, err
	}
	if err := check(field{name: "GrantType", v: in.GrantType, required: true, enum: grantTypes}); err != nil {
		return nil, err
	}
	g, err := readGrant(*in.GrantType, in.Grant)
	if err != nil {
		return nil, err
	}
	if err := a.cfg.Registry.PutGrant(ctx, *in.ApplicationArn, g); err != nil {
		return nil, err
	}
	return empty{}, nil
}

// appGrant validates the ARN and grant type and returns the application's
// grant of that type.
func (a *API) appGrant(ctx context.Context, arn, grantType *string) (sso.AppGrant, error) {
	x, err := a.application(ctx, arn)
	if err != nil {
		return sso.AppGrant{}, err
	}
	if err := check(field{name: "GrantType", v: grantType, required: true, enum: grantTypes}); err != nil {
		return sso.AppGrant{}, err
	}
	i := slices.IndexFunc(x.Grants, func(g sso.AppGrant) bool { return g.Type == *grantType })
	if i < 0 {
		return sso.AppGrant{}, sso.Errorf(sso.CodeResourceNotFound, "The application has no %s grant.", *grantType)
	}
	return x.Grants[i], nil
}

func (a *API) getApplicationGrant(ctx context.Context, in *grantIn) (any, error) {
	g, err := a.appGrant(ctx, in.ApplicationArn, in.GrantType)
	if err != nil {
		return nil, err
	}
	return struct {
		Grant grantWire `json:"Grant"`
	}{grantOut(g)}, nil
}

func (a *API) deleteApplicationGrant(ctx context.Context, in *grantIn) (any, error) {
	if _, err := a.appGrant(ctx, in.ApplicationArn, in.GrantType); err != nil {
		return nil, err
	}
	if err := a.cfg.Registry.DeleteGrant(ctx, *in.ApplicationArn, *in.GrantType); err != nil {
		return nil, err
	}
	return empty{}, nil
}

type appListIn struct {
	ApplicationArn *string `json:"ApplicationArn"`
	MaxResults     *int    `json:"MaxResults"`
	NextToken      *string `json:"NextToken"`
}

func (a *API) listApplicationGrants(ctx context.Context, in *appListIn) (any, error) {
	x, err := a.application(ctx, in.ApplicationArn)
	if err != nil {
		return nil, err
	}
	p, err := readPage(in.NextToken, nil, 100)
	if err != nil {
		return nil, err
	}
	type item struct {
		GrantType string    `json:"GrantType"`
		Grant     grantWire `json:"Grant"`
	}
	var all []item
	for _, t := range grantTypes { // a fixed order, whatever order they were put in
		if i := slices.IndexFunc(x.Grants, func(g sso.AppGrant) bool { return g.Type == t }); i >= 0 {
			all = append(all, item{t, grantOut(x.Grants[i])})
		}
	}
	items, next := inOrder(all, p)
	return listOut("Grants", items, next), nil
}

// --- access scopes

type scopeIn struct {
	ApplicationArn    *string  `json:"ApplicationArn"`
	Scope             *string  `json:"Scope"`
	AuthorizedTargets []string `json:"AuthorizedTargets"`
}

type scopeOut struct {
	Scope             string   `json:"Scope"`
	AuthorizedTargets []string `json:"AuthorizedTargets,omitempty"`
}

func (a *API) putApplicationAccessScope(ctx context.Context, in *scopeIn) (any, error) {
	if _, err := a.application(ctx, in.ApplicationArn); err != nil {
		return nil, err
	}
	if err := check(field{name: "Scope", v: in.Scope, required: true, re: reScope}); err != nil {
		return nil, err
	}
	if in.AuthorizedTargets != nil {
		if err := checkList("AuthorizedTargets", len(in.AuthorizedTargets), 1, 10); err != nil {
			return nil, err
		}
	}
	for i := range in.AuthorizedTargets {
		if err := check(field{name: "AuthorizedTargets.member", v: &in.AuthorizedTargets[i], min: 1, max: 100, re: reScopeTarget}); err != nil {
			return nil, err
		}
	}
	if err := a.cfg.Registry.PutScope(ctx, *in.ApplicationArn, sso.AccessScope{Scope: *in.Scope, Targets: in.AuthorizedTargets}); err != nil {
		return nil, err
	}
	return empty{}, nil
}

// appScope validates the ARN and scope and returns the application's
// access scope.
func (a *API) appScope(ctx context.Context, arn, scope *string) (sso.AccessScope, error) {
	x, err := a.application(ctx, arn)
	if err != nil {
		return sso.AccessScope{}, err
	}
	if err := check(field{name: "Scope", v: scope, required: true, re: reScope}); err != nil {
		return sso.AccessScope{}, err
	}
	i := slices.IndexFunc(x.Scopes, func(s sso.AccessScope) bool { return s.Scope == *scope })
	if i < 0 {
		return sso.AccessScope{}, sso.Errorf(sso.CodeResourceNotFound, "The application has no access scope %s.", *scope)
	}
	return x.Scopes[i], nil
}

func (a *API) getApplicationAccessScope(ctx context.Context, in *scopeIn) (any, error) {
	sc, err := a.appScope(ctx, in.ApplicationArn, in.Scope)
	if err != nil {
		return nil, err
	}
	return scopeOut{Scope: sc.Scope, AuthorizedTargets: sc.Targets}, nil
}

func (a *API) deleteApplicationAccessScope(ctx context.Context, in *scopeIn) (any, error) {
	if _, err := a.appScope(ctx, in.ApplicationArn, in.Scope); err != nil {
		return nil, err
	}
	if err := a.cfg.Registry.DeleteScope(ctx, *in.ApplicationArn, *in.Scope); err != nil {
		return nil, err
	}
	return empty{}, nil
}

func (a *API) listApplicationAccessScopes(ctx context.Context, in *appListIn) (any, error) {
	x, err := a.application(ctx, in.ApplicationArn)
	if err != nil {
		return nil, err
	}
	p, err := readPage(in.NextToken, in.MaxResults, 10)
	if err != nil {
		return nil, err
	}
	items, next := inOrder(x.Scopes, p)
	out := []scopeOut{}
	for _, sc := range items {
		out = append(out, scopeOut{Scope: sc.Scope, AuthorizedTargets: sc.Targets})
	}
	return listOut("Scopes", out, next), nil
}

// --- authentication methods

type authMethodWire struct {
	Iam *struct {
		ActorPolicy jsontext.Value `json:"ActorPolicy,omitempty"`
	} `json:"Iam,omitzero"`
}

type authMethodIn struct {
	ApplicationArn           *string         `json:"ApplicationArn"`
	AuthenticationMethodType *string         `json:"AuthenticationMethodType"`
	AuthenticationMethod     *authMethodWire `json:"AuthenticationMethod"`
}

func authMethodOut(policy []byte) authMethodWire {
	return authMethodWire{Iam: &struct {
		ActorPolicy jsontext.Value `json:"ActorPolicy,omitempty"`
	}{jsontext.Value(slices.Clone(policy))}}
}

func (a *API) putApplicationAuthenticationMethod(ctx context.Context, in *authMethodIn) (any, error) {
	if _, err := a.application(ctx, in.ApplicationArn); err != nil {
		return nil, err
	}
	if err := check(field{name: "AuthenticationMethodType", v: in.AuthenticationMethodType, required: true, enum: []string{"IAM"}}); err != nil {
		return nil, err
	}
	m := in.AuthenticationMethod
	if m == nil || m.Iam == nil {
		return nil, invalid("AuthenticationMethod.Iam", "null", "Member must not be null")
	}
	doc := m.Iam.ActorPolicy
	if len(doc) == 0 || doc.Kind() != '{' {
		return nil, awsjson.Errorf(awsjson.Validation, "AuthenticationMethod.Iam.ActorPolicy must be a policy document (a JSON object).")
	}
	if err := a.cfg.Registry.PutActorPolicy(ctx, *in.ApplicationArn, doc); err != nil {
		return nil, err
	}
	return empty{}, nil
}

// actorPolicy validates the ARN and method type and returns the
// application's actor policy.
func (a *API) actorPolicy(ctx context.Context, arn, typ *string) ([]byte, error) {
	x, err := a.application(ctx, arn)
	if err != nil {
		return nil, err
	}
	if err := check(field{name: "AuthenticationMethodType", v: typ, required: true, enum: []string{"IAM"}}); err != nil {
		return nil, err
	}
	if x.ActorPolicy == nil {
		return nil, sso.Errorf(sso.CodeResourceNotFound, "The application has no IAM authentication method.")
	}
	return x.ActorPolicy, nil
}

func (a *API) getApplicationAuthenticationMethod(ctx context.Context, in *authMethodIn) (any, error) {
	doc, err := a.actorPolicy(ctx, in.ApplicationArn, in.AuthenticationMethodType)
	if err != nil {
		return nil, err
	}
	return struct {
		AuthenticationMethod authMethodWire `json:"AuthenticationMethod"`
	}{authMethodOut(doc)}, nil
}

func (a *API) deleteApplicationAuthenticationMethod(ctx context.Context, in *authMethodIn) (any, error) {
	if _, err := a.actorPolicy(ctx, in.ApplicationArn, in.AuthenticationMethodType); err != nil {
		return nil, err
	}
	if err := a.cfg.Registry.DeleteActorPolicy(ctx, *in.ApplicationArn); err != nil {
		return nil, err
	}
	return empty{}, nil
}

func (a *API) listApplicationAuthenticationMethods(ctx context.Context, in *appListIn) (any, error) {
	x, err := a.application(ctx, in.ApplicationArn)
	if err != nil {
		return nil, err
	}
	if _, err := readPage(in.NextToken, nil, 100); err != nil {
		return nil, err
	}
	type item struct {
		AuthenticationMethodType string         `json:"AuthenticationMethodType"`
		AuthenticationMethod     authMethodWire `json:"AuthenticationMethod"`
	}
	out := []item{}
	if x.ActorPolicy != nil && (in.NextToken == nil || *in.NextToken == "") {
		out = append(out, item{"IAM", authMethodOut(x.ActorPolicy)})
	}
	return struct {
		AuthenticationMethods []item `json:"AuthenticationMethods"`
	}{out}, nil
}

// --- configurations

func (a *API) putAssignmentConfiguration(ctx context.Context, in *struct {
	ApplicationArn     *string `json:"ApplicationArn"`
	AssignmentRequired *bool   `json:"AssignmentRequired"`
}) (any, error) {
	if _, err := a.application(ctx, in.ApplicationArn); err != nil {
		return nil, err
	}
	if in.AssignmentRequired == nil {
		return nil, invalid("AssignmentRequired", "null", "Member must not be null")
	}
	return a.changeApplication(ctx, *in.ApplicationArn, "assignment_configuration", func(x *sso.Application) error {
		x.AssignmentRequired = *in.AssignmentRequired
		return nil
	})
}

func (a *API) getAssignmentConfiguration(ctx context.Context, in *applicationIn) (any, error) {
	x, err := a.application(ctx, in.ApplicationArn)
	if err != nil {
		return nil, err
	}
	return struct {
		AssignmentRequired bool `json:"AssignmentRequired"`
	}{x.AssignmentRequired}, nil
}

func (a *API) putSessionConfiguration(ctx context.Context, in *struct {
	ApplicationArn                         *string `json:"ApplicationArn"`
	UserBackgroundSessionApplicationStatus *string `json:"UserBackgroundSessionApplicationStatus"`
}) (any, error) {
	if _, err := a.application(ctx, in.ApplicationArn); err != nil {
		return nil, err
	}
	if err := check(field{name: "UserBackgroundSessionApplicationStatus", v: in.UserBackgroundSessionApplicationStatus, enum: enabledDisabled}); err != nil {
		return nil, err
	}
	return a.changeApplication(ctx, *in.ApplicationArn, "session_configuration", func(x *sso.Application) error {
		x.BackgroundSessions = deref(in.UserBackgroundSessionApplicationStatus)
		return nil
	})
}

func (a *API) getSessionConfiguration(ctx context.Context, in *applicationIn) (any, error) {
	x, err := a.application(ctx, in.ApplicationArn)
	if err != nil {
		return nil, err
	}
	return struct {
		UserBackgroundSessionApplicationStatus *string `json:"UserBackgroundSessionApplicationStatus,omitempty"`
	}{optional(x.BackgroundSessions)}, nil
}
