package device

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/ssooidc/ssooidc/internal/clients"
	"github.com/ssooidc/ssooidc/internal/sso"
	"github.com/ssooidc/ssooidc/internal/tokens"
	"github.com/ssooidc/ssooidc/internal/web"
	"github.com/ssooidc/ssooidc/wire"
)

// Defaults.
const (
	DefaultExpiresIn = 10 * time.Minute // what AWS gives (the AWS CLI says "currently only 10 minutes")
	// DefaultInterval is what AWS returns. The AWS CLI sleeps this long
	// between polls, so a short interval makes logins feel instant.
	DefaultInterval = 1
	// slowDownStep is what RFC 8628 section 3.5 adds on slow_down.
	slowDownStep = 5
	// pollSlack forgives clocks and schedulers: a poll this much early is
	// still on time.
	pollSlack = 150 * time.Millisecond
)

// Guess limits on user-code entry (RFC 8628 section 5.1).
//
// A code is looked up only for a signed-in person (the verification link
// prefills the field, and sign-in comes first), and wrong guesses are
// counted per person and per client address; there is no global count, so
// nobody's wrong guesses can lock out someone else's right code, except
// for people sharing one address (see GuessesPerAddress).
//
// A user code is 8 characters from a 20-letter alphabet: 20^8 = 2.56e10
// codes, about 34.6 bits, so one guess hits a given live code with
// probability 3.9e-11. The counts are kept in fixed windows at least as
// long as a code lives, so any code's life overlaps at most two windows of
// a person: at most 2 x GuessesPerUser = 4 wrong guesses by one identity
// during the life of a code, a chance of 4/2.56e10 = 1.56e-10 < 2^-32
// (2.33e-10) of hitting it, as the RFC asks. Three per window would give
// 6/2.56e10 = 2.34e-10, just over. Typing mistakes cost little: input is
// case-insensitive, the dash is optional, look-alikes fold, and input that
// cannot be a code at all is not a guess. A person who still gets two
// wrong waits out the window; the link the device shows never is wrong.
const (
	// GuessWindow is the shortest window the guesses count in; it is
	// stretched to the code lifetime when codes live longer.
	GuessWindow = 10 * time.Minute
	// GuessesPerUser is how many wrong codes one signed-in person may enter
	// per window.
	GuessesPerUser = 2
	// GuessesPerAddress is how many wrong codes may come from one client
	// address (IPv6: one /64) per window, over every person there. It
	// bounds an attacker who holds many accounts at one address to 60
	// guesses per code life (2.3e-9, about 2^-28), and leaves a shared
	// office NAT room for fifteen people's typing mistakes. It is the one
	// count others can exhaust for you, and only from your own address,
	// each of them signed in and named in the log.
	GuessesPerAddress  = 30
	createRetries      = 8
	maxStartURLLen     = 2048
	maxDeviceCodeInput = 512
)

// Options configure a Service.
type Options struct {
	PublicURL string   // base of verificationUri
	StartURLs []string // the start URLs this server serves
	ExpiresIn time.Duration
	Interval  int // seconds
	Now       func() time.Time
	Logger    *slog.Logger
}

// Clients is what the device flow needs from client registration.
type Clients interface {
	Authenticate(ctx context.Context, id, secret *string) (sso.Client, error)
	Get(ctx context.Context, id string) (sso.Client, error)
	// MarkUsed records that c has started an authorization, so it is not
	// collected as an unused registration.
	MarkUsed(ctx context.Context, c sso.Client) error
}

// Service is the device flow.
type Service struct {
	store    sso.DeviceStore
	limits   sso.LimitStore
	clients  Clients
	digester *sso.Digester
	minter   *tokens.Minter
	opts     Options
	verify   string
	starts   map[string]bool
	pace     pacer
}

// New returns a device flow service.
func New(store sso.DeviceStore, limits sso.LimitStore, cl Clients, d *sso.Digester, m *tokens.Minter, opts Options) *Service {
	if opts.ExpiresIn <= 0 {
		opts.ExpiresIn = DefaultExpiresIn
	}
	if opts.Interval < 1 {
		opts.Interval = DefaultInterval
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	starts := map[string]bool{}
	for _, u := range opts.StartURLs {
		starts[normalizeStartURL(u)] = true
	}
	return &Service{store: store, limits: limits, clients: cl, digester: d, minter: m, opts: opts,
		verify: strings.TrimRight(opts.PublicURL, "/") + "/device", starts: starts}
}

// normalizeStartURL compares start URLs the way people write them: scheme
// and host case-insensitively, a trailing slash optional.
func normalizeStartURL(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return s
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	u.Path = strings.TrimRight(u.Path, "/")
	return u.String()
}

// Start is StartDeviceAuthorization.
func (s *Service) Start(ctx context.Context, req wire.StartDeviceAuthorizationRequest) (wire.StartDeviceAuthorizationResponse, error) {
	if req.StartURL == nil || *req.StartURL == "" {
		// Authenticate first reports a missing clientId or clientSecret.
		if _, err := s.clients.Authenticate(ctx, req.ClientID, req.ClientSecret); err != nil {
			return wire.StartDeviceAuthorizationResponse{}, err
		}
		return wire.StartDeviceAuthorizationResponse{}, sso.Errorf(sso.CodeInvalidRequest, "startUrl is required")
	}
	client, err := s.clients.Authenticate(ctx, req.ClientID, req.ClientSecret)
	if err != nil {
		return wire.StartDeviceAuthorizationResponse{}, err
	}
	if !clients.AllowsGrant(client, wire.GrantDeviceCode) {
		return wire.StartDeviceAuthorizationResponse{}, sso.Errorf(sso.CodeUnauthorizedClient, "the client is not registered for the device code grant")
	}
	if len(*req.StartURL) > maxStartURLLen || !s.starts[normalizeStartURL(*req.StartURL)] {
		return wire.StartDeviceAuthorizationResponse{}, sso.Errorf(sso.CodeInvalidRequest,
			"startUrl %q is not a start URL of this server; check sso_start_url in your AWS config", truncate(*req.StartURL))
	}
	now := s.opts.Now()
	deviceCode := sso.RandomSecret()
	d := sso.DeviceAuth{
		CodeDigest: s.digester.Digest(sso.KindDeviceCode, deviceCode),
		ClientID:   client.ID,
		StartURL:   *req.StartURL,
		Scopes:     client.Scopes,
		CreatedAt:  now,
		ExpiresAt:  now.Add(s.opts.ExpiresIn),
		Interval:   s.opts.Interval,
		Status:     sso.DevicePending,
	}
	var userCode string
	for i := 0; ; i++ {
		userCode = sso.NewUserCode()
		canonical, _ := sso.NormalizeUserCode(userCode)
		d.UserCodeDigest = s.digester.Digest(sso.KindUserCode, canonical)
		err = s.store.CreateDeviceAuth(ctx, d)
		if err == nil {
			break
		}
		// A collision with a live user code: draw again (Dex does not, and
		// fails once about 300,000 codes are live).
		if !errors.Is(err, sso.ErrConflict) || i == createRetries {
			return wire.StartDeviceAuthorizationResponse{}, err
		}
	}
	if err := s.clients.MarkUsed(ctx, client); err != nil {
		return wire.StartDeviceAuthorizationResponse{}, err
	}
	return wire.StartDeviceAuthorizationResponse{
		DeviceCode:              deviceCode,
		UserCode:                userCode,
		VerificationURI:         s.verify,
		VerificationURIComplete: s.verify + "?user_code=" + userCode,
		ExpiresIn:               int32(s.opts.ExpiresIn / time.Second),
		Interval:                int32(s.opts.Interval),
	}, nil
}

// Exchange is the device_code grant of CreateToken (tokens.Grant).
func (s *Service) Exchange(ctx context.Context, client sso.Client, req wire.CreateTokenRequest) (wire.CreateTokenResponse, error) {
	if req.DeviceCode == nil || *req.DeviceCode == "" {
		return wire.CreateTokenResponse{}, sso.Errorf(sso.CodeInvalidRequest, "deviceCode is required for the device code grant")
	}
	if len(*req.DeviceCode) > maxDeviceCodeInput {
		return wire.CreateTokenResponse{}, invalidDeviceCode()
	}
	codeDigest := s.digester.Digest(sso.KindDeviceCode, *req.DeviceCode)
	now := s.opts.Now()
	d, err := s.store.GetDeviceAuth(ctx, codeDigest)
	if errors.Is(err, sso.ErrNotFound) {
		return wire.CreateTokenResponse{}, invalidDeviceCode()
	}
	if err != nil {
		return wire.CreateTokenResponse{}, err
	}
	if d.ClientID != client.ID {
		return wire.CreateTokenResponse{}, invalidDeviceCode()
	}
	switch {
	case d.Status == sso.DeviceRedeemed:
		return wire.CreateTokenResponse{}, sso.Errorf(sso.CodeInvalidGrant, "the device code has already been used")
	case !now.Before(d.ExpiresAt):
		return wire.CreateTokenResponse{}, sso.Errorf(sso.CodeExpiredToken, "the device code has expired; start the login again")
	case d.Status == sso.DeviceDenied:
		return wire.CreateTokenResponse{}, sso.Errorf(sso.CodeAccessDenied, "the request was denied")
	case d.Status != sso.DeviceApproved:
		// Pending: a read and the in-memory pacing, no write.
		if slow, interval := s.pace.poll(codeDigest, now, d.ExpiresAt, d.Interval); slow {
			return wire.CreateTokenResponse{}, sso.Errorf(sso.CodeSlowDown, "polling too fast; wait %d seconds between requests", interval)
		}
		return wire.CreateTokenResponse{}, sso.Errorf(sso.CodeAuthorizationPending, "authorization is pending; the person has not approved the request yet")
	}
	// Approved: RedeemDeviceAuth's compare-and-swap picks the one poll of
	// many concurrent ones that gets the tokens.
	issue, resp := s.minter.Mint(client, d.UserID, now)
	err = s.store.RedeemDeviceAuth(ctx, codeDigest, issue)
	if errors.Is(err, sso.ErrConflict) || errors.Is(err, sso.ErrNotFound) {
		return wire.CreateTokenResponse{}, sso.Errorf(sso.CodeInvalidGrant, "the device code has already been used")
	}
	if err != nil {
		return wire.CreateTokenResponse{}, err
	}
	return resp, nil
}

func invalidDeviceCode() error {
	return sso.Errorf(sso.CodeInvalidGrant, "the device code is invalid; start the login again")
}

// Lookup implements web.Devices: the pending authorization for what the
// signed-in person who typed, counted against the guess limits when it
// matches none.
func (s *Service) Lookup(ctx context.Context, userCode string, who sso.User, remoteAddr string) (web.DevicePrompt, error) {
	if who.ID == "" {
		// The pages never ask for an anonymous lookup; refusing it here
		// keeps the guess limits' argument true whatever calls this.
		return web.DevicePrompt{}, sso.Errorf(sso.CodeUnauthorized, "sign in to enter a code")
	}
	canonical, ok := sso.NormalizeUserCode(userCode)
	if !ok {
		// Not a code at all: a typo, not a guess; it cannot match anything.
		return web.DevicePrompt{}, sso.Errorf(sso.CodeInvalidGrant, "that is not a valid code: a code has 8 letters, like BCDF-GHJK")
	}
	g, err := s.reserveGuess(ctx, who, remoteAddr)
	if err != nil {
		return web.DevicePrompt{}, err
	}
	d, err := s.store.GetDeviceAuthByUserCode(ctx, s.digester.Digest(sso.KindUserCode, canonical))
	if errors.Is(err, sso.ErrNotFound) {
		g.wrong(ctx)
		return web.DevicePrompt{}, unknownCode()
	}
	g.giveBack(ctx)
	if err != nil {
		return web.DevicePrompt{}, err
	}
	if err := checkPending(d, s.opts.Now()); err != nil {
		return web.DevicePrompt{}, err
	}
	name := ""
	if c, err := s.clients.Get(ctx, d.ClientID); err == nil {
		name = c.Name
	}
	return web.DevicePrompt{
		UserCode: sso.FormatUserCode(canonical), ClientName: name, Scopes: d.Scopes,
		StartURL: d.StartURL, ExpiresAt: d.ExpiresAt,
	}, nil
}

// Decide implements web.Devices. The pages call it after a Lookup of the
// same code by the same person, which counted the guess.
func (s *Service) Decide(ctx context.Context, userCode, userID string, approve bool) error {
	canonical, ok := sso.NormalizeUserCode(userCode)
	if !ok {
		return unknownCode()
	}
	d, err := s.store.GetDeviceAuthByUserCode(ctx, s.digester.Digest(sso.KindUserCode, canonical))
	if errors.Is(err, sso.ErrNotFound) {
		return unknownCode()
	}
	if err != nil {
		return err
	}
	if err := checkPending(d, s.opts.Now()); err != nil {
		return err
	}
	now := s.opts.Now()
	_, err = s.store.UpdateDeviceAuth(ctx, d.CodeDigest, func(d sso.DeviceAuth) (sso.DeviceAuth, error) {
		if err := checkPending(d, now); err != nil {
			return d, err
		}
		d.Status = sso.DeviceDenied
		if approve {
			d.Status = sso.DeviceApproved
		}
		d.UserID = userID
		d.DecidedAt = now
		return d, nil
	})
	if errors.Is(err, sso.ErrNotFound) {
		return unknownCode()
	}
	if err == nil {
		s.opts.Logger.InfoContext(ctx, "device authorization decided",
			slog.String("client_id", d.ClientID), slog.String("user_id", userID), slog.Bool("approved", approve))
	}
	return err
}

func checkPending(d sso.DeviceAuth, now time.Time) error {
	if !now.Before(d.ExpiresAt) {
		return sso.Errorf(sso.CodeExpiredToken, "this code has expired; start the login again on your device")
	}
	if d.Status != sso.DevicePending {
		return sso.Errorf(sso.CodeInvalidGrant, "this code has already been used")
	}
	return nil
}

func unknownCode() error {
	return sso.Errorf(sso.CodeInvalidGrant, "that code is not valid; check it on your device and try again")
}

func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
