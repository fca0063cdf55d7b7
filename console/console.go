package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Credentials are temporary AWS credentials of a role. The federation
// endpoint accepts only temporary credentials: SessionToken is required.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
}

// Partition is an AWS partition's sign-in and console addresses.
type Partition struct {
	// ID is the partition name: "aws", "aws-cn" or "aws-us-gov".
	ID string
	// FederationURL is the federation endpoint.
	FederationURL string
	// ConsoleURL is the console's home, the default Destination.
	ConsoleURL string
}

// The partitions that have a console (the IAM User Guide's federation
// endpoints).
var (
	AWS      = Partition{ID: "aws", FederationURL: "https://signin.aws.amazon.com/federation", ConsoleURL: "https://console.aws.amazon.com/"}
	AWSCN    = Partition{ID: "aws-cn", FederationURL: "https://signin.amazonaws.cn/federation", ConsoleURL: "https://console.amazonaws.cn/"}
	AWSUSGov = Partition{ID: "aws-us-gov", FederationURL: "https://signin.amazonaws-us-gov.com/federation", ConsoleURL: "https://console.amazonaws-us-gov.com/"}
)

// PartitionOf returns the partition of a region by its name: cn-* is
// aws-cn, us-gov-* is aws-us-gov, anything else (or "") aws.
func PartitionOf(region string) Partition {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return AWSCN
	case strings.HasPrefix(region, "us-gov-"):
		return AWSUSGov
	}
	return AWS
}

// The limits of SessionDuration for role credentials (the IAM User Guide:
// "from 900 seconds (15 minutes) to 43200 seconds (12 hours)").
const (
	MinSessionDuration = 15 * time.Minute
	MaxSessionDuration = 12 * time.Hour
)

// Options configure a sign-in URL. The zero value is usable.
type Options struct {
	// Region is the console's region; it picks the partition and the
	// default Destination's region.
	Region string
	// Partition overrides the partition Region implies.
	Partition *Partition
	// FederationURL overrides the partition's federation endpoint (a test
	// endpoint, a regional sign-in endpoint).
	FederationURL string
	// Destination is the console page to land on: an absolute URL, or a
	// service name or path ("s3", "ec2/home") under the partition's console.
	// Empty means the console home of Region.
	Destination string
	// Issuer is the broker's URL, where the console sends the person when
	// the session ends; empty leaves it out.
	Issuer string
	// SessionDuration is how long the console session lasts, between
	// MinSessionDuration and MaxSessionDuration, in whole seconds; zero
	// leaves it out and AWS's default applies. AWS refuses it for
	// credentials from GetFederationToken.
	SessionDuration time.Duration
	// HTTPClient calls the federation endpoint; nil means a client with a
	// 30-second timeout.
	HTTPClient *http.Client
}

func (o *Options) partition() Partition {
	if o.Partition != nil {
		return *o.Partition
	}
	return PartitionOf(o.Region)
}

func (o *Options) federationURL() string {
	if o.FederationURL != "" {
		return o.FederationURL
	}
	return o.partition().FederationURL
}

// DestinationURL is the console page Options.Destination names.
func (o *Options) DestinationURL() string {
	d := o.Destination
	if strings.HasPrefix(d, "https://") || strings.HasPrefix(d, "http://") {
		return d
	}
	base := strings.TrimSuffix(o.partition().ConsoleURL, "/")
	path := strings.Trim(d, "/")
	if path == "" {
		path = "console/home"
	} else if !strings.Contains(path, "/") {
		path += "/home"
	}
	u := base + "/" + path
	if o.Region != "" {
		u += "?region=" + url.QueryEscape(o.Region)
	}
	return u
}

// ErrNotTemporary is returned for credentials without a session token.
var ErrNotTemporary = errors.New("console: the federation endpoint accepts only temporary credentials (with a session token)")

// Error is a refusal of the federation endpoint.
type Error struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Body is the start of the response body.
	Body string
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("console: the federation endpoint refused the credentials (HTTP %d)", e.StatusCode)
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

// SigninToken exchanges creds for a sign-in token at the federation
// endpoint's getSigninToken action: GET with Session, the JSON
// {"sessionId","sessionKey","sessionToken"}, and SessionDuration if set.
func SigninToken(ctx context.Context, creds Credentials, o Options) (string, error) {
	if creds.AccessKeyID == "" || creds.SecretAccessKey == "" {
		return "", errors.New("console: no credentials")
	}
	if creds.SessionToken == "" {
		return "", ErrNotTemporary
	}
	session, err := json.Marshal(map[string]string{
		"sessionId": creds.AccessKeyID, "sessionKey": creds.SecretAccessKey, "sessionToken": creds.SessionToken,
	})
	if err != nil {
		return "", err
	}
	q := url.Values{"Action": {"getSigninToken"}, "Session": {string(session)}}
	if d := o.SessionDuration; d != 0 {
		if d < MinSessionDuration || d > MaxSessionDuration {
			return "", fmt.Errorf("console: a session duration of %v is outside %v to %v", d, MinSessionDuration, MaxSessionDuration)
		}
		q.Set("SessionDuration", strconv.FormatInt(int64(d/time.Second), 10))
	}
	u, err := url.Parse(o.federationURL())
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("console: invalid federation URL %q", o.federationURL())
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", err
	}
	hc := o.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		// The URL holds the credentials: report the endpoint only.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", fmt.Errorf("console: calling the federation endpoint %s://%s%s: %w", u.Scheme, u.Host, u.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return "", fmt.Errorf("console: reading the federation endpoint's answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", &Error{StatusCode: resp.StatusCode, Body: snippet(body)}
	}
	var out struct{ SigninToken string }
	if err := json.Unmarshal(body, &out); err != nil || out.SigninToken == "" {
		return "", fmt.Errorf("console: the federation endpoint's answer has no SigninToken: %s", snippet(body))
	}
	return out.SigninToken, nil
}

// snippet is the start of a body, on one line, for messages.
func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// LoginURL is the federation endpoint's login action for a sign-in token:
// Action=login, Issuer (if set), Destination and SigninToken.
func LoginURL(token string, o Options) string {
	q := url.Values{"Action": {"login"}, "Destination": {o.DestinationURL()}, "SigninToken": {token}}
	if o.Issuer != "" {
		q.Set("Issuer", o.Issuer)
	}
	return o.federationURL() + "?" + q.Encode()
}

// SigninURL returns a console sign-in URL for creds: SigninToken, then
// LoginURL.
func SigninURL(ctx context.Context, creds Credentials, o Options) (string, error) {
	token, err := SigninToken(ctx, creds, o)
	if err != nil {
		return "", err
	}
	return LoginURL(token, o), nil
}
