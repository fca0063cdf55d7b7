package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// DefaultMaxSkew is how far the request's date may be from the server's
// clock, either way. AWS front ends allow 5 minutes for most services.
const DefaultMaxSkew = 5 * time.Minute

// amzDateFormat is the ISO 8601 basic format of X-Amz-Date.
const amzDateFormat = "20060102T150405Z"

// Principal is an IAM principal that may call: its credentials and who it
// is. A principal with a SessionToken holds temporary credentials: its
// requests must carry that token in X-Amz-Security-Token, and requests
// of a principal without one must carry none.
type Principal struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	Account         string // 12 digits
	ARN             string // e.g. arn:aws:iam::123456789012:role/app
	// Allow lists the actions the principal may call, as IAM action
	// patterns ("identitystore:*", "sso:List*",
	// "sso-oauth:CreateTokenWithIAM"); nil means CreateTokenWithIAM only
	// (see internal/policy).
	Allow []string
}

// Options configure a Verifier.
type Options struct {
	// Service is the signing name requests must be scoped to ("sso-oauth").
	Service string
	// Region is the region this server answers for.
	Region string
	// Endpoint is the URL a caller that signed for another region is told
	// to use (InvalidRequestRegionException's endpoint member).
	Endpoint string
	// Principals are the callers.
	Principals []Principal
	// MaxSkew is DefaultMaxSkew when zero.
	MaxSkew time.Duration
	// Now is time.Now when nil.
	Now func() time.Time
}

// Verifier checks the SigV4 signature of requests. It is safe for
// concurrent use.
type Verifier struct {
	opts Options
	keys map[string]Principal

	// signingKeys caches the key each principal derives for a day in
	// this region and service (four HMACs of every request otherwise):
	// two days at most are within the clock skew, so it holds about two
	// entries per principal; a scope of another region is not cached.
	mu          sync.Mutex
	signingKeys map[signingScope][]byte
}

type signingScope struct{ accessKeyID, date string }

// New returns a Verifier, or an error if a principal is incomplete or two
// share an access key id.
func New(opts Options) (*Verifier, error) {
	if opts.Service == "" || opts.Region == "" {
		return nil, errors.New("sigv4: service and region are required")
	}
	if opts.MaxSkew <= 0 {
		opts.MaxSkew = DefaultMaxSkew
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	keys := make(map[string]Principal, len(opts.Principals))
	for i, p := range opts.Principals {
		switch {
		case p.AccessKeyID == "" || strings.ContainsAny(p.AccessKeyID, "/ ,="):
			return nil, fmt.Errorf("sigv4: principal %d: access key id is empty or has '/', ' ', ',' or '='", i)
		case p.SecretAccessKey == "":
			return nil, fmt.Errorf("sigv4: principal %s: secret access key is required", p.AccessKeyID)
		case p.ARN == "":
			return nil, fmt.Errorf("sigv4: principal %s: ARN is required", p.AccessKeyID)
		case !sso.ValidAccountID(p.Account):
			return nil, fmt.Errorf("sigv4: principal %s: account must be 12 digits", p.AccessKeyID)
		}
		if _, dup := keys[p.AccessKeyID]; dup {
			return nil, fmt.Errorf("sigv4: access key id %s is configured twice", p.AccessKeyID)
		}
		keys[p.AccessKeyID] = p
	}
	return &Verifier{opts: opts, keys: keys}, nil
}

// RegionError is the cause of an InvalidRequestRegion error: the request
// was signed for another region. It names the region and endpoint the
// caller should use.
type RegionError struct {
	Endpoint string
	Region   string
}

func (e *RegionError) Error() string {
	return "signed for another region; this endpoint serves " + e.Region
}

// RequestRegion returns the endpoint and region the caller should use.
func (e *RegionError) RequestRegion() (endpoint, region string) { return e.Endpoint, e.Region }

// Verify checks the signature of r, whose whole body is body, and returns
// the principal that signed it. The checks run in this order, each fault
// with its own AWS front-end error:
//
//  1. an Authorization header: MissingAuthenticationToken
//  2. its syntax, a request date, the headers that must be signed (Host,
//     the date, a session token): IncompleteSignature
//  3. the credential scope's service and terminator, its date against the
//     request's, the clock skew, the payload hash: InvalidSignature
//  4. the access key id and session token: UnrecognizedClient
//  5. the signature itself, compared in constant time: InvalidSignature
//  6. the region of the scope: InvalidRequestRegion. It comes last so
//     that only a correctly signed request learns our region.
func (v *Verifier) Verify(r *http.Request, body []byte) (Principal, error) {
	hs := r.Header.Values("Authorization")
	if len(hs) == 0 {
		if r.URL.Query().Has("X-Amz-Signature") {
			return Principal{}, incomplete("Presigned requests are not supported; sign the Authorization header.")
		}
		return Principal{}, missingToken()
	}
	if len(hs) > 1 {
		return Principal{}, incomplete("The request has more than one Authorization header.")
	}
	a, err := ParseAuthorization(hs[0])
	if err != nil {
		return Principal{}, err
	}
	// The request time: X-Amz-Date, else Date (RFC 7231). Its header, Host
	// and a session token must be signed.
	amzDate, dateHeader, err := requestTime(r)
	if err != nil {
		return Principal{}, err
	}
	token := r.Header.Values("X-Amz-Security-Token")
	for _, h := range []string{"host", dateHeader, "x-amz-security-token"} {
		if h == "x-amz-security-token" && len(token) == 0 {
			continue
		}
		if !contains(a.SignedHeaders, h) {
			return Principal{}, incomplete("'" + h + "' must be a 'SignedHeader' in the AWS Authorization.")
		}
	}
	if a.Service != v.opts.Service {
		return Principal{}, invalidSignature("Credential should be scoped to correct service: '%s'.", v.opts.Service)
	}
	if a.Terminator != terminator {
		return Principal{}, invalidSignature("Credential should be scoped with a valid terminator: '%s'.", terminator)
	}
	stamp := amzDate.Format(amzDateFormat)
	if a.Date != stamp[:8] {
		return Principal{}, invalidSignature("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.",
			a.Date, stamp[:8], stamp)
	}
	now := v.opts.Now().UTC()
	skew := v.opts.MaxSkew
	if amzDate.Before(now.Add(-skew)) {
		return Principal{}, invalidSignature("Signature expired: %s is now earlier than %s (%s - %s.)",
			stamp, now.Add(-skew).Format(amzDateFormat), now.Format(amzDateFormat), minutes(skew))
	}
	if amzDate.After(now.Add(skew)) {
		return Principal{}, invalidSignature("Signature not yet current: %s is still later than %s (%s + %s.)",
			stamp, now.Add(skew).Format(amzDateFormat), now.Format(amzDateFormat), minutes(skew))
	}

	// The payload is always signed: the hash is ours, and a client's
	// X-Amz-Content-Sha256 (S3 style) must agree with it.
	sum := sha256.Sum256(body)
	payloadHash := hex.EncodeToString(sum[:])
	if h := r.Header.Get("X-Amz-Content-Sha256"); h != "" && h != payloadHash {
		return Principal{}, invalidSignature("The provided 'x-amz-content-sha256' header does not match what was computed.")
	}

	p, ok := v.keys[a.AccessKeyID]
	if !ok {
		return Principal{}, unrecognizedClient()
	}
	if len(token) > 1 || !sameToken(token, p.SessionToken) {
		return Principal{}, unrecognizedClient()
	}

	creq, err := CanonicalRequest(r, a.SignedHeaders, payloadHash)
	if err != nil {
		return Principal{}, err
	}
	want := signature(v.signingKey(p, a), a, stamp, creq)
	if subtle.ConstantTimeCompare([]byte(want), []byte(a.Signature)) != 1 {
		return Principal{}, invalidSignature("%s", mismatchMessage)
	}

	if a.Region != v.opts.Region {
		return Principal{}, &sso.Error{Code: sso.CodeInvalidRequestRegion,
			Message: "The request was signed for region '" + printable(a.Region) + "'; this endpoint serves '" + v.opts.Region + "'.",
			Err:     &RegionError{Endpoint: v.opts.Endpoint, Region: v.opts.Region}}
	}
	return p, nil
}

// sameToken compares the presented session token with the principal's in
// constant time; none presented matches none configured.
func sameToken(presented []string, want string) bool {
	got := ""
	if len(presented) == 1 {
		got = presented[0]
	}
	if (got == "") != (want == "") {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// requestTime returns the time the request was signed at and the name of
// the header that carries it.
func requestTime(r *http.Request) (time.Time, string, error) {
	if vs := r.Header.Values("X-Amz-Date"); len(vs) > 0 {
		if len(vs) > 1 {
			return time.Time{}, "", incomplete("The request has more than one X-Amz-Date header.")
		}
		t, err := time.Parse(amzDateFormat, vs[0])
		if err != nil {
			return time.Time{}, "", incomplete("X-Amz-Date must have the form YYYYMMDD'T'HHMMSS'Z'.")
		}
		return t, "x-amz-date", nil
	}
	if d := r.Header.Get("Date"); d != "" {
		t, err := http.ParseTime(d)
		if err != nil {
			return time.Time{}, "", incomplete("The Date header is not an HTTP date.")
		}
		return t.UTC(), "date", nil
	}
	return time.Time{}, "", incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
}

// Signature returns the hex signature of a canonical request made at stamp
// (X-Amz-Date form) under a's scope with secret.
func Signature(secret string, a Authorization, stamp, canonicalRequest string) string {
	return signature(SigningKey(secret, a), a, stamp, canonicalRequest)
}

// SigningKey derives the key that signs requests under a's scope.
func SigningKey(secret string, a Authorization) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), a.Date)
	k = hmacSHA256(k, a.Region)
	k = hmacSHA256(k, a.Service)
	return hmacSHA256(k, a.Terminator)
}

func signature(key []byte, a Authorization, stamp, canonicalRequest string) string {
	h := sha256.Sum256([]byte(canonicalRequest))
	sts := Algorithm + "\n" + stamp + "\n" + a.Scope() + "\n" + hex.EncodeToString(h[:])
	return hex.EncodeToString(hmacSHA256(key, sts))
}

// maxSigningKeys bounds the cache of derived keys.
const maxSigningKeys = 256

// signingKey is SigningKey, cached for scopes of this verifier's region
// and service (the only ones a valid signature can have; the service and
// terminator are checked before).
func (v *Verifier) signingKey(p Principal, a Authorization) []byte {
	if a.Region != v.opts.Region || a.Service != v.opts.Service || a.Terminator != terminator {
		return SigningKey(p.SecretAccessKey, a)
	}
	sc := signingScope{p.AccessKeyID, a.Date}
	v.mu.Lock()
	k, ok := v.signingKeys[sc]
	v.mu.Unlock()
	if ok {
		return k
	}
	k = SigningKey(p.SecretAccessKey, a)
	v.mu.Lock()
	if v.signingKeys == nil || len(v.signingKeys) >= maxSigningKeys {
		v.signingKeys = make(map[signingScope][]byte)
	}
	v.signingKeys[sc] = k
	v.mu.Unlock()
	return k
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// CanonicalRequest rebuilds the canonical request of r with the signed
// headers and payload hash:
//
//	METHOD \n URI \n QUERY \n name:value \n ... \n \n signed;headers \n payload-hash
func CanonicalRequest(r *http.Request, signed []string, payloadHash string) (string, error) {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(canonicalURI(r.URL.EscapedPath()))
	b.WriteByte('\n')
	q, err := canonicalQuery(r.URL.RawQuery)
	if err != nil {
		return "", err
	}
	b.WriteString(q)
	b.WriteByte('\n')
	for _, name := range signed {
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(headerValue(r, name))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(signed, ";"))
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String(), nil
}

// canonicalURI encodes the (already escaped) path once more, as every SDK
// does for services other than S3: each byte but the unreserved ones and
// '/' becomes %XX.
func canonicalURI(escaped string) string {
	if escaped == "" {
		return "/"
	}
	return encode(escaped, true)
}

// canonicalQuery sorts the decoded parameters by name, then value, and
// encodes both strictly (RFC 3986 unreserved characters only, space as
// %20). A parameter without '=' has an empty value ("?aws_iam" signs as
// "aws_iam=").
func canonicalQuery(raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	type kv struct{ k, v string }
	var params []kv
	for p := range strings.SplitSeq(raw, "&") {
		if p == "" {
			continue
		}
		k, v, _ := strings.Cut(p, "=")
		dk, err1 := unescape(k)
		dv, err2 := unescape(v)
		if err1 != nil || err2 != nil {
			return "", incomplete("The query string is not correctly percent-encoded.")
		}
		params = append(params, kv{encode(dk, false), encode(dv, false)})
	}
	sort.Slice(params, func(i, j int) bool {
		if params[i].k != params[j].k {
			return params[i].k < params[j].k
		}
		return params[i].v < params[j].v
	})
	var b strings.Builder
	for i, p := range params {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String(), nil
}

// unescape decodes a query component as clients parse it ('+' is a space).
func unescape(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '+':
			b.WriteByte(' ')
		case '%':
			if i+2 >= len(s) || !isHexDigit(s[i+1]) || !isHexDigit(s[i+2]) {
				return "", errors.New("bad escape")
			}
			n, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			b.WriteByte(byte(n))
			i += 2
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// encode percent-encodes every byte but the RFC 3986 unreserved ones (and
// '/' when keepSlash), with uppercase hex.
func encode(s string, keepSlash bool) string {
	const hexUpper = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' || keepSlash && c == '/' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexUpper[c>>4])
		b.WriteByte(hexUpper[c&15])
	}
	return b.String()
}

// headerValue is the canonical value of a signed header: its values joined
// with ',', each trimmed with inner runs of spaces collapsed. Go's server
// keeps Host and Transfer-Encoding outside r.Header.
func headerValue(r *http.Request, name string) string {
	var vs []string
	switch name {
	case "host":
		h := r.Host
		if h == "" {
			h = r.URL.Host
		}
		vs = []string{h}
	case "content-length":
		vs = r.Header.Values("Content-Length")
		if len(vs) == 0 && r.ContentLength >= 0 {
			vs = []string{strconv.FormatInt(r.ContentLength, 10)}
		}
	case "transfer-encoding":
		vs = []string{strings.Join(r.TransferEncoding, ",")}
	default:
		vs = r.Header.Values(name)
	}
	out := make([]string, len(vs)) // vs may be r.Header's own slice
	for i, v := range vs {
		out[i] = strings.Join(strings.Fields(v), " ")
	}
	return strings.Join(out, ",")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func minutes(d time.Duration) string {
	return strconv.Itoa(int(d/time.Minute)) + " min"
}

// printable returns s cut to 64 bytes with anything but printable ASCII
// replaced, for echoing a client's value in a message.
func printable(s string) string {
	if len(s) > 64 {
		s = s[:64]
	}
	b := []byte(s)
	for i, c := range b {
		if c < 0x20 || c > 0x7e || c == '\'' {
			b[i] = '?'
		}
	}
	return string(b)
}
