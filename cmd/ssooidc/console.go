package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/ssooidc/ssooidc/console"
	"github.com/ssooidc/ssooidc/login"
)

// EnvFederationURL overrides the partition's federation endpoint for
// `ssooidc console` (a test endpoint, a regional sign-in endpoint).
const EnvFederationURL = "SSOOIDC_FEDERATION_URL"

// cmdConsole signs in to the AWS console as the profile's role: the role
// credentials go to the AWS federation endpoint for a sign-in token, and
// the resulting URL is opened in the browser (or printed).
func cmdConsole(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("console", "Usage: ssooidc console --profile P [--print] [--destination SERVICE|URL] [--region R] [--duration D] [--federation-url URL]\n\n"+
		"Opens the AWS console signed in as the profile's role. The URL signs anyone in for 15 minutes: keep it to yourself.", stderr)
	var rf roleFlags
	rf.register(fs)
	print := fs.Bool("print", false, "print the sign-in URL instead of opening a browser")
	dest := fs.String("destination", "", "the console page: a service (s3, ec2, ...), a path, or a full URL (default: the console home)")
	region := fs.String("region", "", "the console's region and partition (default: the profile's region, else its sso_region)")
	duration := fs.Duration("duration", 0, "how long the console session lasts, 15m to 12h (default: AWS's)")
	fedURL := fs.String("federation-url", "", "the federation endpoint (default: $"+EnvFederationURL+", else the partition's, such as https://signin.aws.amazon.com/federation)")
	issuer := fs.String("issuer", "", "the Issuer of the sign-in: where the console sends you when the session ends")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *duration != 0 && (*duration < console.MinSessionDuration || *duration > console.MaxSessionDuration) {
		return usagef("--duration %v is outside 15m to 12h", *duration)
	}
	r, creds, err := rf.credentials(ctx, stderr)
	if err != nil {
		return err
	}
	o := console.Options{Region: r.region(*region), FederationURL: *fedURL, Destination: *dest, Issuer: *issuer,
		SessionDuration: duration.Round(time.Second)}
	if o.FederationURL == "" {
		o.FederationURL = os.Getenv(EnvFederationURL)
	}
	url, err := console.SigninURL(ctx, console.Credentials{AccessKeyID: creds.AccessKeyID,
		SecretAccessKey: creds.SecretAccessKey, SessionToken: creds.SessionToken}, o)
	if err != nil {
		return err
	}
	if *print {
		_, err := fmt.Fprintln(stdout, url)
		return err
	}
	b := login.SystemBrowser{Env: login.DetectEnvironment()}
	if err := b.Open(ctx, url); err != nil {
		fmt.Fprintf(stderr, "Could not open a browser (%v); open this URL (valid for 15 minutes):\n", err)
		_, err := fmt.Fprintln(stdout, url)
		return err
	}
	fmt.Fprintf(stderr, "Opened the AWS console as role %s in account %s.\n", r.sess.RoleName, r.sess.AccountID)
	return nil
}
