package ssotest

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// test is one subtest of the suite: it gets a fresh store of its own.
type test struct {
	name string
	run  func(t *testing.T, s sso.Store)
}

// Run runs the conformance suite against the stores newStore returns. Every
// subtest calls newStore once for a fresh, empty store that shares nothing
// with the stores of other subtests (they run in parallel), and Run closes
// it when the subtest ends.
func Run(t *testing.T, newStore func(t *testing.T) sso.Store) {
	var all []test
	for _, group := range [][]test{
		clientTests, deviceTests, authCodeTests, tokenTests, userTests, groupTests,
		sessionTests, limitTests, takeTests, secretTests, collectTests, concurrencyTests,
		contextTests, accessTests, unusedClientTests, auditTests, flowTests, scimTests, adminTests,
		portalTests, peopleTests, factorTests,
	} {
		all = append(all, group...)
	}
	for _, tc := range all {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newStore(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tc.run(t, s)
		})
	}
}

// base is the suite's "now": a fixed instant on a whole millisecond, in a
// zone that is not UTC so that a backend that keeps the wall clock instead
// of the instant is caught.
var base = time.Date(2031, 3, 14, 15, 9, 26, 535*int(time.Millisecond), time.FixedZone("UTC+5:30", 5*3600+1800))

// at returns base moved by d, which the suite keeps on whole milliseconds.
func at(d time.Duration) time.Time { return base.Add(d) }

// digest returns 32 random bytes. The first bytes are fixed and include a
// NUL and a 0xff, so a backend that treats digests as text fails.
func digest() []byte {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	b[0], b[1], b[2] = 0x00, 0xff, 0x00
	return b
}

func newClient() sso.Client {
	return sso.Client{
		ID:           sso.RandomID(),
		SecretDigest: digest(),
		Name:         "test client \u00fc\u00df \u2603",
		Type:         "public",
		Scopes:       []string{"sso:account:access", "openid"},
		GrantTypes:   []string{"urn:ietf:params:oauth:grant-type:device_code", "refresh_token", "authorization_code"},
		RedirectURIs: []string{"http://127.0.0.1/oauth/callback", "com.example.app:/cb?x=1&y=2"},
		IssuerURL:    "https://issuer.example/start",
		CreatedAt:    base,
		ExpiresAt:    at(90 * 24 * time.Hour),
		UnusedUntil:  at(24 * time.Hour),
	}
}

// newDevice returns a pending device authorization.
func newDevice() sso.DeviceAuth {
	return sso.DeviceAuth{
		CodeDigest:     digest(),
		UserCodeDigest: digest(),
		ClientID:       sso.RandomID(),
		StartURL:       "https://sso.example/start",
		Scopes:         []string{"sso:account:access"},
		CreatedAt:      base,
		ExpiresAt:      at(10 * time.Minute),
		Interval:       5,
		Status:         sso.DevicePending,
	}
}

// approvedDevice returns an approved authorization with every field set.
func approvedDevice() sso.DeviceAuth {
	d := newDevice()
	d.Status = sso.DeviceApproved
	d.UserID = sso.RandomID()
	d.DecidedAt = at(time.Minute)
	d.LastPollAt = at(50 * time.Second)
	d.Polls = 7
	return d
}

func newAuthCode() sso.AuthCode {
	return sso.AuthCode{
		Digest:      digest(),
		ClientID:    sso.RandomID(),
		UserID:      sso.RandomID(),
		RedirectURI: "http://127.0.0.1:4242/oauth/callback",
		Challenge:   "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
		Scopes:      []string{"sso:account:access", "openid"},
		CreatedAt:   base,
		ExpiresAt:   at(5 * time.Minute),
	}
}

// newIssue returns a fresh family with its first tokens; refreshable
// families get a generation-0 refresh token.
func newIssue(refreshable bool) sso.Issue {
	f := sso.Family{
		ID:          sso.RandomID(),
		ClientID:    sso.RandomID(),
		UserID:      sso.RandomID(),
		Scopes:      []string{"sso:account:access"},
		Refreshable: refreshable,
		CreatedAt:   base,
		ExpiresAt:   at(8 * time.Hour),
	}
	is := sso.Issue{Family: f, Access: newAccess(f)}
	if refreshable {
		r := newRefresh(f, 0)
		is.Refresh = &r
	}
	return is
}

func newAccess(f sso.Family) sso.AccessToken {
	return sso.AccessToken{
		Digest:    digest(),
		FamilyID:  f.ID,
		ClientID:  f.ClientID,
		UserID:    f.UserID,
		Scopes:    append([]string(nil), f.Scopes...),
		IssuedAt:  base,
		ExpiresAt: at(time.Hour),
	}
}

func newRefresh(f sso.Family, gen int) sso.RefreshToken {
	return sso.RefreshToken{Digest: digest(), FamilyID: f.ID, Generation: gen, CreatedAt: base}
}

func newUser(name string) sso.User {
	return sso.User{
		ID:           sso.RandomUUID(),
		Name:         name,
		DisplayName:  "D\u00e9nise " + name,
		Email:        name + "@example.com",
		PasswordHash: "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
		ExternalIDs:  []sso.ExternalID{{Issuer: "https://idp.example/" + name, ID: "ext-" + name}, {Issuer: "scim", ID: sso.RandomID()}},
		Profile: sso.UserProfile{
			Name: &sso.PersonName{Formatted: "Ms D\u00e9nise " + name + " Jr", FamilyName: name, GivenName: "D\u00e9nise",
				MiddleName: "M", HonorificPrefix: "Ms", HonorificSuffix: "Jr"},
			NickName: "nick", ProfileURL: "https://example.com/" + name,
			Emails: []sso.Email{{Value: name + "@example.com", Type: "work", Primary: true}, {Value: name + "@home.example", Type: "home"}},
			Addresses: []sso.Address{{StreetAddress: "1 Main St", Locality: "Town", Region: "RG", PostalCode: "12345",
				Country: "US", Formatted: "1 Main St\nTown", Type: "work", Primary: true}},
			PhoneNumbers: []sso.PhoneNumber{{Value: "+1 800 555 0100", Type: "work", Primary: true}},
			UserType:     "Employee", Title: "Engineer", PreferredLanguage: "en-US", Locale: "en_US",
			Timezone: "Europe/Paris", Photos: []sso.Photo{{Value: "https://example.com/p.png", Type: "photo", Display: "me", Primary: true}},
			Website: "https://example.com", Birthdate: "1990-01-02",
			Roles:      []sso.Role{{Value: "dev", Type: "team", Primary: true}},
			Extensions: map[string]json.RawMessage{"aws:identitystore:enterprise": json.RawMessage(`{"employeeNumber":"42","manager":{"value":"x"}}`)},
		},
		CreatedAt: base,
		UpdatedAt: at(time.Second),
		CreatedBy: "arn:aws:iam::123456789012:role/creator",
		UpdatedBy: "config",
	}
}

func newGroup(name string) sso.Group {
	return sso.Group{
		ID:          sso.RandomUUID(),
		DisplayName: name,
		Description: "the " + name + " \u2603",
		ExternalIDs: []sso.ExternalID{{Issuer: "https://idp.example/", ID: "g-" + name}},
		CreatedAt:   base,
		UpdatedAt:   at(time.Second),
		CreatedBy:   "scim:token",
		UpdatedBy:   "admin",
	}
}

func newMembership(groupID, userID string) sso.Membership {
	return sso.Membership{ID: sso.RandomUUID(), GroupID: groupID, UserID: userID, Source: "", CreatedAt: base,
		UpdatedAt: base, CreatedBy: "admin", UpdatedBy: "admin"}
}

func newSession(userID string) sso.Session {
	return sso.Session{Digest: digest(), UserID: userID, CreatedAt: base, ExpiresAt: at(12 * time.Hour),
		ID: sso.RandomID(), UserAgent: "Mozilla/5.0 (X11; Linux x86_64) \u00fc \u2603", Address: "2001:db8:1:2::/64"}
}

// mustFill fails the test if any field of the record v (or of the records
// it holds) is zero: a round-trip fixture must set every field, so a field
// added to a record later fails here until the suite covers it.
func mustFill(t testing.TB, v any) {
	t.Helper()
	var walk func(path string, v reflect.Value)
	walk = func(path string, v reflect.Value) {
		if v.Kind() == reflect.Pointer && !v.IsNil() {
			v = v.Elem()
		}
		if v.Kind() == reflect.Struct && v.Type() != timeType {
			for i := range v.NumField() {
				walk(path+"."+v.Type().Field(i).Name, v.Field(i))
			}
			return
		}
		if v.IsZero() || (v.Kind() == reflect.Slice && v.Len() == 0) {
			t.Fatalf("fixture leaves %s zero: the suite does not cover it yet", path)
		}
	}
	walk(reflect.TypeOf(v).Name(), reflect.ValueOf(v))
}

var timeType = reflect.TypeFor[time.Time]()

// normal returns v with every time truncated to the millisecond in UTC and
// every empty slice nil, so records compare with reflect.DeepEqual.
func normal[T any](v T) T {
	rv := reflect.New(reflect.TypeOf(v)).Elem()
	rv.Set(reflect.ValueOf(v))
	normalize(rv)
	return rv.Interface().(T)
}

func normalize(v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == timeType {
			tm := v.Interface().(time.Time)
			if tm.IsZero() {
				v.Set(reflect.Zero(timeType))
			} else {
				v.Set(reflect.ValueOf(tm.UTC().Truncate(time.Millisecond)))
			}
			return
		}
		for i := range v.NumField() {
			normalize(v.Field(i))
		}
	case reflect.Slice:
		if v.Len() == 0 {
			v.Set(reflect.Zero(v.Type()))
			return
		}
		if k := v.Type().Elem().Kind(); k == reflect.Struct || k == reflect.Pointer {
			c := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
			reflect.Copy(c, v)
			for i := range c.Len() {
				normalize(c.Index(i))
			}
			v.Set(c)
		}
	case reflect.Pointer:
		if !v.IsNil() {
			p := reflect.New(v.Type().Elem())
			p.Elem().Set(v.Elem())
			normalize(p.Elem())
			v.Set(p)
		}
	}
}

// same reports, field by field, how got differs from want after both are
// normalised.
func same[T any](t testing.TB, what string, got, want T) {
	t.Helper()
	g, w := normal(got), normal(want)
	if reflect.DeepEqual(g, w) {
		return
	}
	var b strings.Builder
	diff(&b, reflect.TypeOf(g).Name(), reflect.ValueOf(g), reflect.ValueOf(w))
	t.Errorf("%s: stored record differs:%s", what, b.String())
}

func diff(b *strings.Builder, path string, g, w reflect.Value) {
	if g.Kind() == reflect.Pointer && !g.IsNil() && !w.IsNil() {
		g, w = g.Elem(), w.Elem()
	}
	if g.Kind() == reflect.Struct && g.Type() != timeType {
		for i := range g.NumField() {
			diff(b, path+"."+g.Type().Field(i).Name, g.Field(i), w.Field(i))
		}
		return
	}
	if !reflect.DeepEqual(g.Interface(), w.Interface()) {
		fmt.Fprintf(b, "\n\t%s: got %v, want %v", path, g.Interface(), w.Interface())
	}
}

// must fails the test now if err is not nil.
func must(t testing.TB, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// wantErr fails the test if err does not match target with errors.Is.
func wantErr(t testing.TB, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: err = %v, want %v", what, err, target)
	}
}

// clobber overwrites every byte and string of a slice the caller handed to
// or got from the store, to check that the store keeps no alias to it.
func clobber(b []byte) {
	for i := range b {
		b[i] = 0xAA
	}
}

func clobberStrings(s []string) {
	for i := range s {
		s[i] = "clobbered"
	}
}

// clone returns a deep copy of the record v: slices and pointed-to records
// are copied, so clobbering the copy leaves v intact.
func clone[T any](v T) T {
	rv := reflect.New(reflect.TypeOf(v)).Elem()
	rv.Set(reflect.ValueOf(v))
	deepCopy(rv)
	return rv.Interface().(T)
}

func deepCopy(v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == timeType {
			return
		}
		for i := range v.NumField() {
			deepCopy(v.Field(i))
		}
	case reflect.Slice:
		if !v.IsNil() {
			c := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
			reflect.Copy(c, v)
			for i := range c.Len() {
				deepCopy(c.Index(i))
			}
			v.Set(c)
		}
	case reflect.Pointer:
		if !v.IsNil() {
			p := reflect.New(v.Type().Elem())
			p.Elem().Set(v.Elem())
			deepCopy(p.Elem())
			v.Set(p)
		}
	}
}
