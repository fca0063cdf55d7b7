package iamtoken

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/wire"
)

// DefaultScopes are the scopes every application has besides its own
// (WIRE.md 2.4: "including the default scopes openid, aws,
// sts:identity_context").
var DefaultScopes = []string{"openid", "aws", "sts:identity_context"}

// Scope names with a meaning here.
const (
	ScopeOpenID          = "openid"
	ScopeIdentityContext = "sts:identity_context"
)

// The one application provider served: customer managed OAuth
// applications (Identity Center's "custom" provider).
const CustomProviderARN = "arn:aws:sso::aws:applicationProvider/custom"

// Identity store attributes a trusted token issuer's claim may match.
const (
	AttrUserName = "userName"
	AttrEmail    = "emails.value"
)

var arnPattern = regexp.MustCompile(`^arn:aws(-[a-z]+)*:sso::([0-9]{12}):application/((sso)?ins-[0-9A-Za-z.-]{1,64})/apl-[0-9A-Za-z]{1,64}$`)

// app is an application record checked and ready to serve.
type app struct {
	ARN        string
	Name       string
	version    int64
	created    time.Time
	account    string
	instance   string // ssoins-...
	enabled    bool
	scopes     []string
	grants     map[string]bool
	issuers    []sso.AuthorizedIssuer // of the jwt-bearer grant
	principals map[string]bool
	anyone     bool // the actor policy allows every principal ("*")
	// assigned: only people assigned to the application get its tokens.
	assigned bool
	client   sso.Client // as authcode and tokens see it
}

// farFuture is the registration expiry of an application: applications do
// not expire.
var farFuture = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// compile turns a stored application into what the grants use.
func compile(rec sso.Application) (*app, error) {
	m := arnPattern.FindStringSubmatch(rec.ARN)
	if m == nil {
		return nil, fmt.Errorf("application %q: not an application ARN", rec.ARN)
	}
	a := &app{ARN: rec.ARN, Name: rec.Name, version: rec.Version, created: rec.CreatedAt, account: m[2], instance: m[3],
		enabled: rec.Status != sso.Disabled, grants: map[string]bool{}, assigned: rec.AssignmentRequired}
	if a.Name == "" {
		a.Name = rec.ARN
	}
	var grantList, redirects []string
	for _, g := range rec.Grants {
		if !a.grants[g.Type] {
			a.grants[g.Type] = true
			grantList = append(grantList, g.Type)
		}
		redirects = append(redirects, g.RedirectURIs...)
		a.issuers = append(a.issuers, g.Issuers...)
	}
	a.scopes = append([]string(nil), DefaultScopes...)
	for _, s := range rec.Scopes {
		if !sso.ContainsString(a.scopes, s.Scope) {
			a.scopes = append(a.scopes, s.Scope)
		}
	}
	pol, err := ParseActorPolicy(rec.ActorPolicy)
	if err != nil {
		return nil, fmt.Errorf("application %s: %w", rec.ARN, err)
	}
	a.principals, a.anyone = pol.Principals, pol.Anyone
	// What /authorize (package authcode) and the refresh grant (package
	// tokens) see: a client with the application's ARN, scopes, grants and
	// redirect URIs, that never expires.
	a.client = sso.Client{
		ID: rec.ARN, Name: a.Name, Type: "application", Scopes: a.scopes,
		GrantTypes: grantList, RedirectURIs: redirects, ExpiresAt: farFuture,
	}
	return a, nil
}

// allows reports whether the principal (ARN, account) may call for a.
func (a *app) allows(arn, account string) bool {
	return a.anyone || a.principals[arn] || a.principals[account]
}

// ActorPolicy is what an application's IAM authentication method allows:
// which IAM principals may call CreateTokenWithIAM for it.
type ActorPolicy struct {
	// Principals are IAM principal ARNs and 12-digit account IDs (an
	// account's root ARN, arn:aws:iam::ACCOUNT:root, means the account).
	Principals map[string]bool
	// Anyone: a statement allows the principal "*".
	Anyone bool
}

// policyDoc is an IAM policy document, as far as an actor policy needs it.
type policyDoc struct {
	Statement json.RawMessage `json:"Statement"`
}

type statement struct {
	Effect    string          `json:"Effect"`
	Principal json.RawMessage `json:"Principal"`
	Action    json.RawMessage `json:"Action"`
}

// ParseActorPolicy reads the principals an actor policy allows to call
// sso-oauth:CreateTokenWithIAM: those named in a Principal's AWS element of
// an Allow statement whose Action matches it ("sso-oauth:CreateTokenWithIAM",
// "sso-oauth:*" or "*"), less those of Deny statements. Conditions and
// resources are not evaluated: ssooidc stores the policy exactly and reads
// only who it names. An empty document allows no one.
func ParseActorPolicy(doc []byte) (ActorPolicy, error) {
	out := ActorPolicy{Principals: map[string]bool{}}
	if len(doc) == 0 {
		return out, nil
	}
	var d policyDoc
	if err := json.Unmarshal(doc, &d); err != nil {
		return out, fmt.Errorf("the actor policy is not a JSON policy document")
	}
	var stmts []statement
	if err := oneOrMany(d.Statement, &stmts); err != nil {
		return out, fmt.Errorf("the actor policy's Statement is not a statement or a list of them")
	}
	denied := map[string]bool{}
	for _, st := range stmts {
		var actions []string
		if err := oneOrMany(st.Action, &actions); err != nil {
			return out, fmt.Errorf("an actor policy statement's Action is not a string or a list of them")
		}
		if !matchesCreateToken(actions) {
			continue
		}
		who, anyone, err := principals(st.Principal)
		if err != nil {
			return out, err
		}
		switch st.Effect {
		case "Allow":
			out.Anyone = out.Anyone || anyone
			for _, p := range who {
				out.Principals[p] = true
			}
		case "Deny":
			for _, p := range who {
				denied[p] = true
			}
		default:
			return out, fmt.Errorf("an actor policy statement's Effect is %q, not Allow or Deny", st.Effect)
		}
	}
	for p := range denied {
		delete(out.Principals, p)
	}
	return out, nil
}

func matchesCreateToken(actions []string) bool {
	for _, a := range actions {
		switch strings.ToLower(a) {
		case "*", "sso-oauth:*", "sso-oauth:createtokenwithiam":
			return true
		}
	}
	return false
}

// principals reads a statement's Principal: "*", or {"AWS": one or many}.
func principals(raw json.RawMessage) ([]string, bool, error) {
	var star string
	if json.Unmarshal(raw, &star) == nil {
		return nil, star == "*", nil
	}
	var p struct {
		AWS json.RawMessage `json:"AWS"`
	}
	if err := json.Unmarshal(raw, &p); err != nil || len(p.AWS) == 0 {
		return nil, false, fmt.Errorf(`an actor policy statement's Principal is not "*" or {"AWS": ...}`)
	}
	var names []string
	if err := oneOrMany(p.AWS, &names); err != nil {
		return nil, false, fmt.Errorf("an actor policy statement's Principal AWS is not a string or a list of them")
	}
	var out []string
	anyone := false
	for _, n := range names {
		switch {
		case n == "*":
			anyone = true
		case sso.ValidAccountID(n):
			out = append(out, n)
		case strings.HasPrefix(n, "arn:") && strings.HasSuffix(n, ":root"):
			if acct := arnAccount(n); acct != "" {
				out = append(out, acct)
			}
		case strings.HasPrefix(n, "arn:"):
			out = append(out, n)
		default:
			return nil, false, fmt.Errorf("the actor policy names the principal %q, which is neither an ARN nor an account ID", n)
		}
	}
	return out, anyone, nil
}

// oneOrMany reads a JSON string or object, or a list of them, into *out.
func oneOrMany[T any](raw json.RawMessage, out *[]T) error {
	if len(raw) == 0 {
		return nil
	}
	var one T
	if err := json.Unmarshal(raw, &one); err == nil {
		*out = []T{one}
		return nil
	}
	return json.Unmarshal(raw, out)
}

// arnAccount returns the account field of an ARN, or "".
func arnAccount(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || !sso.ValidAccountID(parts[4]) {
		return ""
	}
	return parts[4]
}

// ActorPolicyFor returns the actor policy that allows exactly principals
// (ARNs and account IDs) to call CreateTokenWithIAM.
func ActorPolicyFor(principals []string) json.RawMessage {
	aws := make([]string, 0, len(principals))
	aws = append(aws, principals...)
	b, _ := json.Marshal(map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{"Effect": "Allow", "Principal": map[string]any{"AWS": aws},
			"Action": "sso-oauth:CreateTokenWithIAM", "Resource": "*"}},
	})
	return b
}

// downscope returns the scopes of a token: requested, each of which must be
// in granted, or granted when nothing is requested.
func downscope(granted, requested []string) ([]string, error) {
	if len(requested) == 0 {
		return granted, nil
	}
	var out []string
	for _, s := range requested {
		if !sso.ContainsString(granted, s) {
			return nil, sso.Errorf(sso.CodeInvalidScope, "the scope %q is not granted to this application or token", truncate(s))
		}
		if !sso.ContainsString(out, s) {
			out = append(out, s)
		}
	}
	return out, nil
}

func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// grantNames maps the spellings accepted in configuration to the wire
// grant types.
var grantNames = map[string]string{
	wire.GrantAuthorizationCode: wire.GrantAuthorizationCode,
	wire.GrantRefreshToken:      wire.GrantRefreshToken,
	wire.GrantJWTBearer:         wire.GrantJWTBearer,
	"jwt-bearer":                wire.GrantJWTBearer,
	"jwt_bearer":                wire.GrantJWTBearer,
	wire.GrantTokenExchange:     wire.GrantTokenExchange,
	"token-exchange":            wire.GrantTokenExchange,
	"token_exchange":            wire.GrantTokenExchange,
}
