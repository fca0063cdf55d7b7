package identitystore

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/ssooidc/ssooidc/internal/awsjson"
)

// The model's constraints (identitystore-2020-06-15 service-2.json). Each
// pattern is anchored: the model's patterns must match the whole value.
var (
	resourceIDPattern = regexp.MustCompile(`^([0-9a-f]{10}-|)[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}$`)
	// UserName, ExternalIdIssuer, ExternalIdIdentifier.
	namePattern = regexp.MustCompile(`^[\p{L}\p{M}\p{S}\p{N}\p{P}]+$`)
	// SensitiveStringType.
	sensitivePattern = regexp.MustCompile(`^[\p{L}\p{M}\p{S}\p{N}\p{P}\t\n\r \x{00A0}\x{3000}]+$`)
	// GroupDisplayName.
	groupNamePattern     = regexp.MustCompile(`^[\p{L}\p{M}\p{S}\p{N}\p{P}\t\n\r \x{00A0}]+$`)
	attributePathPattern = regexp.MustCompile(`^(\p{L}+:\p{L}+:\p{L}+(\.\p{L}+){0,3}|\p{L}+(\.\p{L}+){0,2})$`)
	nextTokenPattern     = regexp.MustCompile(`^[-a-zA-Z0-9+=/:_]*$`)
	extensionNamePattern = regexp.MustCompile(`^aws:identitystore:[a-z]{1,20}$`)
)

// checker collects the constraint violations of one request, as AWS's
// front end reports them: "2 validation errors detected: Value at
// 'userName' failed to satisfy constraint: ...; ...". Values are never
// repeated: most members are sensitive.
type checker struct {
	problems []string
}

func (c *checker) add(member, constraint string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf("Value at '%s' failed to satisfy constraint: Member must %s",
		member, fmt.Sprintf(constraint, args...)))
}

// err is the ValidationException of the violations, or nil.
func (c *checker) err() error {
	switch n := len(c.problems); n {
	case 0:
		return nil
	case 1:
		return awsjson.Errorf(awsjson.Validation, "1 validation error detected: %s", c.problems[0])
	default:
		return awsjson.Errorf(awsjson.Validation, "%d validation errors detected: %s", n, strings.Join(c.problems, "; "))
	}
}

// required checks a required string member.
func (c *checker) required(member, v string) bool {
	if v == "" {
		c.add(member, "not be null")
		return false
	}
	return true
}

// text checks an optional string member against its length and pattern.
func (c *checker) text(member, v string, maxLen int, re *regexp.Regexp) {
	if v == "" {
		return
	}
	if !utf8.ValidString(v) || utf8.RuneCountInString(v) > maxLen {
		c.add(member, "have length less than or equal to %d", maxLen)
		return
	}
	if !re.MatchString(v) {
		c.add(member, "satisfy regular expression pattern: %s", strings.Trim(re.String(), "^$"))
	}
}

func (c *checker) storeID(v string) {
	if !c.required("identityStoreId", v) {
		return
	}
	if len(v) > 36 && !storeARN.MatchString(v) || len(v) <= 36 && !idPattern.MatchString(v) {
		c.add("identityStoreId", "satisfy regular expression pattern: d-[0-9a-f]{10}$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
	}
}

func (c *checker) resourceID(member, v string) {
	if c.required(member, v) {
		c.text(member, v, 47, resourceIDPattern)
	}
}

func (c *checker) sensitive(member, v string) { c.text(member, v, 1024, sensitivePattern) }

func (c *checker) listLen(member string, n, lo, hi int) {
	switch {
	case n < lo:
		c.add(member, "have length greater than or equal to %d", lo)
	case n > hi:
		c.add(member, "have length less than or equal to %d", hi)
	}
}

// page checks MaxResults (1 to 100) and NextToken.
func (c *checker) page(maxResults *int, next *string) {
	if maxResults != nil && (*maxResults < 1 || *maxResults > 100) {
		c.add("maxResults", "have value between 1 and 100")
	}
	if next != nil {
		if len(*next) < 1 || len(*next) > 65535 {
			c.add("nextToken", "have length between 1 and 65535")
		} else if !nextTokenPattern.MatchString(*next) {
			c.add("nextToken", "satisfy regular expression pattern: [-a-zA-Z0-9+=/:_]*")
		}
	}
}

// extensionNames checks the Extensions member of DescribeUser and ListUsers.
func (c *checker) extensionNames(names []string, given bool) {
	if !given {
		return
	}
	c.listLen("extensions", len(names), 1, 10)
	for i, n := range names {
		member := fmt.Sprintf("extensions.%d.member", i+1)
		if c.required(member, n) {
			c.text(member, n, 50, extensionNamePattern)
		}
	}
}
