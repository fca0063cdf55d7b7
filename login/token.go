package login

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/oauth2"
)

// Refresh windows, botocore's (WIRE.md 6.3): a token with less than
// AdvisoryRefresh left is refreshed if possible, and one with less than
// MandatoryRefresh left must be.
const (
	AdvisoryRefresh  = 15 * time.Minute
	MandatoryRefresh = 10 * time.Minute
	// RegistrationRenewal is how long before its expiry a cached client
	// registration is replaced by a new one, as the AWS CLI does.
	RegistrationRenewal = 15 * time.Minute
)

// Token is an SSO token as the AWS CLI caches it in
// ~/.aws/sso/cache/<sha1>.json (WIRE.md 6.2). Members of the file that it
// does not name are kept and written back.
type Token struct {
	StartURL     string
	Region       string
	AccessToken  string
	ExpiresAt    time.Time
	ClientID     string
	ClientSecret string
	// RegistrationExpiresAt is when ClientID and ClientSecret expire; the
	// token can no longer be refreshed after that.
	RegistrationExpiresAt time.Time
	// RefreshToken is empty for a token that cannot be refreshed.
	RefreshToken string

	// Path is the file the token was read from or written to; not stored.
	Path string

	extra []field
}

var tokenKeys = map[string]bool{
	"startUrl": true, "region": true, "accessToken": true, "expiresAt": true, "clientId": true,
	"clientSecret": true, "registrationExpiresAt": true, "refreshToken": true,
}

// errInvalidToken is a cache file the tools cannot use: every reader
// requires accessToken and expiresAt.
var errInvalidToken = errors.New("the cached token has no accessToken or expiresAt")

// ParseToken reads a token cache file.
func ParseToken(data []byte) (*Token, error) {
	fields, err := decodeObject(data)
	if err != nil {
		return nil, fmt.Errorf("reading cached token: %w", err)
	}
	t := &Token{}
	for _, f := range fields {
		switch f.key {
		case "startUrl":
			t.StartURL = rawString(f.raw)
		case "region":
			t.Region = rawString(f.raw)
		case "accessToken":
			t.AccessToken = rawString(f.raw)
		case "expiresAt":
			t.ExpiresAt, _ = parseTime(rawString(f.raw))
		case "clientId":
			t.ClientID = rawString(f.raw)
		case "clientSecret":
			t.ClientSecret = rawString(f.raw)
		case "registrationExpiresAt":
			t.RegistrationExpiresAt, _ = parseTime(rawString(f.raw))
		case "refreshToken":
			t.RefreshToken = rawString(f.raw)
		default:
			t.extra = append(t.extra, f)
		}
	}
	if t.AccessToken == "" || t.ExpiresAt.IsZero() {
		return t, errInvalidToken
	}
	return t, nil
}

// Marshal writes the token as the AWS CLI does: its members in the CLI's
// order with Python's separators, times as TimeFormat, then the unknown
// members as they were read.
func (t *Token) Marshal() []byte {
	var w objectWriter
	w.strOmitEmpty("startUrl", t.StartURL)
	w.strOmitEmpty("region", t.Region)
	w.str("accessToken", t.AccessToken)
	w.str("expiresAt", formatTime(t.ExpiresAt))
	w.strOmitEmpty("clientId", t.ClientID)
	w.strOmitEmpty("clientSecret", t.ClientSecret)
	if !t.RegistrationExpiresAt.IsZero() {
		w.str("registrationExpiresAt", formatTime(t.RegistrationExpiresAt))
	}
	w.strOmitEmpty("refreshToken", t.RefreshToken)
	w.extra(t.extra, tokenKeys)
	return w.bytes()
}

// Valid reports whether the access token has not expired at now.
func (t *Token) Valid(now time.Time) bool {
	return t != nil && t.AccessToken != "" && now.Before(t.ExpiresAt)
}

// Refreshable reports whether the token can be renewed at now: it has a
// refresh token and a client registration that has not expired (botocore
// requires the same).
func (t *Token) Refreshable(now time.Time) bool {
	return t != nil && t.RefreshToken != "" && t.ClientID != "" && t.ClientSecret != "" &&
		(t.RegistrationExpiresAt.IsZero() || now.Before(t.RegistrationExpiresAt))
}

// needsRefresh reports whether less than window is left.
func (t *Token) needsRefresh(now time.Time, window time.Duration) bool {
	return !t.Valid(now) || t.ExpiresAt.Sub(now) < window
}

// OAuth2 returns the token as an oauth2.Token.
func (t *Token) OAuth2() *oauth2.Token {
	return &oauth2.Token{AccessToken: t.AccessToken, TokenType: "Bearer", RefreshToken: t.RefreshToken, Expiry: t.ExpiresAt}
}

// Registration is a client registration as the AWS CLI caches it, next to
// the tokens (WIRE.md 6.2).
type Registration struct {
	ClientID     string
	ClientSecret string
	ExpiresAt    time.Time
	// Scopes are present when the client registered scopes.
	Scopes []string
	// GrantTypes are present for a registration of the authorization-code
	// flow.
	GrantTypes []string

	extra []field
}

var registrationKeys = map[string]bool{"clientId": true, "clientSecret": true, "expiresAt": true, "scopes": true, "grantTypes": true}

// ParseRegistration reads a registration cache file.
func ParseRegistration(data []byte) (*Registration, error) {
	fields, err := decodeObject(data)
	if err != nil {
		return nil, fmt.Errorf("reading cached registration: %w", err)
	}
	r := &Registration{}
	for _, f := range fields {
		switch f.key {
		case "clientId":
			r.ClientID = rawString(f.raw)
		case "clientSecret":
			r.ClientSecret = rawString(f.raw)
		case "expiresAt":
			r.ExpiresAt, _ = parseTime(rawString(f.raw))
		case "scopes":
			r.Scopes = rawStrings(f.raw)
		case "grantTypes":
			r.GrantTypes = rawStrings(f.raw)
		default:
			r.extra = append(r.extra, f)
		}
	}
	if r.ClientID == "" || r.ClientSecret == "" || r.ExpiresAt.IsZero() {
		return nil, errors.New("the cached registration has no clientId, clientSecret or expiresAt")
	}
	return r, nil
}

// Marshal writes the registration as the AWS CLI does.
func (r *Registration) Marshal() []byte {
	var w objectWriter
	w.str("clientId", r.ClientID)
	w.str("clientSecret", r.ClientSecret)
	w.str("expiresAt", formatTime(r.ExpiresAt))
	if len(r.Scopes) > 0 {
		w.list("scopes", r.Scopes)
	}
	if len(r.GrantTypes) > 0 {
		w.list("grantTypes", r.GrantTypes)
	}
	w.extra(r.extra, registrationKeys)
	return w.bytes()
}

// usable reports whether the registration may be reused at now for flow:
// not within RegistrationRenewal of its expiry, and registered for the
// flow's grant (the AWS CLI's checks, WIRE.md 5.2 and 5.3).
func (r *Registration) usable(now time.Time, flow Flow) bool {
	if r == nil || r.ExpiresAt.Sub(now) < RegistrationRenewal {
		return false
	}
	has := func(g string) bool {
		for _, x := range r.GrantTypes {
			if x == g {
				return true
			}
		}
		return false
	}
	if flow == FlowPKCE {
		return has("authorization_code")
	}
	return len(r.GrantTypes) == 0 || has("urn:ietf:params:oauth:grant-type:device_code")
}
