package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/ssooidc/ssooidc/login"
)

// roleFlags are the flags of the commands that use a profile's role:
// export-credentials, credential-server, exec and console.
type roleFlags struct {
	sessionFlags
}

func (f *roleFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.profile, "profile", "", "the SSO profile (sso_account_id, sso_role_name); default $AWS_PROFILE, then \"default\"")
	f.sessionFlags.register(fs, false)
}

// role is a profile's role and the client that gets its credentials.
type role struct {
	cfg    *login.Config
	sess   *login.Session
	client *login.Client
}

// resolve finds the profile's role; it never opens a login (a process
// that waits for credentials is no place for a browser tab).
func (f *roleFlags) resolve(stderr io.Writer) (*role, error) {
	cfg, err := f.config()
	if err != nil {
		return nil, err
	}
	sess, err := cfg.Profile(f.profile)
	if err != nil {
		return nil, err
	}
	if sess.AccountID == "" || sess.RoleName == "" {
		return nil, fmt.Errorf("the profile %q has no sso_account_id and sso_role_name: it names no role to get credentials for", sess.Profile)
	}
	c := login.New(sess, f.options, func(o *login.Options) {
		o.OnWait = waitNotice(stderr, sess, true)
	})
	return &role{cfg: cfg, sess: sess, client: c}, nil
}

// credentials resolves the role and gets its credentials (from the cache,
// or the portal with the session's token).
func (f *roleFlags) credentials(ctx context.Context, stderr io.Writer) (*role, aws.Credentials, error) {
	r, err := f.resolve(stderr)
	if err != nil {
		return nil, aws.Credentials{}, err
	}
	creds, err := r.client.RoleCredentials(ctx, r.sess.AccountID, r.sess.RoleName)
	if err != nil {
		return nil, aws.Credentials{}, err
	}
	return r, creds, nil
}

// region is the region the role's commands run in: the flag, else the
// profile's region, else the sso_region.
func (r *role) region(flagValue string) string {
	for _, v := range []string{flagValue, r.cfg.ProfileValue(r.sess.Profile, "region"), r.sess.Region} {
		if v != "" {
			return v
		}
	}
	return ""
}

// cmdCredentialServer serves the profile's role credentials at a container
// credentials endpoint on loopback until interrupted, and prints the two
// variables that send any AWS SDK or CLI there.
func cmdCredentialServer(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("credential-server", "Usage: ssooidc credential-server --profile P [--addr 127.0.0.1:PORT] [--endpoint URL] [--cache-dir DIR]\n\n"+
		"Serves the role's credentials to any AWS tool, renewed before they expire, until interrupted.\n"+
		"Set the two printed variables in the tool's environment (eval \"$(...)\" in another shell).", stderr)
	var rf roleFlags
	rf.register(fs)
	addr := fs.String("addr", "127.0.0.1:0", "the loopback address to listen on (default: a random port)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	// Fail now, not at the first request, when the session needs a login.
	r, _, err := rf.credentials(ctx, stderr)
	if err != nil {
		return err
	}
	srv, err := login.NewCredentialServer(*addr, r.client.CredentialsProvider(r.sess.AccountID, r.sess.RoleName), nil)
	if err != nil {
		return err
	}
	for _, kv := range srv.Env() {
		fmt.Fprintf(stdout, "export %s\n", kv)
	}
	fmt.Fprintf(stderr, "Serving the credentials of role %s in account %s (profile %s) at %s until interrupted.\n",
		r.sess.RoleName, r.sess.AccountID, r.sess.Profile, srv.URL())
	return srv.Serve(ctx)
}
