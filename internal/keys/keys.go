package keys

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// Rotation bounds. A key signs for one period and stays published for the
// next, so a token must not outlive a period: the server caps what it
// signs at MinRotation.
const (
	DefaultRotation = 7 * 24 * time.Hour
	MinRotation     = time.Hour
)

// Algorithm is the JWS algorithm of every key.
const Algorithm = jose.ES256

// Options configure a Set.
type Options struct {
	// Rotation is how long one key signs; DefaultRotation when zero, at
	// least MinRotation. Every node must have the same value.
	Rotation time.Duration
	// Now is time.Now when nil.
	Now func() time.Time
}

// Set is the server's signing keys. It is safe for concurrent use.
type Set struct {
	store    sso.SecretStore
	rotation time.Duration
	now      func() time.Time

	mu    sync.Mutex
	cache map[int64]*key // by period
}

type key struct {
	id     string
	signer jose.Signer
	public jose.JSONWebKey
}

// New returns a Set over store.
func New(store sso.SecretStore, opts Options) (*Set, error) {
	if opts.Rotation == 0 {
		opts.Rotation = DefaultRotation
	}
	if opts.Rotation < MinRotation || opts.Rotation%time.Second != 0 {
		return nil, fmt.Errorf("keys: rotation %s must be whole seconds and at least %s", opts.Rotation, MinRotation)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Set{store: store, rotation: opts.Rotation, now: opts.Now, cache: map[int64]*key{}}, nil
}

// Rotation returns how long one key signs.
func (s *Set) Rotation() time.Duration { return s.rotation }

func (s *Set) period(t time.Time) int64 {
	sec := int64(s.rotation / time.Second)
	u := t.Unix()
	p := u / sec
	if u < 0 && u%sec != 0 {
		p-- // floor
	}
	return p
}

// secretName is the SecretStore name of a period's key. It has the
// rotation in it, so a change of rotation starts a fresh series rather
// than reusing a key for a period of another length.
func (s *Set) secretName(p int64) string {
	return "jwt-signing-key/es256/" + strconv.FormatInt(int64(s.rotation/time.Second), 10) + "s/" + strconv.FormatInt(p, 10)
}

func generate() ([]byte, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	return x509.MarshalPKCS8PrivateKey(k)
}

// get returns the key of period p, creating it in the store if no node has
// yet: the store keeps the first one written, so all nodes agree.
func (s *Set) get(ctx context.Context, p int64) (*key, error) {
	s.mu.Lock()
	k, ok := s.cache[p]
	s.mu.Unlock()
	if ok {
		return k, nil
	}
	der, err := s.store.Secret(ctx, s.secretName(p), generate)
	if err != nil {
		return nil, fmt.Errorf("loading signing key: %w", err)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("parsing signing key %s: %w", s.secretName(p), err)
	}
	priv, ok := parsed.(*ecdsa.PrivateKey)
	if !ok || priv.Curve != elliptic.P256() {
		return nil, fmt.Errorf("signing key %s is not ECDSA P-256", s.secretName(p))
	}
	pub := jose.JSONWebKey{Key: &priv.PublicKey, Algorithm: string(Algorithm), Use: "sig"}
	tp, err := pub.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, err
	}
	// RFC 7638: the thumbprint names the key the same way on every node.
	pub.KeyID = base64.RawURLEncoding.EncodeToString(tp)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: Algorithm, Key: jose.JSONWebKey{Key: priv, KeyID: pub.KeyID}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return nil, err
	}
	k = &key{id: pub.KeyID, signer: signer, public: pub}
	s.mu.Lock()
	s.cache[p] = k
	for old := range s.cache {
		if old < p-2 || old > p+2 {
			delete(s.cache, old)
		}
	}
	s.mu.Unlock()
	return k, nil
}

// Sign returns claims as a compact JWS (a JWT) signed with the current
// period's key, its kid in the header.
func (s *Set) Sign(ctx context.Context, claims any) (string, error) {
	k, err := s.get(ctx, s.period(s.now()))
	if err != nil {
		return "", err
	}
	return jwt.Signed(k.signer).Claims(claims).Serialize()
}

// JWKS returns the public keys of the previous, current and next periods.
func (s *Set) JWKS(ctx context.Context) (jose.JSONWebKeySet, error) {
	p := s.period(s.now())
	var set jose.JSONWebKeySet
	for _, q := range []int64{p, p + 1, p - 1} {
		k, err := s.get(ctx, q)
		if err != nil {
			return jose.JSONWebKeySet{}, err
		}
		set.Keys = append(set.Keys, k.public)
	}
	return set, nil
}

// JWKSJSON returns JWKS as a JSON document.
func (s *Set) JWKSJSON(ctx context.Context) ([]byte, error) {
	set, err := s.JWKS(ctx)
	if err != nil {
		return nil, err
	}
	return json.Marshal(set)
}

// ErrUnknownKey: the token names a key that is not published.
var ErrUnknownKey = errors.New("keys: the token's key is not one of ours")

// Verify checks that token is a JWT signed by one of the published keys
// and decodes its claims into dest. It checks the signature only; the
// caller validates the claims.
func (s *Set) Verify(ctx context.Context, token string, dest ...any) error {
	t, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{Algorithm})
	if err != nil {
		return err
	}
	set, err := s.JWKS(ctx)
	if err != nil {
		return err
	}
	if len(t.Headers) != 1 || len(set.Key(t.Headers[0].KeyID)) == 0 {
		return ErrUnknownKey
	}
	return t.Claims(set, dest...)
}
