package identitystore

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"

	"github.com/ssooidc/ssooidc/internal/awsjson"
)

// Page sizes: MaxResults is 1 to 100 (the model); without it a page has
// 100 results.
const defaultPage = 100

// A NextToken is opaque to clients: base64url of the version, the
// operation, a digest of what the listing selects (its filter, group or
// member) and the last ID returned. A token is accepted only by the
// listing it came from; anything else is a ValidationException.
const tokenVersion = "1"

func scopeOf(scope string) string {
	h := sha256.Sum256([]byte(scope))
	return hex.EncodeToString(h[:6])
}

// nextToken is the token that continues listing op (of scope) after the
// ID after.
func nextToken(op, scope, after string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(tokenVersion + "|" + op + "|" + scopeOf(scope) + "|" + after))
}

// afterToken returns the ID a NextToken continues after ("" for none).
func afterToken(op, scope string, tok *string) (string, error) {
	if tok == nil {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(*tok)
	parts := strings.Split(string(b), "|")
	if err != nil || len(parts) != 4 || parts[0] != tokenVersion || !resourceIDPattern.MatchString(parts[3]) {
		return "", awsjson.Errorf(awsjson.Validation, "The NextToken is not valid.")
	}
	if parts[1] != op || parts[2] != scopeOf(scope) {
		return "", awsjson.Errorf(awsjson.Validation, "The NextToken belongs to another listing.")
	}
	return parts[3], nil
}

// pageSize is MaxResults or the default.
func pageSize(max *int) int {
	if max == nil {
		return defaultPage
	}
	return *max
}

// pageOf cuts a listing read with one record more than size: the page,
// and the token for the rest (nil at the end).
func pageOf[T any](items []T, size int, op, scope string, id func(T) string) ([]T, *string) {
	if len(items) <= size {
		return items, nil
	}
	items = items[:size]
	tok := nextToken(op, scope, id(items[size-1]))
	return items, &tok
}
