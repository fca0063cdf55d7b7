package web

import (
	"errors"
	"strconv"
	"strings"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// SecurityView is what the Security page shows.
type SecurityView struct {
	HasPassword   bool
	Notice        string // a confirmation of what was just done
	PasswordError string // the password form's error
	MFAPath       string
	// FactorCount is how many second factors the person has; -1 when the
	// page does not know (then it only links to MFAPath).
	FactorCount int
	Browsers    []SessionView
	Tools       []SessionView
}

// SessionView is a session on the Security page.
type SessionView struct {
	ID, Kind     string // Kind: browser or tool
	Name, Detail string
	// Times for people, and their RFC 3339 forms for <time datetime>.
	Started, StartedAt   string
	LastUsed, LastUsedAt string
	Ends, EndsAt         string
	Current              bool
}

// browserName names a browser from its User-Agent for people: "Firefox on
// Linux". Good enough to tell one's own sessions apart; the admin command
// prints the whole header.
func browserName(ua string) string {
	if strings.TrimSpace(ua) == "" {
		return "Unknown browser"
	}
	browser := "A browser"
	for _, b := range []struct{ token, name string }{
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"HeadlessChrome/", "Headless Chrome"},
		{"Chromium/", "Chromium"}, {"Chrome/", "Chrome"}, {"Version/", "Safari"}, {"curl/", "curl"},
	} {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	for _, o := range []struct{ token, name string }{
		{"iPhone", "iPhone"}, {"iPad", "iPad"}, {"Android", "Android"}, {"CrOS", "ChromeOS"},
		{"Windows", "Windows"}, {"Mac OS X", "macOS"}, {"Macintosh", "macOS"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, o.token) {
			return browser + " on " + o.name
		}
	}
	return browser
}

func itoa(n int) string { return strconv.Itoa(n) }

// asSSOError is errors.As for *sso.Error.
func asSSOError(err error, target **sso.Error) bool { return errors.As(err, target) }
