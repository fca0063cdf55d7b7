// Command ssooidc is the IAM Identity Center OIDC server, its admin tool
// and (as they land) the login tool and benchmark. Run "ssooidc help".
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `ssooidc: a self-hosted AWS IAM Identity Center OIDC service.

Usage:
  ssooidc login [--profile P | --sso-session S | --start-url U --region R] [--use-device-code | --use-pkce] [--no-browser] [--endpoint URL] [--cache-dir DIR]
  ssooidc logout [--sso-session S | --profile P | --all] [--endpoint URL] [--cache-dir DIR]
  ssooidc status [--json] [--cache-dir DIR]
  ssooidc token [--sso-session S | --profile P | --start-url U --region R] [--endpoint URL] [--cache-dir DIR]
  ssooidc export-credentials --profile P [--format process|env|env-no-export|powershell|windows-cmd] [--endpoint URL] [--cache-dir DIR]
  ssooidc exec --profile P [--server] [--region R] [-- COMMAND ARGS...]    run a command with the role's credentials
  ssooidc credential-server --profile P [--addr 127.0.0.1:PORT]           serve them to any AWS tool (container credentials)
  ssooidc console --profile P [--print] [--destination SERVICE|URL]        sign in to the AWS console as the role
  ssooidc configure generate [--sso-session S] [--template T] [--dry-run]  a profile for every account and role you have
  ssooidc completion bash|zsh|fish                                         shell completion
  ssooidc serve [flags]                 run the service (see "ssooidc serve -h")
  ssooidc admin ...                     users, accounts, permission sets, assignments, migrate
                                        (see "ssooidc admin" for the list)
  ssooidc bench [flags]                 measure the service against a bare net/http floor (see "ssooidc bench -h")
  ssooidc version

Admin commands take the same --data-dir, --database and --config as serve.

The login commands share the AWS CLI's caches (~/.aws/sso/cache, ~/.aws/cli/cache);
SSOOIDC_CACHE_DIR and SSOOIDC_CREDENTIALS_CACHE_DIR move them.
`

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		var ec exitCode
		if errors.As(err, &ec) {
			os.Exit(int(ec)) // the child's status; it has said why itself
		}
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintln(os.Stderr, "ssooidc:", err)
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "ssooidc:", err)
		os.Exit(1)
	}
}

// exitCode ends ssooidc with that status and no message: what exec
// returns when its command exits non-zero.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// usageError is a mistake in the command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usagef("no command given")
	}
	switch args[0] {
	case "serve":
		return cmdServe(ctx, args[1:], stdout, stderr)
	case "admin":
		return cmdAdmin(ctx, args[1:], stdin, stdout, stderr)
	case "login":
		return cmdLogin(ctx, args[1:], stdin, stdout, stderr)
	case "logout":
		return cmdLogout(ctx, args[1:], stdin, stdout, stderr)
	case "status":
		return cmdStatus(ctx, args[1:], stdin, stdout, stderr)
	case "token":
		return cmdToken(ctx, args[1:], stdin, stdout, stderr)
	case "export-credentials":
		return cmdExportCredentials(ctx, args[1:], stdin, stdout, stderr)
	case "exec":
		return cmdExec(ctx, args[1:], stdin, stdout, stderr)
	case "credential-server":
		return cmdCredentialServer(ctx, args[1:], stdin, stdout, stderr)
	case "console":
		return cmdConsole(ctx, args[1:], stdin, stdout, stderr)
	case "configure":
		return cmdConfigure(ctx, args[1:], stdin, stdout, stderr)
	case "completion", completeCommand:
		return cmdCompletion(ctx, args, stdin, stdout, stderr)
	case "bench":
		return cmdBench(ctx, args[1:], stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "ssooidc", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return usagef("unknown command %q", args[0])
}

// newFlags returns the flag set of the command name, whose -h prints
// usage and the flags.
func newFlags(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses the flags of a command that takes no arguments.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return usagef("%s takes no arguments, got %q", fs.Name(), fs.Args())
	}
	return nil
}
