package ssoadmin

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"unicode/utf8"

	"github.com/ssooidc/ssooidc/internal/awsjson"
)

// The model's constraints on the members operations take (botocore's
// sso-admin 2020-07-20 service-2.json), anchored: the model's patterns
// match a whole member.
var (
	reInstanceARN      = regexp.MustCompile(`^arn:aws(-[a-z]{1,5}){0,3}:sso:::instance/(sso)?ins-[a-zA-Z0-9-.]{16}$`)
	rePermissionSetARN = regexp.MustCompile(`^arn:aws(-[a-z]{1,5}){0,3}:sso:::permissionSet/((sso)?ins-[a-zA-Z0-9-.]{16})/(ps-[a-zA-Z0-9-./]{16})$`)
	reApplicationARN   = regexp.MustCompile(`^arn:aws(-[a-z]{1,5}){0,3}:sso::\d{12}:application/(sso)?ins-[a-zA-Z0-9-.]{16}/apl-[a-zA-Z0-9]{16}$`)
	reIssuerARN        = regexp.MustCompile(`^arn:aws(-[a-z]{1,5}){0,3}:sso::\d{12}:trustedTokenIssuer/(sso)?ins-[a-zA-Z0-9-.]{16}/tti-[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$`)
	reProviderARN      = regexp.MustCompile(`^arn:aws(-[a-z]{1,5}){0,3}:sso::aws:applicationProvider/[a-zA-Z0-9-/]+$`)
	reTaggableARN      = regexp.MustCompile(`^arn:aws(-[a-z]{1,5}){0,3}:sso::((:instance/(sso)?ins-[a-zA-Z0-9-.]{16})|(:permissionSet/(sso)?ins-[a-zA-Z0-9-.]{16}/ps-[a-zA-Z0-9-./]{16})|(\d{12}:application/(sso)?ins-[a-zA-Z0-9-.]{16}/apl-[a-zA-Z0-9]{16})|(\d{12}:trustedTokenIssuer/(sso)?ins-[a-zA-Z0-9-.]{16}/tti-[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}))$`)
	reManagedPolicyARN = regexp.MustCompile(`^arn:aws(-[a-z]{1,5}){0,3}:iam::aws:policy((/[A-Za-z0-9\.,\+@=_-]+)*)/([A-Za-z0-9\.,\+=@_-]+)$`)
	rePermissionSet    = regexp.MustCompile(`^[\w+=,.@-]+$`)
	reDescription      = regexp.MustCompile(`^[\x{0009}\x{000A}\x{000D}\x{0020}-\x{007E}\x{00A1}-\x{00FF}]*$`)
	reRelayState       = regexp.MustCompile(`^[a-zA-Z0-9&$@#\\\/%?=~\-_'"|!:,.;*+\[\]\ \(\)\{\}]+$`)
	reTagKey           = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
	reAccountID        = regexp.MustCompile(`^\d{12}$`)
	rePrincipalID      = regexp.MustCompile(`^([0-9a-f]{10}-|)[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}$`)
	reRequestID        = regexp.MustCompile(`^\b[0-9a-f]{8}\b-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-\b[0-9a-f]{12}\b$`)
	rePolicyName       = regexp.MustCompile(`^[\w+=,.@-]+$`)
	rePolicyPath       = regexp.MustCompile(`^((/[A-Za-z0-9\.,\+@=_-]+)*)/$`)
	rePolicyDocument   = regexp.MustCompile(`^[\x{0009}\x{000A}\x{000D}\x{0020}-\x{00FF}]+$`)
	reToken            = regexp.MustCompile(`^[-a-zA-Z0-9+=/_]*$`)
	reScope            = regexp.MustCompile(`^([A-Za-z0-9_]{1,50})(:[A-Za-z0-9_]{1,50}){0,1}(:[A-Za-z0-9_]{1,50}){0,1}$`)
	reScopeTarget      = regexp.MustCompile(`^arn:aws(-[a-z]{1,5}){0,3}:sso::(\d{12}:application/(sso)?ins-[a-zA-Z0-9-.]{16}/apl-[a-zA-Z0-9]{16}|:instance/(sso)?ins-[a-zA-Z0-9-.]{16})$`)
	reApplicationURL   = regexp.MustCompile(`^http(s)?:\/\/[-a-zA-Z0-9+&@#\/%?=~_|!:,.;]*[-a-zA-Z0-9+&bb@#\/%?=~_|]$`)
	reIssuerName       = regexp.MustCompile(`^[\w+=,.@-]+$`)
	reIssuerURL        = regexp.MustCompile(`^https?:\/\/[-a-zA-Z0-9+&@\/%=~_|!:,.;]*[-a-zA-Z0-9+&@\/%=~_|]$`)
	reClaimPath        = regexp.MustCompile(`^\p{L}+(?:(\.|\_)\p{L}+){0,2}$`)
	reAttrPath         = regexp.MustCompile(`^\p{L}+(?:\.\p{L}+){0,2}$`)
	reClientToken      = regexp.MustCompile(`^[!-~]+$`)
)

// field is one member of an input and its constraints.
type field struct {
	name     string // the member name, as AWS's messages spell it
	v        *string
	required bool
	min, max int // in characters; 0 max: no bound
	re       *regexp.Regexp
	enum     []string
}

// check validates fields in order and answers the first violation as AWS
// does: "1 validation error detected: Value ... at 'member' failed to
// satisfy constraint: ...".
func check(fields ...field) error {
	for _, f := range fields {
		if f.v == nil {
			if f.required {
				return invalid(f.name, "null", "Member must not be null")
			}
			continue
		}
		s := *f.v
		n := utf8.RuneCountInString(s)
		switch {
		case !utf8.ValidString(s):
			return invalid(f.name, "", "Member must be valid UTF-8")
		case n < f.min:
			return invalid(f.name, s, fmt.Sprintf("Member must have length greater than or equal to %d", f.min))
		case f.max > 0 && n > f.max:
			return invalid(f.name, s, fmt.Sprintf("Member must have length less than or equal to %d", f.max))
		case f.re != nil && !f.re.MatchString(s):
			return invalid(f.name, s, "Member must satisfy regular expression pattern: "+patternOf(f.re))
		case f.enum != nil && !contains(f.enum, s):
			return invalid(f.name, s, fmt.Sprintf("Member must satisfy enum value set: %v", f.enum))
		}
	}
	return nil
}

// patternOf is the model's pattern of re, without the anchors this
// package adds.
func patternOf(re *regexp.Regexp) string {
	p := re.String()
	if len(p) >= 2 && p[0] == '^' && p[len(p)-1] == '$' {
		p = p[1 : len(p)-1]
	}
	return p
}

// invalid is the ValidationException of one member.
func invalid(member, value, constraint string) error {
	quoted := "null"
	if value != "null" {
		quoted = "'" + clip(value) + "'"
	}
	return awsjson.Errorf(awsjson.Validation, "1 validation error detected: Value %s at '%s' failed to satisfy constraint: %s",
		quoted, lowerFirst(member), constraint)
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]|0x20) + s[1:]
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

func clip(s string) string {
	if len(s) > 128 {
		return s[:128] + "..."
	}
	return s
}

// checkList validates the length of a list member.
func checkList(name string, n, min, max int) error {
	if n < min {
		return invalid(name, fmt.Sprint(n), fmt.Sprintf("Member must have length greater than or equal to %d", min))
	}
	if max > 0 && n > max {
		return invalid(name, fmt.Sprint(n), fmt.Sprintf("Member must have length less than or equal to %d", max))
	}
	return nil
}

// page is the paging of a list operation: NextToken and MaxResults.
type page struct {
	after string // the key of the last item of the previous page
	limit int
}

// DefaultPageSize is what a list operation returns when MaxResults is
// not given; AWS's pages are as long.
const DefaultPageSize = 100

// readPage validates NextToken and MaxResults (1 to max).
func readPage(next *string, maxResults *int, max int) (page, error) {
	p := page{limit: DefaultPageSize}
	if p.limit > max {
		p.limit = max
	}
	if maxResults != nil {
		if *maxResults < 1 || *maxResults > max {
			return page{}, invalid("MaxResults", fmt.Sprint(*maxResults), fmt.Sprintf("Member must have value between 1 and %d", max))
		}
		p.limit = *maxResults
	}
	if next != nil && *next != "" {
		if err := check(field{name: "NextToken", v: next, max: 2048, re: reToken}); err != nil {
			return page{}, err
		}
		b, err := base64.RawURLEncoding.DecodeString(*next)
		if err != nil || len(b) == 0 {
			return page{}, awsjson.Errorf(awsjson.Validation, "The NextToken is not one this server gave.")
		}
		p.after = string(b)
	}
	return p, nil
}

// nextToken is the NextToken of a page that ended at key, when more may
// follow; nil at the end.
func nextToken(full bool, key string) *string {
	if !full {
		return nil
	}
	t := base64.RawURLEncoding.EncodeToString([]byte(key))
	return &t
}

// window cuts the items after p.after (keys sorted, unique) to p.limit
// and returns them with the next token: for listings that are read whole
// (permission sets, applications), which are small.
func window[T any](items []T, key func(T) string, p page) ([]T, *string) {
	start := 0
	if p.after != "" {
		for start < len(items) && key(items[start]) <= p.after {
			start++
		}
	}
	end := start + p.limit
	if end >= len(items) {
		return items[start:], nil
	}
	return items[start:end], nextToken(true, key(items[end-1]))
}

// listOut is a list operation's output: the items under member, and
// NextToken when more may follow.
func listOut(member string, items any, next *string) map[string]any {
	out := map[string]any{member: items}
	if next != nil {
		out["NextToken"] = *next
	}
	return out
}
