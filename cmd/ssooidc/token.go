package main

import (
	"context"
	"fmt"
	"io"

	"github.com/ssooidc/ssooidc/login"
)

// cmdToken prints a valid access token of the session, refreshed first if
// it is in botocore's refresh window. It never opens a login: without a
// usable token it says which command does.
func cmdToken(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("token", "Usage: ssooidc token [--sso-session S | --profile P | --start-url U --region R] [--endpoint URL] [--cache-dir DIR]", stderr)
	var sf sessionFlags
	sf.register(fs, true)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := sf.config()
	if err != nil {
		return err
	}
	sess, err := sf.resolve(cfg, true)
	if err != nil {
		return err
	}
	c := login.New(sess, sf.options, func(o *login.Options) {
		o.OnWait = waitNotice(stderr, sess, true)
	})
	tok, err := c.Token(ctx)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, tok.AccessToken)
	return err
}
