// Package policy is the one place that decides whether an IAM principal
// may call an action of the AWS APIs the server speaks (Identity Store,
// SSO Admin, CreateTokenWithIAM). Every adapter asks it; no handler
// compares ARNs itself.
package policy

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/ssooidc/ssooidc/internal/sigv4"
)

// DefaultAllow is what a principal configured without an allow list may
// call: CreateTokenWithIAM, for the applications that name it, as before
// allow lists existed.
var DefaultAllow = []string{"sso-oauth:CreateTokenWithIAM"}

// actionPattern is what an allow entry may be: service:action with the
// wildcards * and ?, as IAM writes them.
var actionPattern = regexp.MustCompile(`^(\*|[a-z0-9-]+:[A-Za-z0-9*?]+)$`)

// Policy maps principals (by ARN) to the actions they may call.
type Policy struct {
	allow map[string][]*regexp.Regexp
}

// New builds the policy of principals, refusing an entry that is not an
// action pattern.
func New(principals []sigv4.Principal) (*Policy, error) {
	p := &Policy{allow: make(map[string][]*regexp.Regexp, len(principals))}
	for _, pr := range principals {
		list := pr.Allow
		if list == nil {
			list = DefaultAllow
		}
		var res []*regexp.Regexp
		for _, a := range list {
			if !actionPattern.MatchString(a) {
				return nil, fmt.Errorf("principal %s: allow entry %q is not an action pattern such as identitystore:* or sso:List*", pr.ARN, a)
			}
			res = append(res, compile(a))
		}
		p.allow[pr.ARN] = append(p.allow[pr.ARN], res...)
	}
	return p, nil
}

// compile turns an IAM action pattern into an anchored, case-insensitive
// regular expression: IAM compares actions without regard to case.
func compile(pattern string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("(?i)^")
	for _, r := range pattern {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// Allowed reports whether the principal with arn may call action
// ("identitystore:CreateUser"). An unknown principal may call nothing.
func (p *Policy) Allowed(arn, action string) bool {
	if p == nil {
		return false
	}
	for _, re := range p.allow[arn] {
		if re.MatchString(action) {
			return true
		}
	}
	return false
}
