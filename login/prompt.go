package login

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"rsc.io/qr"
)

// Flow is a way to sign in.
type Flow int

const (
	// FlowAuto picks the authorization-code flow with PKCE for an
	// sso-session where a browser on this machine can reach the loopback
	// callback, and the device flow otherwise (as the AWS CLI, plus
	// headless detection).
	FlowAuto Flow = iota
	// FlowPKCE is the authorization-code flow with PKCE: the browser
	// returns to a listener on 127.0.0.1 (WIRE.md 5.2).
	FlowPKCE
	// FlowDevice is the device authorization flow: the person confirms a
	// code on any device (WIRE.md 5.3).
	FlowDevice
)

func (f Flow) String() string {
	switch f {
	case FlowPKCE:
		return "authorization code with PKCE"
	case FlowDevice:
		return "device code"
	}
	return "automatic"
}

// Prompt is what the person needs to finish a login.
type Prompt struct {
	// Session is the session being signed in.
	Session *Session
	// Flow is FlowDevice or FlowPKCE.
	Flow Flow
	// Reason says why the device flow was chosen, if it was chosen for the
	// person ("SSH session (SSH_CONNECTION is set)").
	Reason string
	// URL is the page to open: verificationUriComplete for the device
	// flow, the /authorize URL for PKCE.
	URL string
	// VerificationURI is the device flow's page without the code.
	VerificationURI string
	// UserCode is the device flow's code, which the page must show.
	UserCode string
	// ExpiresAt is when the login stops waiting.
	ExpiresAt time.Time
	// BrowserOpened tells whether a browser was opened at URL.
	BrowserOpened bool
}

// Prompter shows a Prompt. Show is called in its own goroutine once the
// URL is known; it should keep the time left up to date until ctx ends,
// which happens when the login has finished, failed or been cancelled, and
// then return promptly.
type Prompter interface {
	Show(ctx context.Context, p *Prompt)
}

// PrompterFunc adapts a function to Prompter.
type PrompterFunc func(ctx context.Context, p *Prompt)

// Show calls f.
func (f PrompterFunc) Show(ctx context.Context, p *Prompt) { f(ctx, p) }

// TerminalPrompter writes the prompt for a person at a terminal. For the
// device flow the QR code of the URL comes first, then the URL and the code,
// and last the time left with the code repeated on it, so that on a small
// terminal (80x24) what scrolls away first is the heading, never the code.
// A terminal too short or narrow for the QR code gets none.
type TerminalPrompter struct {
	W io.Writer
	// Interactive rewrites the time-left line in place every second (for a
	// terminal); otherwise a line is written every minute (for a log).
	Interactive bool
	// Color draws the QR code dark on light with ANSI colours, whatever
	// the terminal's own colours; without it, dark modules are drawn as
	// blocks in the terminal's foreground colour.
	Color bool
	// NoQR leaves the QR code out.
	NoQR bool
	// Cols and Rows are the terminal's size; zero means unknown, and then
	// the QR code is always shown.
	Cols, Rows int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// NewTerminalPrompter returns a TerminalPrompter for w, interactive,
// coloured (unless NO_COLOR is set) and sized if w is a terminal.
func NewTerminalPrompter(w io.Writer) *TerminalPrompter {
	tty := isTerminal(w)
	t := &TerminalPrompter{W: w, Interactive: tty, Color: tty && os.Getenv("NO_COLOR") == ""}
	if f, ok := w.(*os.File); ok && tty {
		t.Cols, t.Rows = terminalSize(f)
	}
	return t
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Show writes the prompt, then the time left until ctx ends.
func (t *TerminalPrompter) Show(ctx context.Context, p *Prompt) {
	now := t.Now
	if now == nil {
		now = time.Now
	}
	io.WriteString(t.W, t.render(p))
	status := func() string {
		left := p.ExpiresAt.Sub(now()).Round(time.Second)
		if left < 0 {
			left = 0
		}
		what := "Waiting for the browser"
		if p.Flow == FlowDevice {
			what = "Waiting for approval of code " + p.UserCode
		}
		return fmt.Sprintf("%s: %d:%02d left (Ctrl-C to cancel)", what, int(left.Minutes()), int(left.Seconds())%60)
	}
	every := time.Minute
	if t.Interactive {
		every = time.Second
		io.WriteString(t.W, status())
	} else {
		io.WriteString(t.W, status()+"\n")
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			if t.Interactive {
				io.WriteString(t.W, "\r\x1b[K")
			}
			return
		case <-tick.C:
			if t.Interactive {
				io.WriteString(t.W, "\r\x1b[K"+status())
			} else {
				io.WriteString(t.W, status()+"\n")
			}
		}
	}
}

// render is the prompt above the time-left line.
func (t *TerminalPrompter) render(p *Prompt) string {
	var head strings.Builder
	fmt.Fprintf(&head, "Signing in to %s", p.Session.StartURL)
	if p.Session.Name != "" {
		fmt.Fprintf(&head, " (sso-session %s)", p.Session.Name)
	}
	fmt.Fprintf(&head, " with the %s flow", p.Flow)
	if p.Reason != "" {
		fmt.Fprintf(&head, ": %s", p.Reason)
	}
	head.WriteString(".\n")
	if p.Flow != FlowDevice {
		open := "Open this page in a browser on this machine:"
		if p.BrowserOpened {
			open = "A browser was opened at this page; if it did not open, open it in a browser on this machine:"
		}
		return head.String() + "\n" + open + "\n\n    " + p.URL + "\n\n"
	}

	var text strings.Builder
	openLine := func(withQR bool, note string) string {
		switch {
		case withQR && p.BrowserOpened:
			return "A browser was opened at this page; if it did not, scan the QR code or open the page on any device"
		case withQR:
			return "Scan the QR code or open this page on any device"
		case p.BrowserOpened:
			return "A browser was opened at this page; if it did not open, open it on any device" + note
		}
		return "Open this page on any device" + note
	}
	check := "and check that it shows the code " + p.UserCode
	if p.VerificationURI != "" && p.VerificationURI != p.URL {
		alt := check + " (or open " + p.VerificationURI + " and type it)"
		if t.Cols == 0 || len(alt)+1 <= t.Cols {
			check = alt
		}
	}
	below := func(open string) string {
		return open + ":\n    " + p.URL + "\n" + check + ".\n"
	}
	qr := ""
	if !t.NoQR {
		qr, _ = QRCode(p.URL, t.Color)
	}
	open := openLine(false, "")
	if qr != "" {
		qrLines := strings.Count(qr, "\n")
		first := strings.TrimSuffix(strings.TrimPrefix(qr[:strings.IndexByte(qr, '\n')], "\x1b[30;107m"), "\x1b[0m")
		qrWidth := 4 + utf8.RuneCountInString(first)
		// What must stay on the screen: the QR code, the lines below it
		// and the time-left line.
		need := qrLines + t.lines(below(openLine(true, ""))) + 1
		switch {
		case t.Rows > 0 && need > t.Rows:
			open, qr = openLine(false, fmt.Sprintf(" (a terminal of %d lines shows a QR code)", need)), ""
		case t.Cols > 0 && qrWidth > t.Cols:
			open, qr = openLine(false, fmt.Sprintf(" (a terminal of %d columns shows a QR code)", qrWidth)), ""
		default:
			open = openLine(true, "")
		}
	}
	if qr != "" {
		for _, line := range strings.Split(strings.TrimRight(qr, "\n"), "\n") {
			text.WriteString("    " + line + "\n")
		}
	} else {
		text.WriteString("\n")
	}
	text.WriteString(below(open))
	return head.String() + text.String()
}

// lines is how many terminal lines s takes, wrapped at Cols.
func (t *TerminalPrompter) lines(s string) int {
	n := 0
	for _, l := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		w := utf8.RuneCountInString(l)
		if t.Cols > 0 && w > t.Cols {
			n += (w + t.Cols - 1) / t.Cols
		} else {
			n++
		}
	}
	return n
}

// QRQuietZone is the light margin around a QR code, in modules. The
// standard asks for 4; 2 scans reliably on a screen and saves terminal
// lines.
const QRQuietZone = 2

// QRCode renders text as a QR code for a terminal, two modules per line
// with the half-block characters ▀ ▄ █, so the code keeps its square
// shape. With color, every line is drawn black on bright white (ANSI),
// which scans on dark and light terminals alike.
func QRCode(text string, color bool) (string, error) {
	code, err := qr.Encode(text, qr.L)
	if err != nil {
		return "", err
	}
	dark := func(x, y int) bool {
		if x < 0 || y < 0 || x >= code.Size || y >= code.Size {
			return false
		}
		return code.Black(x, y)
	}
	var b strings.Builder
	lo, hi := -QRQuietZone, code.Size+QRQuietZone
	for y := lo; y < hi; y += 2 {
		if color {
			b.WriteString("\x1b[30;107m")
		}
		for x := lo; x < hi; x++ {
			top, bottom := dark(x, y), y+1 < hi && dark(x, y+1)
			switch {
			case top && bottom:
				b.WriteString("█")
			case top:
				b.WriteString("▀")
			case bottom:
				b.WriteString("▄")
			default:
				b.WriteString(" ")
			}
		}
		if color {
			b.WriteString("\x1b[0m")
		}
		b.WriteString("\n")
	}
	return b.String(), nil
}
