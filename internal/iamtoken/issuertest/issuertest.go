// Package issuertest runs a trusted token issuer for tests: an OpenID
// provider on a loopback port that publishes its JWKS (and its discovery
// document) and signs assertions with its own RSA key, as Entra ID or Okta
// would.
package issuertest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Issuer is a running token issuer.
type Issuer struct {
	URL     string // the issuer URL (iss), http://127.0.0.1:PORT
	JWKSURL string

	// Fetches counts the JWKS requests it has answered.
	Fetches atomic.Int64

	mu   sync.Mutex
	keys []*rsa.PrivateKey // the last is current
	srv  *httptest.Server
}

// New starts an issuer with one key and stops it when tb ends.
func New(tb testing.TB) *Issuer {
	tb.Helper()
	i := &Issuer{}
	i.Rotate(tb)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"issuer": i.URL, "jwks_uri": i.JWKSURL})
	})
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, r *http.Request) {
		i.Fetches.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(i.JWKS())
	})
	i.srv = httptest.NewServer(mux)
	i.URL = i.srv.URL
	i.JWKSURL = i.srv.URL + "/keys"
	tb.Cleanup(i.srv.Close)
	return i
}

// Rotate adds a new current key; the old ones stay published.
func (i *Issuer) Rotate(tb testing.TB) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatal(err)
	}
	i.mu.Lock()
	i.keys = append(i.keys, k)
	i.mu.Unlock()
}

func kid(n int) string { return "test-key-" + strconv.Itoa(n) }

// JWKS returns the published key set.
func (i *Issuer) JWKS() []byte {
	i.mu.Lock()
	defer i.mu.Unlock()
	var set jose.JSONWebKeySet
	for n, k := range i.keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: &k.PublicKey, KeyID: kid(n), Algorithm: "RS256", Use: "sig"})
	}
	b, _ := json.Marshal(set)
	return b
}

// Sign returns claims as a JWT signed RS256 with the current key.
func (i *Issuer) Sign(tb testing.TB, claims any) string {
	tb.Helper()
	i.mu.Lock()
	n := len(i.keys) - 1
	k := i.keys[n]
	i.mu.Unlock()
	return SignWith(tb, k, kid(n), claims)
}

// SignWith signs claims RS256 with any key, under kid.
func SignWith(tb testing.TB, k *rsa.PrivateKey, kid string, claims any) string {
	tb.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: k},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid))
	if err != nil {
		tb.Fatal(err)
	}
	tok, err := jwt.Signed(s).Claims(claims).Serialize()
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}
