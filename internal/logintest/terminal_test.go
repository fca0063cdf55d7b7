package logintest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"rsc.io/qr"

	"github.com/ssooidc/ssooidc/internal/servertest"
	"github.com/ssooidc/ssooidc/login"
)

// tmuxTerm runs commands in a detached tmux server of its own and reads
// its screen as a person sees it.
type tmuxTerm struct {
	t    *testing.T
	sock string
}

func newTmux(t *testing.T) *tmuxTerm {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatalf("tmux is required for the terminal test (apt-get install -y tmux): %v", err)
	}
	// A short path: unix socket names are limited to about 100 bytes.
	dir, err := os.MkdirTemp("", "tm")
	if err != nil {
		t.Fatal(err)
	}
	tm := &tmuxTerm{t: t, sock: filepath.Join(dir, "s")}
	t.Cleanup(func() {
		_ = exec.Command("tmux", "-S", tm.sock, "kill-server").Run()
		os.RemoveAll(dir)
	})
	return tm
}

func (tm *tmuxTerm) tmux(args ...string) string {
	tm.t.Helper()
	cmd := exec.Command("tmux", append([]string{"-u", "-S", tm.sock}, args...)...)
	cmd.Env = append(os.Environ(), "TERM=xterm-256color", "LANG=C.UTF-8", "LC_ALL=C.UTF-8")
	out, err := cmd.CombinedOutput()
	if err != nil {
		tm.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// run starts a shell script in a new 100x60 window named name; the window
// stays after the script ends, showing its exit status.
func (tm *tmuxTerm) run(name string, env []string, command string) {
	tm.runSized(name, 100, 60, env, command)
}

// runSized is run in a window of cols x rows.
func (tm *tmuxTerm) runSized(name string, cols, rows int, env []string, command string) {
	tm.t.Helper()
	script := filepath.Join(filepath.Dir(tm.sock), name+".sh")
	var b strings.Builder
	b.WriteString("#!/bin/sh\n")
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		if strings.ContainsAny(k, "(){}% -") || k == "" {
			continue
		}
		fmt.Fprintf(&b, "export %s='%s'\n", k, strings.ReplaceAll(v, "'", `'\''`))
	}
	// The shell survives Ctrl-C (a handler, unlike an ignored signal, is
	// not inherited by the command) to show the command's exit status.
	fmt.Fprintf(&b, "export TERM=xterm-256color LANG=C.UTF-8\ntrap 'true' INT\n%s\necho \"exit=$?\"\nsleep 600\n", command)
	if err := os.WriteFile(script, []byte(b.String()), 0o700); err != nil {
		tm.t.Fatal(err)
	}
	tm.tmux("new-session", "-d", "-s", name, "-x", fmt.Sprint(cols), "-y", fmt.Sprint(rows), script)
	tm.tmux("set-option", "-t", "="+name+":", "remain-on-exit", "on")
}

// screen is the visible text of a window.
func (tm *tmuxTerm) screen(name string) string {
	return tm.tmux("capture-pane", "-p", "-t", "="+name+":")
}

// await waits until the window's screen matches re and returns it.
func (tm *tmuxTerm) await(ctx context.Context, name string, re *regexp.Regexp) string {
	tm.t.Helper()
	for {
		s := tm.screen(name)
		if re.MatchString(s) {
			return s
		}
		select {
		case <-ctx.Done():
			tm.t.Fatalf("the screen never showed %s:\n%s", re, s)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

var timeLeft = regexp.MustCompile(`Waiting for approval of code [A-Z]{4}-[A-Z]{4}: (\d+):(\d\d) left \(Ctrl-C to cancel\)`)

func secondsLeft(t *testing.T, screen string) int {
	m := timeLeft.FindAllStringSubmatch(screen, -1)
	if len(m) != 1 {
		t.Fatalf("%d time-left lines on the screen (want one, rewritten in place):\n%s", len(m), screen)
	}
	min, _ := strconv.Atoi(m[0][1])
	sec, _ := strconv.Atoi(m[0][2])
	return min*60 + sec
}

// TestTerminal: what a person sees in a terminal during
// `ssooidc login --use-device-code --no-browser`: the URL, the code, a QR
// code that encodes the URL module for module, and the time left, counting
// down on one line; approval ends it with the expiry; Ctrl-C in another
// login cancels it cleanly.
func TestTerminal(t *testing.T) {
	t.Parallel()
	srv := servertest.New(t)
	srv.AddUser(t, "alice", password)
	h := newHome(t, srv)
	tm := newTmux(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	tm.run("login", h.env, binary+" login --profile dev --use-device-code --no-browser")
	screen := tm.await(ctx, "login", timeLeft)
	url := deviceURL.FindString(screen)
	code := codeLine.FindStringSubmatch(screen)
	if url == "" || code == nil || !strings.HasSuffix(url, code[1]) {
		t.Fatalf("no URL or code on the screen:\n%s", screen)
	}
	for _, want := range []string{"Scan the QR code or open this page on any device:", "and check that it shows the code " + code[1]} {
		if !strings.Contains(screen, want) {
			t.Errorf("the screen lacks %q:\n%s", want, screen)
		}
	}
	checkQR(t, screen, url)
	left := secondsLeft(t, screen)
	if left < 500 || left > 600 {
		t.Errorf("%d s left, want about 600 (the device code's life)", left)
	}
	time.Sleep(2100 * time.Millisecond)
	if later := secondsLeft(t, tm.screen("login")); later > left-2 {
		t.Errorf("the time left did not count down: %d then %d", left, later)
	}

	srv.Decide(t, code[1], "alice", true)
	screen = tm.await(ctx, "login", regexp.MustCompile(`exit=\d+`))
	if !strings.Contains(screen, "exit=0") || !strings.Contains(screen, `Signed in to sso-session "my-sso"`) || !strings.Contains(screen, "left) and is refreshed") {
		t.Errorf("after approval:\n%s", screen)
	}
	if timeLeft.MatchString(screen) {
		t.Errorf("the time-left line was not cleared:\n%s", screen)
	}

	// Ctrl-C.
	tm.run("cancel", h.env, binary+" login --profile dev --use-device-code --no-browser")
	tm.await(ctx, "cancel", timeLeft)
	tm.tmux("send-keys", "-t", "cancel", "C-c")
	screen = tm.await(ctx, "cancel", regexp.MustCompile(`exit=\d+`))
	if !strings.Contains(screen, "ssooidc: login cancelled") || !strings.Contains(screen, "exit=1") {
		t.Errorf("after Ctrl-C:\n%s", screen)
	}
	// The first login's token is still there and usable.
	if tok := strings.TrimSpace(h.run(t, "token", "--profile", "dev")); tok == "" {
		t.Error("no token after the cancelled login")
	}
}

// codeLine finds the user code on the line under the URL.
var codeLine = regexp.MustCompile(`and check that it shows the code ([A-Z]{4}-[A-Z]{4})`)

// checkQR finds the QR code (the first lines drawn with blocks) and
// compares it, module for module, with the encoding of url.
func checkQR(t *testing.T, screen, url string) {
	t.Helper()
	code, err := qr.Encode(url, qr.L)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(screen, "\n")
	at := -1
	for i, l := range lines {
		// The code is drawn four columns in, after the heading.
		if at < 0 && strings.HasPrefix(l, "    ") && strings.ContainsAny(l, "█▀▄") {
			at = i - 1 // the quiet zone's first line is blank
		}
	}
	width := code.Size + 2*login.QRQuietZone
	n := (width + 1) / 2
	if at < 0 || at+n > len(lines) {
		t.Fatalf("no QR code on the screen:\n%s", screen)
	}
	var rows [][]bool
	for _, l := range lines[at : at+n] {
		r := []rune(strings.TrimPrefix(l, "    "))
		var top, bottom []bool
		for x := range width {
			c := ' '
			if x < len(r) {
				c = r[x]
			}
			top = append(top, c == '█' || c == '▀')
			bottom = append(bottom, c == '█' || c == '▄')
		}
		rows = append(rows, top, bottom)
	}
	for y := range width {
		for x := range width {
			cx, cy := x-login.QRQuietZone, y-login.QRQuietZone
			want := cx >= 0 && cy >= 0 && cx < code.Size && cy < code.Size && code.Black(cx, cy)
			if rows[y][x] != want {
				t.Fatalf("QR module (%d,%d) on the screen is %v, want %v:\n%s", cx, cy, rows[y][x], want, strings.Join(lines[at:at+n], "\n"))
			}
		}
	}
}

// TestTerminal80x24: on the classic 80x24 terminal the waiting screen
// shows the QR code whole, the URL, the code (twice: under the URL and on
// the time-left line) and the time left; the heading may scroll away.
func TestTerminal80x24(t *testing.T) {
	t.Parallel()
	srv := servertest.New(t)
	srv.AddUser(t, "alice", password)
	h := newHome(t, srv)
	tm := newTmux(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	tm.runSized("small", 80, 24, h.env, binary+" login --profile dev --use-device-code --no-browser")
	screen := tm.await(ctx, "small", timeLeft)
	lines := strings.Split(strings.TrimRight(screen, "\n"), "\n")
	if len(lines) > 24 {
		t.Fatalf("%d lines captured from a 24-line terminal", len(lines))
	}
	url := deviceURL.FindString(screen)
	code := codeLine.FindStringSubmatch(screen)
	if url == "" || code == nil || !strings.HasSuffix(url, code[1]) {
		t.Fatalf("no URL or code on the 80x24 screen:\n%s", screen)
	}
	if !strings.Contains(screen, "Waiting for approval of code "+code[1]+":") {
		t.Errorf("the time-left line does not repeat the code:\n%s", screen)
	}
	checkQR(t, screen, url)
	t.Logf("the 80x24 screen:\n%s", screen)
	srv.Decide(t, code[1], "alice", true)
	screen = tm.await(ctx, "small", regexp.MustCompile(`exit=\d+`))
	if !strings.Contains(screen, "exit=0") {
		t.Errorf("after approval:\n%s", screen)
	}

	// 80x18: no room for the QR code; the URL and code stay, with a note.
	tm.runSized("tiny", 80, 18, h.env, binary+" login --profile dev --use-device-code --no-browser")
	screen = tm.await(ctx, "tiny", timeLeft)
	if strings.ContainsAny(screen, "█▀▄") || !strings.Contains(screen, "lines shows a QR code)") || deviceURL.FindString(screen) == "" || codeLine.FindString(screen) == "" {
		t.Errorf("the 80x18 screen:\n%s", screen)
	}
}
