package sigv4

import (
	"strings"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// Algorithm is the only signing algorithm accepted.
const Algorithm = "AWS4-HMAC-SHA256"

// terminator ends every credential scope.
const terminator = "aws4_request"

// Limits on what an Authorization header may carry, so a hostile header
// costs nothing to reject.
const (
	maxAuthorizationLen = 4096
	maxSignedHeaders    = 64
)

// Authorization is a parsed SigV4 Authorization header:
//
//	AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sso-oauth/aws4_request,
//	    SignedHeaders=content-type;host;x-amz-date, Signature=<64 hex>
type Authorization struct {
	AccessKeyID   string
	Date          string // YYYYMMDD of the credential scope
	Region        string
	Service       string
	Terminator    string
	SignedHeaders []string // lowercase, sorted, unique
	Signature     string   // lowercase hex, as sent
}

// Scope returns the credential scope: date/region/service/aws4_request.
func (a Authorization) Scope() string {
	return a.Date + "/" + a.Region + "/" + a.Service + "/" + a.Terminator
}

// ParseAuthorization parses a SigV4 Authorization header value. A header
// that is not SigV4, or lacks a part, is IncompleteSignature (what AWS
// front ends answer); an empty one is MissingAuthenticationToken.
func ParseAuthorization(h string) (Authorization, error) {
	var a Authorization
	if strings.TrimSpace(h) == "" {
		return a, missingToken()
	}
	if len(h) > maxAuthorizationLen {
		return a, incomplete("The Authorization header is too long.")
	}
	alg, rest, ok := strings.Cut(strings.TrimLeft(h, " "), " ")
	if !ok || alg != Algorithm {
		// AWS names the algorithm it saw; we do not echo client input.
		return a, incomplete("Unsupported AWS 'algorithm': only " + Algorithm + " is accepted.")
	}
	var cred, signed, sig string
	var haveCred, haveSigned, haveSig bool
	for part := range strings.SplitSeq(rest, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return a, incomplete("Authorization header parameters must be Name=Value pairs separated by commas.")
		}
		var dst *string
		var have *bool
		switch k {
		case "Credential":
			dst, have = &cred, &haveCred
		case "SignedHeaders":
			dst, have = &signed, &haveSigned
		case "Signature":
			dst, have = &sig, &haveSig
		default:
			return a, incomplete("Authorization header has an unknown parameter.")
		}
		if *have {
			return a, incomplete("Authorization header has the '" + k + "' parameter more than once.")
		}
		*dst, *have = v, true
	}
	var missing []string
	if !haveCred {
		missing = append(missing, "Authorization header requires 'Credential' parameter.")
	}
	if !haveSig {
		missing = append(missing, "Authorization header requires 'Signature' parameter.")
	}
	if !haveSigned {
		missing = append(missing, "Authorization header requires 'SignedHeaders' parameter.")
	}
	if len(missing) > 0 {
		return a, incomplete(strings.Join(missing, " "))
	}

	// Credential=AKID/date/region/service/aws4_request. The access key id
	// itself has no '/'.
	parts := strings.Split(cred, "/")
	if len(parts) != 5 || parts[0] == "" {
		return a, incomplete("Credential must have the form AccessKeyId/YYYYMMDD/region/service/aws4_request.")
	}
	a.AccessKeyID, a.Date, a.Region, a.Service, a.Terminator = parts[0], parts[1], parts[2], parts[3], parts[4]
	if !isDate(a.Date) {
		return a, incomplete("Credential date must be YYYYMMDD.")
	}
	if a.Region == "" || a.Service == "" {
		return a, incomplete("Credential must name a region and a service.")
	}

	if signed == "" {
		return a, incomplete("SignedHeaders must not be empty.")
	}
	a.SignedHeaders = strings.Split(signed, ";")
	if len(a.SignedHeaders) > maxSignedHeaders {
		return a, incomplete("SignedHeaders names too many headers.")
	}
	for i, name := range a.SignedHeaders {
		if !isHeaderName(name) {
			return a, incomplete("SignedHeaders must be lowercase header names separated by ';'.")
		}
		if i > 0 && name <= a.SignedHeaders[i-1] {
			return a, incomplete("SignedHeaders must be sorted and must not repeat a name.")
		}
	}

	if !isHex(sig) {
		return a, incomplete("Signature must be lowercase hexadecimal.")
	}
	a.Signature = sig
	return a, nil
}

func isDate(s string) bool {
	if len(s) != 8 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isHeaderName reports whether s is a lowercase HTTP token.
func isHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

func isHex(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// The messages below are those of AWS front ends, so that an operator who
// searches for them finds AWS's documentation.

func missingToken() error {
	return sso.Errorf(sso.CodeMissingAuthenticationToken, "Missing Authentication Token")
}

func incomplete(msg string) error {
	return sso.Errorf(sso.CodeIncompleteSignature, "%s", msg)
}

func invalidSignature(format string, args ...any) error {
	return sso.Errorf(sso.CodeInvalidSignature, format, args...)
}

func unrecognizedClient() error {
	return sso.Errorf(sso.CodeUnrecognizedClient, "The security token included in the request is invalid.")
}

const mismatchMessage = "The request signature we calculated does not match the signature you provided. " +
	"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
