package access

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ssooidc/ssooidc/internal/sso"
)

// ParseISODuration reads a session duration as the SSO Admin API gives it:
// ISO 8601, P[nD]T[nH][nM][nS] ("PT1H", "PT12H", "PT90M", "PT3600S",
// "P0DT8H"). Years, months and weeks are refused: no permission set lasts
// that long. A negative duration is refused.
func ParseISODuration(s string) (time.Duration, error) {
	bad := sso.Errorf(sso.CodeInvalidRequest, "SessionDuration %q is not an ISO 8601 duration such as PT1H or PT90M", clipText(s))
	rest, ok := strings.CutPrefix(s, "P")
	if !ok || rest == "" || len(s) > 100 {
		return 0, bad
	}
	datePart, timePart, hasT := strings.Cut(rest, "T")
	if hasT && timePart == "" {
		return 0, bad
	}
	// Seconds in a float: a count of days that would overflow a
	// time.Duration is refused, not wrapped around.
	var secs float64
	add := func(part, units string, scale map[byte]float64) bool {
		for part != "" {
			i := strings.IndexAny(part, units)
			if i <= 0 {
				return false
			}
			n, err := strconv.ParseFloat(part[:i], 64)
			if err != nil || n < 0 || n > 1e6 || (part[i] != 'S' && strings.Contains(part[:i], ".")) ||
				strings.ContainsAny(part[:i], "+-eE") {
				return false
			}
			secs += n * scale[part[i]]
			units = units[strings.IndexByte(units, part[i])+1:] // each unit once, in order
			part = part[i+1:]
		}
		return true
	}
	if !add(datePart, "D", map[byte]float64{'D': 86400}) ||
		!add(timePart, "HMS", map[byte]float64{'H': 3600, 'M': 60, 'S': 1}) || secs > maxISOSeconds {
		return 0, bad
	}
	return time.Duration(secs * float64(time.Second)), nil
}

// maxISOSeconds bounds what ParseISODuration reads (a year): far past any
// session, far below a time.Duration's range.
const maxISOSeconds = 366 * 86400

// FormatISODuration writes d as ISO 8601 the way Identity Center shows
// durations: PT1H, PT2H30M, PT45M.
func FormatISODuration(d time.Duration) string {
	if d <= 0 {
		return "PT0S"
	}
	var b strings.Builder
	b.WriteString("PT")
	if h := d / time.Hour; h > 0 {
		fmt.Fprintf(&b, "%dH", h)
		d -= h * time.Hour
	}
	if m := d / time.Minute; m > 0 {
		fmt.Fprintf(&b, "%dM", m)
		d -= m * time.Minute
	}
	if d > 0 {
		b.WriteString(strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "S")
	}
	return b.String()
}

// ISODuration returns p's session duration in ISO 8601: as the API was
// given it, or formatted.
func ISODuration(p sso.PermissionSet) string {
	if p.SessionDurationISO != "" {
		return p.SessionDurationISO
	}
	return FormatISODuration(p.SessionDuration)
}

func clipText(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
