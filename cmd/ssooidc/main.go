// Command ssooidc is the IAM Identity Center OIDC server, its admin tool
// and (as they land) the login tool and benchmark. Run "ssooidc help".
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/ssooidc/ssooidc/internal/sso"
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
	os.Exit(report(err, os.Stderr))
}

// report prints err for the person at the terminal and returns the
// exit status: 0 for none (or help that was asked for), the command's own
// for an exitCode, 2 for a mistake in the command line, 1 for any other
// failure.
func report(err error, stderr io.Writer) int {
	if err == nil || errors.Is(err, errHelp) {
		return 0
	}
	var ec exitCode
	if errors.As(err, &ec) {
		return int(ec) // the child's status; it has said why itself
	}
	fmt.Fprintln(stderr, "ssooidc:", cliMessage(err))
	var ue usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

// exitCode ends ssooidc with that status and no message: what exec
// returns when its command exits non-zero.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// errHelp is returned by a command whose help was asked for (-h, --help)
// and printed: main exits 0.
var errHelp = errors.New("help requested")

// usageError is a mistake in the command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// usagef returns a usageError, or errHelp when one of args is (or wraps)
// flag.ErrHelp: every "usagef("%v", err)" after a flag parse then turns a
// requested help into a success.
func usagef(format string, args ...any) error {
	for _, a := range args {
		if err, ok := a.(error); ok && errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
	}
	return usageError{fmt.Sprintf(format, args...)}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	// Flag sets print to stderr; the one of a command whose help was
	// asked for prints to stdout instead (see parseArgs).
	stderr = helpOut{stdout: stdout, stderr: stderr}
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
		if len(args) > 1 && args[0] == "help" {
			// "ssooidc help serve" is "ssooidc serve -h".
			return run(ctx, append(append([]string(nil), args[1:]...), "-h"), stdin, stdout, stderr)
		}
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
		fmt.Fprintln(fs.Output(), usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses the flags of a command that takes no arguments.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("%s takes no arguments, got %q", fs.Name(), fs.Args())
	}
	return nil
}

// helpOut is the stderr run hands every command. It writes to stderr and
// carries stdout, so that parseArgs can print help that was asked for to
// stdout (where "ssooidc serve -h | less" reads it) while usage after a
// mistake stays on stderr.
type helpOut struct{ stdout, stderr io.Writer }

func (c helpOut) Write(p []byte) (int, error) { return c.stderr.Write(p) }

// parseArgs parses args into fs. After -h or --help it has printed the
// usage to stdout and returns errHelp; a mistake is a usageError, its
// usage printed to stderr.
func parseArgs(fs *flag.FlagSet, args []string) error {
	out := fs.Output()
	var buf bytes.Buffer
	fs.SetOutput(&buf)
	err := fs.Parse(args)
	fs.SetOutput(out)
	if c, ok := out.(helpOut); ok && errors.Is(err, flag.ErrHelp) {
		out = c.stdout
	}
	_, _ = out.Write(buf.Bytes())
	if err != nil {
		return usagef("%v", err)
	}
	return nil
}

// cliMessage is err as the CLI prints it. A domain error (*sso.Error)
// reads as its message, for the person, never with its wire code
// ("invalid_request: ...") or the store's text behind it; only an
// internal failure keeps its cause, which is what the operator needs.
func cliMessage(err error) string {
	msg := err.Error()
	var se *sso.Error
	if !errors.As(err, &se) {
		return msg
	}
	human := se.Message
	if se.Code == sso.CodeInternal && se.Err != nil {
		human = strings.TrimSuffix(se.Message, ".") + ": " + se.Err.Error()
	}
	return strings.Replace(msg, se.Error(), human, 1)
}
