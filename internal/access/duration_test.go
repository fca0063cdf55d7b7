package access

import (
	"strings"
	"testing"
	"time"
)

func TestParseISODuration(t *testing.T) {
	for s, want := range map[string]time.Duration{
		"PT1H": time.Hour, "PT12H": 12 * time.Hour, "PT90M": 90 * time.Minute, "PT3600S": time.Hour,
		"P0DT8H": 8 * time.Hour, "PT1H30M": 90 * time.Minute, "PT0.5S": 500 * time.Millisecond, "P1D": 24 * time.Hour,
	} {
		if got, err := ParseISODuration(s); err != nil || got != want {
			t.Errorf("%s = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "P", "PT", "1H", "PT1", "PTH", "P1Y", "P1M", "P1W", "PT-1H", "PT+1H", "PT1M1H", "PT1H1H",
		"PT1.5H", "PT1e3S", "pt1h", "PT1H ", strings.Repeat("P", 200), "PT99999999999H"} {
		if d, err := ParseISODuration(s); err == nil {
			t.Errorf("%q accepted as %v", s, d)
		}
	}
	for _, d := range []time.Duration{time.Hour, 12 * time.Hour, 90 * time.Minute, 15 * time.Minute, 2*time.Hour + 30*time.Second} {
		if got, err := ParseISODuration(FormatISODuration(d)); err != nil || got != d {
			t.Errorf("round trip of %v: %s = %v, %v", d, FormatISODuration(d), got, err)
		}
	}
}

// FuzzParseISODuration: any input is parsed or refused, never panics, and
// a parsed duration is not negative.
func FuzzParseISODuration(f *testing.F) {
	for _, s := range []string{"PT1H", "P0DT8H", "PT0.5S", "PT-1H", "P", "PT1H30M15S"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseISODuration(s)
		if err == nil && d < 0 {
			t.Errorf("%q parsed as %v", s, d)
		}
	})
}
