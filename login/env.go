package login

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// Environment is what the machine allows: whether a browser here can reach
// a loopback callback on this machine (needed by the authorization-code
// flow), and how to open one.
type Environment struct {
	// Headless is true when no browser on this machine can be expected to
	// reach 127.0.0.1 here: over SSH, in a container, in CI, on Linux
	// without a display, or in WSL (whose Windows browser often cannot
	// reach the Linux loopback; aws-cli #9098, #10433). Login then uses the
	// device flow, which can be finished on any device.
	Headless bool
	// Reason says why, for the message that explains the choice of flow
	// ("SSH session (SSH_CONNECTION is set)").
	Reason string
	// WSL is true under the Windows Subsystem for Linux: the browser is
	// opened on the Windows side with wslview.
	WSL bool
	// CanOpenBrowser is false where no browser can be opened: over SSH, in
	// a container or CI, or on Linux without a display, unless BROWSER is
	// set.
	CanOpenBrowser bool

	getenv func(string) string
}

// DetectEnvironment looks at the process environment and the machine.
func DetectEnvironment() Environment {
	return detectEnvironment(os.Getenv, func(p string) bool { _, err := os.Stat(p); return err == nil },
		func(p string) string { b, _ := os.ReadFile(p); return string(b) }, runtime.GOOS)
}

// ciVars are set by CI systems; each names one.
var ciVars = []string{"CI", "GITHUB_ACTIONS", "GITLAB_CI", "BUILDKITE", "JENKINS_URL", "TF_BUILD", "CIRCLECI", "TRAVIS", "CODEBUILD_BUILD_ID", "TEAMCITY_VERSION"}

func detectEnvironment(getenv func(string) string, exists func(string) bool, read func(string) string, goos string) Environment {
	e := Environment{getenv: getenv, CanOpenBrowser: true}
	headless := func(reason string) {
		if !e.Headless {
			e.Headless, e.Reason = true, reason
		}
	}
	for _, v := range []string{"SSH_CONNECTION", "SSH_TTY", "SSH_CLIENT"} {
		if getenv(v) != "" {
			headless("SSH session (" + v + " is set)")
			e.CanOpenBrowser = false
			break
		}
	}
	switch {
	case getenv("CODESPACES") == "true":
		headless("GitHub Codespaces")
		e.CanOpenBrowser = false
	case getenv("REMOTE_CONTAINERS") != "" || getenv("KUBERNETES_SERVICE_HOST") != "" || getenv("container") != "" ||
		(goos == "linux" && (exists("/.dockerenv") || exists("/run/.containerenv"))):
		headless("container")
		e.CanOpenBrowser = false
	}
	for _, v := range ciVars {
		if val := strings.ToLower(getenv(v)); val != "" && val != "false" && val != "0" {
			headless("CI (" + v + " is set)")
			e.CanOpenBrowser = false
			break
		}
	}
	if goos == "linux" {
		if getenv("WSL_DISTRO_NAME") != "" || getenv("WSL_INTEROP") != "" || strings.Contains(strings.ToLower(read("/proc/sys/kernel/osrelease")), "microsoft") {
			e.WSL = true
			headless("WSL")
		} else if getenv("DISPLAY") == "" && getenv("WAYLAND_DISPLAY") == "" {
			headless("no display (neither DISPLAY nor WAYLAND_DISPLAY is set)")
			e.CanOpenBrowser = false
		}
	}
	if getenv("BROWSER") != "" {
		// The user said how to open a browser; believe it.
		e.CanOpenBrowser = true
	}
	return e
}

// Browser opens a URL for the person at the machine.
type Browser interface {
	Open(ctx context.Context, url string) error
}

// BrowserFunc adapts a function to Browser.
type BrowserFunc func(ctx context.Context, url string) error

// Open calls f.
func (f BrowserFunc) Open(ctx context.Context, url string) error { return f(ctx, url) }

// ErrNoBrowser is returned by SystemBrowser where no browser can be opened.
var ErrNoBrowser = errors.New("no browser can be opened here")

// SystemBrowser opens URLs as Python's webbrowser module (and so the AWS
// CLI) does: with the commands of BROWSER (separated by the path-list
// separator; "%s" stands for the URL, else it is appended), else wslview
// under WSL, xdg-open on Linux and the BSDs, open on macOS, and the URL
// handler on Windows. The command is started, not waited for beyond a
// moment: a browser may run for hours.
type SystemBrowser struct {
	Env Environment
}

// Open opens url.
func (b SystemBrowser) Open(ctx context.Context, url string) error {
	getenv := b.Env.getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	var cmds [][]string
	if v := getenv("BROWSER"); v != "" {
		for _, c := range strings.Split(v, string(os.PathListSeparator)) {
			args := strings.Fields(c)
			if len(args) == 0 {
				continue
			}
			replaced := false
			for i, a := range args {
				if strings.Contains(a, "%s") {
					args[i] = strings.ReplaceAll(a, "%s", url)
					replaced = true
				}
			}
			if !replaced {
				args = append(args, url)
			}
			cmds = append(cmds, args)
		}
	} else {
		if !b.Env.CanOpenBrowser {
			return ErrNoBrowser
		}
		switch {
		case b.Env.WSL:
			cmds = [][]string{{"wslview", url}, {"cmd.exe", "/c", "start", "", strings.ReplaceAll(url, "&", "^&")}}
		case runtime.GOOS == "darwin":
			cmds = [][]string{{"open", url}}
		case runtime.GOOS == "windows":
			cmds = [][]string{{"rundll32", "url.dll,FileProtocolHandler", url}}
		default:
			cmds = [][]string{{"xdg-open", url}}
		}
	}
	var errs []error
	for _, args := range cmds {
		if err := startBrowser(ctx, args); err != nil {
			errs = append(errs, err)
			continue
		}
		return nil
	}
	return errors.Join(errs...)
}

// startBrowser runs args and waits at most a second: a command that fails
// at once (not found, exit status) is an error; one still running is a
// browser, left to run.
func startBrowser(ctx context.Context, args []string) error {
	cmd := exec.Command(args[0], args[1:]...)
	// Nil streams are the null device: a browser's chatter stays out of
	// the terminal, and Wait does not wait for pipes.
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t := time.NewTimer(time.Second)
	defer t.Stop()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("%s: %w", args[0], err)
		}
		return nil
	case <-t.C:
		return nil
	case <-ctx.Done():
		return nil
	}
}
