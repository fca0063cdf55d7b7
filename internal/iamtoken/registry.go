package iamtoken

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/ssooidc/ssooidc/internal/audit"
	"github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/wire"
)

// RegistryStore is what the registry keeps its records in.
type RegistryStore interface {
	sso.ApplicationStore
	GetUser(ctx context.Context, id string) (sso.User, error)
	GetGroup(ctx context.Context, id string) (sso.Group, error)
}

// RegistryOptions configure a Registry.
type RegistryOptions struct {
	// InstanceID is the "ssoins-..." of the instance new records belong
	// to; OwnerAccount the account of their ARNs.
	InstanceID   string
	OwnerAccount string
	Audit        *audit.Recorder
	Now          func() time.Time
}

// Registry manages the applications of CreateTokenWithIAM, their
// assignments and the trusted token issuers (the SSO Admin API and the
// config file). Every change carries its audit event in its store write;
// the Service reads the records at every request, so a change takes effect
// at once.
type Registry struct {
	store RegistryStore
	opts  RegistryOptions
	rec   *audit.Recorder
}

// NewRegistry returns a Registry over store.
func NewRegistry(store RegistryStore, opts RegistryOptions) *Registry {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Registry{store: store, opts: opts, rec: opts.Audit}
}

func appTarget(a sso.Application) sso.Target {
	return sso.Target{Type: audit.TargetApplication, ID: a.ARN, Name: a.Name}
}

func issuerTarget(t sso.TrustedTokenIssuer) sso.Target {
	return sso.Target{Type: audit.TargetIssuer, ID: t.ARN, Name: t.Name}
}

// notFound is the error of a lookup of what does not exist.
func notFound(what, arn string, err error) error {
	return &sso.Error{Code: sso.CodeResourceNotFound, Message: fmt.Sprintf("There is no %s %s.", what, arn), Err: err}
}

// CreateApplication stores a new customer managed application with a
// fresh ARN. A creation whose ClientToken an earlier one used returns
// that one's application, as an idempotent retry. Errors:
// CodeInvalidRequest, CodeConflict.
func (r *Registry) CreateApplication(ctx context.Context, a sso.Application) (sso.Application, error) {
	if a.ProviderARN != CustomProviderARN {
		return sso.Application{}, sso.Errorf(sso.CodeInvalidRequest,
			"ssooidc serves customer managed OAuth applications only: ApplicationProviderArn must be %s.", CustomProviderARN)
	}
	if a.Status == "" {
		a.Status = sso.Enabled
	}
	a.ARN = "arn:aws:sso::" + r.opts.OwnerAccount + ":application/" + r.opts.InstanceID + "/apl-" + randomHex(8)
	a.CreatedAt, a.Version = r.opts.Now(), 1
	// Identity Center requires assignments for customer managed
	// applications until PutApplicationAssignmentConfiguration says
	// otherwise.
	a.AssignmentRequired = true
	ev := r.rec.Event(ctx, audit.AppPut, appTarget(a), "change", "created")
	err := r.rec.Do(ctx, func(ctx context.Context) error { return r.store.CreateApplication(ctx, a) }, ev)
	if errors.Is(err, sso.ErrConflict) && a.ClientToken != "" {
		if prev, ok := r.byClientToken(ctx, a.ClientToken); ok {
			return prev, nil
		}
	}
	if err != nil {
		return sso.Application{}, err
	}
	return a, nil
}

func (r *Registry) byClientToken(ctx context.Context, token string) (sso.Application, bool) {
	all, err := r.store.ListApplications(ctx)
	if err != nil {
		return sso.Application{}, false
	}
	for _, a := range all {
		if a.ClientToken == token {
			return a, true
		}
	}
	return sso.Application{}, false
}

// Application returns the application arn; CodeResourceNotFound if none.
func (r *Registry) Application(ctx context.Context, arn string) (sso.Application, error) {
	a, err := r.store.GetApplication(ctx, arn)
	if errors.Is(err, sso.ErrNotFound) {
		return sso.Application{}, notFound("application", arn, err)
	}
	return a, err
}

// Applications returns every application, ordered by ARN.
func (r *Registry) Applications(ctx context.Context) ([]sso.Application, error) {
	return r.store.ListApplications(ctx)
}

// UpdateApplication runs change on the application arn and stores the
// result with an event whose details name the change. Errors:
// CodeResourceNotFound, or change's own.
func (r *Registry) UpdateApplication(ctx context.Context, arn, what string, change func(*sso.Application) error) (sso.Application, error) {
	var evs []sso.Event
	wctx := ctx
	if r.rec != nil {
		wctx = sso.WithLateEvents(ctx, &evs)
	}
	a, err := r.store.UpdateApplication(wctx, arn, func(old sso.Application) (sso.Application, error) {
		next := old
		if err := change(&next); err != nil {
			return sso.Application{}, err
		}
		evs = append(evs[:0], r.rec.Event(ctx, audit.AppPut, appTarget(next), "change", what))
		return next, nil
	})
	if errors.Is(err, sso.ErrNotFound) {
		return sso.Application{}, notFound("application", arn, err)
	}
	if err != nil {
		return sso.Application{}, err
	}
	for _, e := range evs {
		r.rec.Log(ctx, e)
	}
	return a, nil
}

// DeleteApplication deletes the application arn and its assignments; its
// tokens stop working at their next refresh. CodeResourceNotFound if none.
func (r *Registry) DeleteApplication(ctx context.Context, arn string) error {
	a, err := r.Application(ctx, arn)
	if err != nil {
		return err
	}
	ev := r.rec.Event(ctx, audit.AppDeleted, appTarget(a))
	err = r.rec.Do(ctx, func(ctx context.Context) error { return r.store.DeleteApplication(ctx, arn) }, ev)
	if errors.Is(err, sso.ErrNotFound) {
		return notFound("application", arn, err)
	}
	return err
}

// PutGrant sets the application's grant of g.Type. A jwt-bearer grant's
// issuers must exist and name audiences; an authorization_code grant's
// redirect URIs must be HTTPS (or loopback, RFC 8252 section 7.3).
func (r *Registry) PutGrant(ctx context.Context, arn string, g sso.AppGrant) error {
	switch g.Type {
	case wire.GrantAuthorizationCode:
		if len(g.RedirectURIs) == 0 {
			return sso.Errorf(sso.CodeInvalidRequest, "An authorization_code grant needs RedirectUris.")
		}
		for _, u := range g.RedirectURIs {
			if reason, ok := sso.CheckRedirectURI(u); !ok {
				return sso.Errorf(sso.CodeInvalidRequest, "The redirect URI %q is refused: %s.", clip(u), reason)
			}
		}
		g.Issuers = nil
	case wire.GrantJWTBearer:
		if len(g.Issuers) == 0 {
			return sso.Errorf(sso.CodeInvalidRequest, "A jwt-bearer grant needs AuthorizedTokenIssuers.")
		}
		for _, ai := range g.Issuers {
			if len(ai.Audiences) == 0 {
				return sso.Errorf(sso.CodeInvalidRequest,
					"Each authorized token issuer needs AuthorizedAudiences: ssooidc accepts an assertion only for an audience the application names.")
			}
			if _, err := r.store.GetTrustedTokenIssuer(ctx, ai.IssuerARN); errors.Is(err, sso.ErrNotFound) {
				return notFound("trusted token issuer", ai.IssuerARN, err)
			} else if err != nil {
				return err
			}
		}
		g.RedirectURIs = nil
	case wire.GrantRefreshToken, wire.GrantTokenExchange:
		g.RedirectURIs, g.Issuers = nil, nil
	default:
		return sso.Errorf(sso.CodeInvalidRequest, "The grant type %q is not one of CreateTokenWithIAM's.", clip(g.Type))
	}
	_, err := r.UpdateApplication(ctx, arn, "grant:"+g.Type, func(a *sso.Application) error {
		a.Grants = slices.DeleteFunc(a.Grants, func(x sso.AppGrant) bool { return x.Type == g.Type })
		a.Grants = append(a.Grants, g)
		return nil
	})
	return err
}

// DeleteGrant removes the application's grant of grantType;
// CodeResourceNotFound if it has none.
func (r *Registry) DeleteGrant(ctx context.Context, arn, grantType string) error {
	_, err := r.UpdateApplication(ctx, arn, "grant_deleted:"+grantType, func(a *sso.Application) error {
		n := len(a.Grants)
		a.Grants = slices.DeleteFunc(a.Grants, func(x sso.AppGrant) bool { return x.Type == grantType })
		if len(a.Grants) == n {
			return sso.Errorf(sso.CodeResourceNotFound, "The application has no %s grant.", clip(grantType))
		}
		return nil
	})
	return err
}

// PutScope sets one access scope of the application.
func (r *Registry) PutScope(ctx context.Context, arn string, sc sso.AccessScope) error {
	_, err := r.UpdateApplication(ctx, arn, "scope:"+sc.Scope, func(a *sso.Application) error {
		a.Scopes = slices.DeleteFunc(a.Scopes, func(x sso.AccessScope) bool { return x.Scope == sc.Scope })
		if len(a.Scopes) >= MaxScopes {
			return sso.Errorf(sso.CodeQuotaExceeded, "An application has at most %d access scopes.", MaxScopes)
		}
		a.Scopes = append(a.Scopes, sc)
		return nil
	})
	return err
}

// MaxScopes bounds an application's access scopes (what
// ListApplicationAccessScopes can return in one answer, and no real
// application needs more).
const MaxScopes = 100

// DeleteScope removes an access scope; CodeResourceNotFound if the
// application has no such scope.
func (r *Registry) DeleteScope(ctx context.Context, arn, scope string) error {
	_, err := r.UpdateApplication(ctx, arn, "scope_deleted:"+scope, func(a *sso.Application) error {
		n := len(a.Scopes)
		a.Scopes = slices.DeleteFunc(a.Scopes, func(x sso.AccessScope) bool { return x.Scope == scope })
		if len(a.Scopes) == n {
			return sso.Errorf(sso.CodeResourceNotFound, "The application has no access scope %q.", clip(scope))
		}
		return nil
	})
	return err
}

// PutActorPolicy sets the IAM authentication method: the policy naming
// who may call CreateTokenWithIAM for the application, stored exactly.
func (r *Registry) PutActorPolicy(ctx context.Context, arn string, doc []byte) error {
	if _, err := ParseActorPolicy(doc); err != nil {
		return sso.Errorf(sso.CodeInvalidRequest, "ActorPolicy: %v.", err)
	}
	_, err := r.UpdateApplication(ctx, arn, "authentication_method:IAM", func(a *sso.Application) error {
		a.ActorPolicy = slices.Clone(doc)
		return nil
	})
	return err
}

// DeleteActorPolicy removes the IAM authentication method: no principal
// may call for the application any more. CodeResourceNotFound if it has
// none.
func (r *Registry) DeleteActorPolicy(ctx context.Context, arn string) error {
	_, err := r.UpdateApplication(ctx, arn, "authentication_method_deleted:IAM", func(a *sso.Application) error {
		if a.ActorPolicy == nil {
			return sso.Errorf(sso.CodeResourceNotFound, "The application has no IAM authentication method.")
		}
		a.ActorPolicy = nil
		return nil
	})
	return err
}

// CreateAssignment assigns the application to a user or group.
// CodeResourceNotFound if the application or the principal does not
// exist; CodeConflict if the assignment exists.
func (r *Registry) CreateAssignment(ctx context.Context, x sso.AppAssignment) error {
	a, err := r.Application(ctx, x.ApplicationARN)
	if err != nil {
		return err
	}
	if err := r.checkPrincipal(ctx, x.PrincipalType, x.PrincipalID); err != nil {
		return err
	}
	ev := r.rec.Event(ctx, audit.AppAssignmentPut, appAssignmentTarget(a, x))
	err = r.rec.Do(ctx, func(ctx context.Context) error { return r.store.CreateAppAssignment(ctx, x) }, ev)
	switch {
	case errors.Is(err, sso.ErrConflict):
		return &sso.Error{Code: sso.CodeConflict, Message: "The principal is assigned to the application already.", Err: err}
	case errors.Is(err, sso.ErrNotFound):
		return &sso.Error{Code: sso.CodeResourceNotFound, Message: "The application or the principal was deleted.", Err: err}
	}
	return err
}

// DeleteAssignment removes an application assignment;
// CodeResourceNotFound if there is none.
func (r *Registry) DeleteAssignment(ctx context.Context, x sso.AppAssignment) error {
	a, err := r.Application(ctx, x.ApplicationARN)
	if err != nil {
		return err
	}
	ev := r.rec.Event(ctx, audit.AppAssignmentGone, appAssignmentTarget(a, x))
	err = r.rec.Do(ctx, func(ctx context.Context) error { return r.store.DeleteAppAssignment(ctx, x) }, ev)
	if errors.Is(err, sso.ErrNotFound) {
		return &sso.Error{Code: sso.CodeResourceNotFound, Message: "The principal is not assigned to the application.", Err: err}
	}
	return err
}

// Assignments returns the application assignments q selects.
func (r *Registry) Assignments(ctx context.Context, q sso.AppAssignmentQuery) ([]sso.AppAssignment, error) {
	return r.store.QueryAppAssignments(ctx, q)
}

func (r *Registry) checkPrincipal(ctx context.Context, typ, id string) error {
	var err error
	if typ == sso.PrincipalUser {
		_, err = r.store.GetUser(ctx, id)
	} else {
		_, err = r.store.GetGroup(ctx, id)
	}
	if errors.Is(err, sso.ErrNotFound) {
		return sso.Errorf(sso.CodeResourceNotFound, "There is no %s with the ID %s in the identity store.", strings.ToLower(typ), id)
	}
	return err
}

func appAssignmentTarget(a sso.Application, x sso.AppAssignment) sso.Target {
	return sso.Target{Type: audit.TargetAppAssignment, ID: x.PrincipalType + ":" + x.PrincipalID,
		Name: a.Name + "/" + strings.ToLower(x.PrincipalType) + ":" + x.PrincipalID}
}

// CreateIssuer stores a new trusted token issuer with a fresh ARN (an
// earlier creation with the same ClientToken is returned instead).
// Errors: CodeInvalidRequest, CodeConflict.
func (r *Registry) CreateIssuer(ctx context.Context, t sso.TrustedTokenIssuer) (sso.TrustedTokenIssuer, error) {
	if err := checkIssuer(t); err != nil {
		return sso.TrustedTokenIssuer{}, err
	}
	if u, err := url.Parse(t.IssuerURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return sso.TrustedTokenIssuer{}, sso.Errorf(sso.CodeInvalidRequest, "IssuerUrl must be an absolute http(s) URL.")
	}
	t.ARN = "arn:aws:sso::" + r.opts.OwnerAccount + ":trustedTokenIssuer/" + r.opts.InstanceID + "/tti-" + sso.RandomUUID()
	t.CreatedAt = r.opts.Now()
	ev := r.rec.Event(ctx, audit.IssuerPut, issuerTarget(t), "change", "created")
	err := r.rec.Do(ctx, func(ctx context.Context) error { return r.store.CreateTrustedTokenIssuer(ctx, t) }, ev)
	if errors.Is(err, sso.ErrConflict) && t.ClientToken != "" {
		all, lerr := r.store.ListTrustedTokenIssuers(ctx)
		if lerr == nil {
			for _, prev := range all {
				if prev.ClientToken == t.ClientToken {
					return prev, nil
				}
			}
		}
	}
	if err != nil {
		return sso.TrustedTokenIssuer{}, err
	}
	return t, nil
}

// checkIssuer validates the attributes a trusted token issuer is matched
// by.
func checkIssuer(t sso.TrustedTokenIssuer) error {
	switch t.IdentityStoreAttributePath {
	case AttrUserName, AttrEmail:
	default:
		return sso.Errorf(sso.CodeInvalidRequest, "IdentityStoreAttributePath %q is not one ssooidc matches: use %s or %s.",
			clip(t.IdentityStoreAttributePath), AttrUserName, AttrEmail)
	}
	return nil
}

// Issuer returns the trusted token issuer arn; CodeResourceNotFound if
// none.
func (r *Registry) Issuer(ctx context.Context, arn string) (sso.TrustedTokenIssuer, error) {
	t, err := r.store.GetTrustedTokenIssuer(ctx, arn)
	if errors.Is(err, sso.ErrNotFound) {
		return sso.TrustedTokenIssuer{}, notFound("trusted token issuer", arn, err)
	}
	return t, err
}

// Issuers returns every trusted token issuer, ordered by ARN.
func (r *Registry) Issuers(ctx context.Context) ([]sso.TrustedTokenIssuer, error) {
	return r.store.ListTrustedTokenIssuers(ctx)
}

// UpdateIssuer runs change on the issuer arn and stores the result (its
// issuer URL cannot change). Errors: CodeResourceNotFound,
// CodeInvalidRequest, or change's own.
func (r *Registry) UpdateIssuer(ctx context.Context, arn, what string, change func(*sso.TrustedTokenIssuer) error) (sso.TrustedTokenIssuer, error) {
	var evs []sso.Event
	wctx := ctx
	if r.rec != nil {
		wctx = sso.WithLateEvents(ctx, &evs)
	}
	t, err := r.store.UpdateTrustedTokenIssuer(wctx, arn, func(old sso.TrustedTokenIssuer) (sso.TrustedTokenIssuer, error) {
		next := old
		if err := change(&next); err != nil {
			return sso.TrustedTokenIssuer{}, err
		}
		if err := checkIssuer(next); err != nil {
			return sso.TrustedTokenIssuer{}, err
		}
		evs = append(evs[:0], r.rec.Event(ctx, audit.IssuerPut, issuerTarget(next), "change", what))
		return next, nil
	})
	if errors.Is(err, sso.ErrNotFound) {
		return sso.TrustedTokenIssuer{}, notFound("trusted token issuer", arn, err)
	}
	if err != nil {
		return sso.TrustedTokenIssuer{}, err
	}
	for _, e := range evs {
		r.rec.Log(ctx, e)
	}
	return t, nil
}

// DeleteIssuer deletes the trusted token issuer arn. One that an
// application's jwt-bearer grant names is CodeConflict: delete the grant
// first. CodeResourceNotFound if none.
func (r *Registry) DeleteIssuer(ctx context.Context, arn string) error {
	t, err := r.Issuer(ctx, arn)
	if err != nil {
		return err
	}
	apps, err := r.store.ListApplications(ctx)
	if err != nil {
		return err
	}
	for _, a := range apps {
		for _, g := range a.Grants {
			for _, ai := range g.Issuers {
				if ai.IssuerARN == arn {
					return sso.Errorf(sso.CodeConflict, "The application %s trusts this issuer in its jwt-bearer grant; change that grant first.", a.ARN)
				}
			}
		}
	}
	ev := r.rec.Event(ctx, audit.IssuerDeleted, issuerTarget(t))
	err = r.rec.Do(ctx, func(ctx context.Context) error { return r.store.DeleteTrustedTokenIssuer(ctx, arn) }, ev)
	if errors.Is(err, sso.ErrNotFound) {
		return notFound("trusted token issuer", arn, err)
	}
	return err
}

// Declare writes what the config file declares (Records): its issuers,
// then its applications, created or replaced whole; applications and
// issuers an earlier start declared and the file no longer does are
// deleted. Records the API made are left alone, and an API record with
// the ARN of a declared one is replaced by the declaration.
func (r *Registry) Declare(ctx context.Context, apps []Application) error {
	recs, issuers, err := Records(apps)
	if err != nil {
		return err
	}
	keep := map[string]bool{}
	for _, t := range issuers {
		keep[t.ARN] = true
		_, err := r.store.GetTrustedTokenIssuer(ctx, t.ARN)
		switch {
		case errors.Is(err, sso.ErrNotFound):
			t.CreatedAt = r.opts.Now()
			ev := r.rec.Event(ctx, audit.IssuerPut, issuerTarget(t), "change", "declared")
			err = r.rec.Do(ctx, func(ctx context.Context) error { return r.store.CreateTrustedTokenIssuer(ctx, t) }, ev)
		case err == nil:
			_, err = r.UpdateIssuer(ctx, t.ARN, "declared", func(old *sso.TrustedTokenIssuer) error {
				created := old.CreatedAt
				*old = t
				old.CreatedAt = created
				return nil
			})
		}
		if err != nil {
			return fmt.Errorf("trusted token issuer %s: %w", t.IssuerURL, err)
		}
	}
	for _, a := range recs {
		keep[a.ARN] = true
		if err := r.declareApp(ctx, a); err != nil {
			return fmt.Errorf("application %s: %w", a.ARN, err)
		}
	}
	return r.dropUndeclared(ctx, keep)
}

func (r *Registry) declareApp(ctx context.Context, a sso.Application) error {
	old, err := r.store.GetApplication(ctx, a.ARN)
	if errors.Is(err, sso.ErrNotFound) {
		a.CreatedAt = r.opts.Now()
		ev := r.rec.Event(ctx, audit.AppPut, appTarget(a), "change", "declared")
		return r.rec.Do(ctx, func(ctx context.Context) error { return r.store.CreateApplication(ctx, a) }, ev)
	}
	if err != nil {
		return err
	}
	if sameDeclaration(old, a) {
		return nil // a restart: nothing changed, no event
	}
	_, err = r.UpdateApplication(ctx, a.ARN, "declared", func(x *sso.Application) error {
		created, tags := x.CreatedAt, x.Tags
		*x = a
		x.CreatedAt, x.Tags = created, tags
		return nil
	})
	return err
}

// sameDeclaration reports whether the stored record old is what the
// declaration a makes of it.
func sameDeclaration(old, a sso.Application) bool {
	a.CreatedAt, a.Tags, a.Version, a.ClientToken = old.CreatedAt, old.Tags, old.Version, old.ClientToken
	return fmt.Sprintf("%+v", sso.CloneApplication(old)) == fmt.Sprintf("%+v", a) && string(old.ActorPolicy) == string(a.ActorPolicy)
}

// dropUndeclared deletes the config file's records of an earlier start
// that keep does not hold.
func (r *Registry) dropUndeclared(ctx context.Context, keep map[string]bool) error {
	apps, err := r.store.ListApplications(ctx)
	if err != nil {
		return err
	}
	for _, a := range apps {
		if a.Source == SourceConfig && !keep[a.ARN] {
			if err := r.DeleteApplication(ctx, a.ARN); err != nil && sso.CodeOf(err) != sso.CodeResourceNotFound {
				return err
			}
		}
	}
	issuers, err := r.store.ListTrustedTokenIssuers(ctx)
	if err != nil {
		return err
	}
	for _, t := range issuers {
		if t.Source == SourceConfig && !keep[t.ARN] {
			// An issuer an API-made application still trusts stays.
			if err := r.DeleteIssuer(ctx, t.ARN); err != nil && sso.CodeOf(err) != sso.CodeConflict && sso.CodeOf(err) != sso.CodeResourceNotFound {
				return err
			}
		}
	}
	return nil
}

func clip(s string) string {
	if len(s) > 128 {
		return s[:128] + "..."
	}
	return s
}

// randomHex returns n random bytes as 2n lower-case hex digits.
func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
