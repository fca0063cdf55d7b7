package logintest

import (
	"context"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestCompletion: the scripts of `ssooidc completion bash|zsh|fish`, loaded
// in the real shells, complete commands, flags, --format values and the
// profile names of ~/.aws/config.
func TestCompletion(t *testing.T) {
	t.Parallel()
	srv := portalServer(t)
	h := newHome(t, srv)
	h.appendConfig(t, "\n[profile Sandbox/ReadOnly]\nsso_session = my-sso\n")
	env := append(h.env, "PATH="+filepath.Dir(binary)+":/usr/bin:/bin")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	shell := func(name, script string) []string {
		t.Helper()
		cmd := exec.CommandContext(ctx, name, "-c", script)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, out)
		}
		return strings.Fields(string(out))
	}
	type tc struct {
		line string // the words typed, the last one being completed
		want []string
	}
	cases := []tc{
		{"ssooidc ex", []string{"exec", "export-credentials"}},
		{"ssooidc exec --profile ", []string{"Sandbox/ReadOnly", "dev", "legacy"}},
		{"ssooidc login --sso-session ", []string{"my-sso"}},
		{"ssooidc export-credentials --format env-", []string{"env-no-export"}},
		{"ssooidc console --pr", []string{"--print", "--profile"}},
		{"ssooidc completion ", []string{"bash", "fish", "zsh"}},
	}
	check := func(shellName string, got []string, c tc) {
		t.Helper()
		if strings.Join(got, " ") != strings.Join(c.want, " ") {
			t.Errorf("%s: %q completes to %q, want %q", shellName, c.line, got, c.want)
		}
	}
	for _, c := range cases {
		words := strings.Split(c.line, " ")
		var quoted []string
		for _, w := range words {
			quoted = append(quoted, "'"+w+"'")
		}
		got := shell("bash", `eval "$(ssooidc completion bash)"; COMP_WORDS=(`+strings.Join(quoted, " ")+`); COMP_CWORD=`+
			strconv.Itoa(len(words)-1)+`; _ssooidc; printf '%s\n' "${COMPREPLY[@]}" | sort`)
		check("bash", got, c)

		got = shell("fish", `ssooidc completion fish | source; complete -C "`+c.line+`" | cut -f1 | sort`)
		check("fish", got, c)

		// zsh: the completion function with compadd recording its words.
		got = shell("zsh", `compadd() { while [[ $1 == -* ]]; do [[ $1 == -- ]] && { shift; break }; shift; done; print -l -- "$@" }
_directories() {}; _command_names() {}
eval "$(ssooidc completion zsh)"
words=(`+strings.Join(quoted, " ")+`); CURRENT=`+strconv.Itoa(len(words))+`
_ssooidc | grep -- "^`+words[len(words)-1]+`" | sort`)
		check("zsh", got, c)
	}
}
