package login

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// The container credentials variables every AWS SDK and the AWS CLI read
// (the "container credential provider": ECS, EKS Pod Identity).
const (
	EnvContainerCredentialsFullURI = "AWS_CONTAINER_CREDENTIALS_FULL_URI"
	EnvContainerAuthorizationToken = "AWS_CONTAINER_AUTHORIZATION_TOKEN"
)

// CredentialServer serves role credentials at a container credentials
// endpoint on 127.0.0.1, as aws-vault's --ecs-server does: a process given
// its URL and token (Env) gets fresh credentials from its SDK whenever the
// previous ones near their end, so commands that run for hours keep
// working. Requests must carry the token in the Authorization header
// (compared in constant time) and name the listener in Host; others get
// 403. Credentials are cached in memory and renewed CredentialsRefresh
// before they expire.
type CredentialServer struct {
	url   string
	token string
	creds *aws.CredentialsCache
	srv   *http.Server
	l     net.Listener
	log   *slog.Logger
}

// NewCredentialServer listens on addr (a loopback address; "" means
// 127.0.0.1 on a random port) and serves the credentials of provider once
// Serve is called. The token is 256 random bits.
func NewCredentialServer(addr string, provider aws.CredentialsProvider, log *slog.Logger) (*CredentialServer, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("credential server address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("the credential server listens on loopback addresses only (127.0.0.1, ::1), not %q: anyone who reaches it gets the role's credentials with the token", host)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		l.Close()
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &CredentialServer{
		url:   "http://" + l.Addr().String() + "/",
		token: base64.RawURLEncoding.EncodeToString(b[:]),
		creds: aws.NewCredentialsCache(provider, func(o *aws.CredentialsCacheOptions) { o.ExpiryWindow = CredentialsRefresh }),
		l:     l,
		log:   log,
	}
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second}
	return s, nil
}

// URL is the endpoint, for AWS_CONTAINER_CREDENTIALS_FULL_URI.
func (s *CredentialServer) URL() string { return s.url }

// Token is the secret every request must present, for
// AWS_CONTAINER_AUTHORIZATION_TOKEN.
func (s *CredentialServer) Token() string { return s.token }

// Env is the two variables that send an SDK to the server.
func (s *CredentialServer) Env() []string {
	return []string{EnvContainerCredentialsFullURI + "=" + s.url, EnvContainerAuthorizationToken + "=" + s.token}
}

// Serve answers requests until ctx ends or Close is called.
func (s *CredentialServer) Serve(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() { s.srv.Close() })
	defer stop()
	err := s.srv.Serve(s.l)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Close stops the server.
func (s *CredentialServer) Close() error { return s.srv.Close() }

// containerCredentials is the answer of a container credentials endpoint
// (ECS task role, EKS Pod Identity), as botocore and aws-sdk-go-v2 read it.
type containerCredentials struct {
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	Token           string `json:"Token"`
	Expiration      string `json:"Expiration,omitempty"`
	AccountID       string `json:"AccountId,omitempty"`
}

// ServeHTTP answers one request for credentials.
func (s *CredentialServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if r.Method != http.MethodGet {
		writeCredentialError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "use GET")
		return
	}
	// The Host check keeps a web page from reaching the server through DNS
	// rebinding; the token is what actually authorizes.
	if !strings.EqualFold(r.Host, s.l.Addr().String()) && !strings.EqualFold(r.Host, "localhost:"+port(s.l.Addr())) {
		writeCredentialError(w, http.StatusForbidden, "AccessDenied", "wrong Host")
		return
	}
	got := r.Header.Get("Authorization")
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(s.token)) != 1 {
		writeCredentialError(w, http.StatusForbidden, "AccessDenied", "the Authorization header does not carry this server's token ("+EnvContainerAuthorizationToken+")")
		return
	}
	creds, err := s.creds.Retrieve(r.Context())
	if err != nil {
		s.log.Warn("serving credentials failed", slog.String("error", err.Error()))
		writeCredentialError(w, http.StatusInternalServerError, "CredentialsUnavailable", err.Error())
		return
	}
	out := containerCredentials{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey,
		Token: creds.SessionToken, AccountID: creds.AccountID}
	if creds.CanExpire {
		out.Expiration = creds.Expires.UTC().Format(time.RFC3339)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

func port(a net.Addr) string {
	_, p, _ := net.SplitHostPort(a.String())
	return p
}

// writeCredentialError answers with the error shape aws-sdk-go-v2's
// endpointcreds provider reads (code, message); botocore shows the body.
func writeCredentialError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"code": code, "message": msg})
}
