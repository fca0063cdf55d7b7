package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"time"

	"github.com/ssooidc/ssooidc/login"
)

// EnvExecProfile marks a process started by `ssooidc exec`: it names the
// profile. An `ssooidc exec` that finds it refuses to run (aws-vault's
// AWS_VAULT does the same): the inner command would silently get other
// credentials than the shell around it says.
const EnvExecProfile = "SSOOIDC_EXEC_PROFILE"

// execClearedVars are removed from the command's environment: each would
// make an SDK use other credentials than the role's (the static variables
// come first in every credential chain, a profile before the container
// endpoint).
var execClearedVars = []string{
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_CREDENTIAL_EXPIRATION",
	"AWS_PROFILE", "AWS_DEFAULT_PROFILE",
	login.EnvContainerCredentialsFullURI, login.EnvContainerAuthorizationToken,
	"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
}

// cmdExec runs a command with the profile's role credentials in its
// environment, as `aws-vault exec` does: by default as variables
// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
// AWS_CREDENTIAL_EXPIRATION), which every tool reads but which expire with
// the role's session; with --server through a credential server in this
// process, from which the command's SDK takes fresh credentials for as long
// as it runs. Either way AWS_REGION and AWS_DEFAULT_REGION are set. The
// command's exit status is ssooidc's; signals sent to ssooidc are passed
// on.
func cmdExec(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("exec", "Usage: ssooidc exec --profile P [--server] [--region R] [--endpoint URL] [--cache-dir DIR] [-- COMMAND [ARGS...]]\n\n"+
		"Runs COMMAND (default: $SHELL) with the role's credentials in its environment.", stderr)
	var rf roleFlags
	rf.register(fs)
	server := fs.Bool("server", false, "serve the credentials from a credential server in this process (AWS_CONTAINER_CREDENTIALS_FULL_URI) instead of variables: for commands that outlive the role's session, as aws-vault --ecs-server")
	fs.BoolVar(server, "ecs-server", false, "the same as --server (aws-vault's name)")
	region := fs.String("region", "", "AWS_REGION for the command (default: the profile's region, else its sso_region)")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	command := fs.Args()
	if p := os.Getenv(EnvExecProfile); p != "" {
		return fmt.Errorf("already inside `ssooidc exec` of profile %q (%s is set); exit that shell first, or unset %s if you mean to nest", p, EnvExecProfile, EnvExecProfile)
	}
	if len(command) == 0 {
		sh := os.Getenv("SHELL")
		if sh == "" {
			return usagef("no command given and $SHELL is not set: ssooidc exec --profile P -- COMMAND [ARGS...]")
		}
		command = []string{sh}
	}
	path, err := exec.LookPath(command[0])
	if err != nil {
		return fmt.Errorf("%s: %w", command[0], err)
	}
	r, creds, err := rf.credentials(ctx, stderr)
	if err != nil {
		return err
	}
	env := execEnv(os.Environ(), r.sess.Profile, r.region(*region))
	var srv *login.CredentialServer
	if *server {
		srv, err = login.NewCredentialServer("", r.client.CredentialsProvider(r.sess.AccountID, r.sess.RoleName), nil)
		if err != nil {
			return err
		}
		// The server outlives a cancelled ctx (Ctrl-C goes to the command,
		// which may take its time to finish and still need credentials).
		go srv.Serve(context.WithoutCancel(ctx))
		env = append(env, srv.Env()...)
	} else {
		env = append(env, "AWS_ACCESS_KEY_ID="+creds.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+creds.SecretAccessKey)
		if creds.SessionToken != "" {
			env = append(env, "AWS_SESSION_TOKEN="+creds.SessionToken)
		}
		if creds.CanExpire {
			env = append(env, "AWS_CREDENTIAL_EXPIRATION="+creds.Expires.UTC().Format(time.RFC3339))
		}
	}
	code, err := runForwardingSignals(path, command, env, stdin, stdout, stderr)
	if srv != nil {
		srv.Close()
	}
	if err != nil {
		return err
	}
	if code != 0 {
		return exitCode(code)
	}
	return nil
}

// execEnv is the command's environment: env less execClearedVars, plus
// the marker and the region.
func execEnv(env []string, profile, region string) []string {
	var out []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		clear := k == EnvExecProfile
		for _, c := range execClearedVars {
			clear = clear || k == c
		}
		if region != "" && (k == "AWS_REGION" || k == "AWS_DEFAULT_REGION") {
			clear = true
		}
		if !clear {
			out = append(out, kv)
		}
	}
	out = append(out, EnvExecProfile+"="+profile)
	if region != "" {
		out = append(out, "AWS_REGION="+region, "AWS_DEFAULT_REGION="+region)
	}
	return out
}

// runForwardingSignals runs the command and returns its exit status: its
// own, or 128+N when signal N ended it (as a shell reports it). Signals
// ssooidc receives are passed on, except those the terminal sent to the
// whole foreground process group (Ctrl-C, Ctrl-\): the command got them
// already, and a second SIGINT means "stop now" to many programs
// (terraform).
func runForwardingSignals(path string, argv, env []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	cmd := &exec.Cmd{Path: path, Args: argv, Env: env, Stdin: stdin, Stdout: stdout, Stderr: stderr}
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, forwardedSignals...)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-sigs:
				if !fromTerminal(s) {
					_ = cmd.Process.Signal(s)
				}
			case <-done:
				return
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return 0, err
	}
	return exitStatus(cmd.ProcessState), nil
}
