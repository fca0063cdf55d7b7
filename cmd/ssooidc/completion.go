package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/ssooidc/ssooidc/login"
)

// completeCommand is the hidden command the completion scripts call for
// what changes: profile and sso-session names from the AWS config file.
const completeCommand = "__complete"

// completions lists the commands and their flags for the shell scripts;
// TestCompletionFlags checks it against every command's real flags.
var completions = []struct {
	command string
	flags   []string
}{
	{"login", []string{"--profile", "--sso-session", "--start-url", "--region", "--use-device-code", "--use-pkce", "--no-browser", "--endpoint", "--cache-dir"}},
	{"logout", []string{"--profile", "--sso-session", "--all", "--endpoint", "--cache-dir"}},
	{"status", []string{"--json", "--cache-dir"}},
	{"token", []string{"--profile", "--sso-session", "--start-url", "--region", "--endpoint", "--cache-dir"}},
	{"export-credentials", []string{"--profile", "--format", "--endpoint", "--cache-dir"}},
	{"exec", []string{"--profile", "--server", "--ecs-server", "--region", "--endpoint", "--cache-dir"}},
	{"credential-server", []string{"--profile", "--addr", "--endpoint", "--cache-dir"}},
	{"console", []string{"--profile", "--print", "--destination", "--region", "--duration", "--federation-url", "--issuer", "--endpoint", "--cache-dir"}},
	{"configure", []string{"generate", "--sso-session", "--template", "--region", "--dry-run", "--endpoint", "--cache-dir"}},
	{"completion", []string{"bash", "zsh", "fish"}},
	{"serve", nil},
	{"admin", nil},
	{"bench", nil},
	{"version", nil},
	{"help", nil},
}

// flagValues are the fixed values of flags that take one.
var flagValues = map[string][]string{
	"--format": {"process", "env", "env-no-export", "powershell", "windows-cmd"},
}

// cmdCompletion prints a completion script (completion bash|zsh|fish), or
// answers a script's question (__complete profiles|sso-sessions|commands|
// flags CMD|values FLAG).
func cmdCompletion(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if args[0] == completeCommand {
		return complete(args[1:], stdout)
	}
	if len(args) == 2 && isHelp(args[1]) {
		fmt.Fprintln(stdout, "Usage: ssooidc completion bash|zsh|fish\n\nPrints the shell completion script for the shell.")
		return errHelp
	}
	if len(args) != 2 {
		return usagef("usage: ssooidc completion bash|zsh|fish")
	}
	var script string
	switch args[1] {
	case "bash":
		script = bashCompletion
	case "zsh":
		script = zshCompletion
	case "fish":
		script = fishCompletion()
	default:
		return usagef("no completion for the shell %q: bash, zsh or fish", args[1])
	}
	_, err := io.WriteString(stdout, script)
	return err
}

// complete prints one candidate per line. Errors are silent: a broken
// config file must not spill into the person's command line.
func complete(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return nil
	}
	var out []string
	switch args[0] {
	case "commands":
		for _, c := range completions {
			out = append(out, c.command)
		}
	case "flags":
		for _, c := range completions {
			if len(args) > 1 && c.command == args[1] {
				out = c.flags
			}
		}
	case "values":
		if len(args) > 1 {
			out = flagValues[args[1]]
		}
	case "profiles", "sso-sessions":
		cfg, err := login.LoadConfig("")
		if err != nil {
			return nil
		}
		if args[0] == "profiles" {
			out = cfg.Profiles()
		} else {
			out = cfg.SSOSessions()
		}
	}
	sort.Strings(out)
	if len(out) > 0 {
		_, err := io.WriteString(stdout, strings.Join(out, "\n")+"\n")
		return err
	}
	return nil
}

// bashCompletion completes commands, their flags, the values of --format,
// and profile and sso-session names read from the AWS config file.
const bashCompletion = `# ssooidc completion for bash: eval "$(ssooidc completion bash)"
_ssooidc() {
    local cur prev cmd
    cur="${COMP_WORDS[COMP_CWORD]}"
    prev="${COMP_WORDS[COMP_CWORD-1]}"
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "$(ssooidc __complete commands)" -- "$cur"))
        return
    fi
    cmd="${COMP_WORDS[1]}"
    case "$prev" in
        --profile)
            local IFS=$'\n'
            COMPREPLY=($(compgen -W "$(ssooidc __complete profiles 2>/dev/null)" -- "$cur"))
            return ;;
        --sso-session)
            local IFS=$'\n'
            COMPREPLY=($(compgen -W "$(ssooidc __complete sso-sessions 2>/dev/null)" -- "$cur"))
            return ;;
        --format)
            COMPREPLY=($(compgen -W "$(ssooidc __complete values --format)" -- "$cur"))
            return ;;
        --cache-dir)
            COMPREPLY=($(compgen -d -- "$cur"))
            return ;;
    esac
    if [ "$cmd" = exec ]; then
        local i
        for ((i = 2; i < COMP_CWORD; i++)); do
            if [ "${COMP_WORDS[i]}" = "--" ]; then
                COMPREPLY=($(compgen -c -- "$cur"))
                return
            fi
        done
    fi
    COMPREPLY=($(compgen -W "$(ssooidc __complete flags "$cmd")" -- "$cur"))
}
complete -o default -F _ssooidc ssooidc
`

// zshCompletion does the same for zsh.
const zshCompletion = `#compdef ssooidc
# ssooidc completion for zsh: eval "$(ssooidc completion zsh)", or save as _ssooidc in $fpath
_ssooidc() {
    if (( CURRENT == 2 )); then
        compadd -- ${(f)"$(ssooidc __complete commands)"}
        return
    fi
    case ${words[CURRENT-1]} in
        --profile) compadd -- ${(f)"$(ssooidc __complete profiles 2>/dev/null)"}; return ;;
        --sso-session) compadd -- ${(f)"$(ssooidc __complete sso-sessions 2>/dev/null)"}; return ;;
        --format) compadd -- ${(f)"$(ssooidc __complete values --format)"}; return ;;
        --cache-dir) _directories; return ;;
    esac
    if [[ ${words[2]} == exec ]] && (( ${words[(I)--]} > 0 && ${words[(I)--]} < CURRENT )); then
        _command_names
        return
    fi
    compadd -- ${(f)"$(ssooidc __complete flags ${words[2]})"}
}
if (( $+functions[compdef] )); then
    compdef _ssooidc ssooidc
fi
`

// fishCompletion is generated from completions.
func fishCompletion() string {
	var b strings.Builder
	b.WriteString("# ssooidc completion for fish: ssooidc completion fish | source\n")
	b.WriteString("complete -c ssooidc -f\n")
	b.WriteString("complete -c ssooidc -n __fish_use_subcommand -a '(ssooidc __complete commands)'\n")
	for _, c := range completions {
		for _, f := range c.flags {
			cond := "__fish_seen_subcommand_from " + c.command
			if !strings.HasPrefix(f, "--") {
				fmt.Fprintf(&b, "complete -c ssooidc -n '%s' -a %s\n", cond, f)
				continue
			}
			line := fmt.Sprintf("complete -c ssooidc -n '%s' -l %s", cond, strings.TrimPrefix(f, "--"))
			switch f {
			case "--profile":
				line += " -x -a '(ssooidc __complete profiles 2>/dev/null)'"
			case "--sso-session":
				line += " -x -a '(ssooidc __complete sso-sessions 2>/dev/null)'"
			case "--format":
				line += " -x -a '(ssooidc __complete values --format)'"
			case "--cache-dir":
				line += " -r -F"
			}
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}
