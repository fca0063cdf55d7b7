package login

import (
	"bytes"
	"sort"
	"strings"
)

// GeneratedMarker is the key that marks a profile written by
// UpdateGeneratedProfiles; its value is the sso-session the profile was
// generated for. The AWS tools ignore keys they do not know.
const GeneratedMarker = "ssooidc_generated"

// generatedComment is the first line inside a generated profile.
const generatedComment = "# written by `ssooidc configure generate`; edits are replaced on the next run"

// GeneratedProfile is a profile to write: its name (without "profile ")
// and its keys in order.
type GeneratedProfile struct {
	Name string
	Keys [][2]string
}

// ProfileChanges says what UpdateGeneratedProfiles did, by profile name.
type ProfileChanges struct {
	Added, Updated, Removed, Unchanged []string
	// Skipped are wanted profiles whose name a profile not generated for
	// this sso-session already has; it is left alone.
	Skipped []string
}

// Changed reports whether anything was added, updated or removed.
func (c ProfileChanges) Changed() bool {
	return len(c.Added)+len(c.Updated)+len(c.Removed) > 0
}

// configLine is one line of a config file with its line ending.
type configLine struct {
	text string // without the line ending
	eol  string
}

// configSection is a span of lines: a [section] header and what follows it
// up to the next header. own is the number of lines up to and including
// its last key line: the blank lines and comments after it (often about
// the next section) are not its own.
type configSection struct {
	name      string // "profile dev", "" for the lines before the first header
	start     int
	end       int // exclusive
	own       int
	generated string // the marker's value
}

func splitConfigLines(data []byte) []configLine {
	var out []configLine
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			out = append(out, configLine{text: string(data)})
			break
		}
		text, eol := string(data[:i]), "\n"
		if strings.HasSuffix(text, "\r") {
			text, eol = text[:len(text)-1], "\r\n"
		}
		out = append(out, configLine{text: text, eol: eol})
		data = data[i+1:]
	}
	return out
}

// sectionsOf splits lines into sections as parseINI reads them.
func sectionsOf(lines []configLine) []configSection {
	secs := []configSection{{}}
	for i, l := range lines {
		trimmed := strings.TrimSpace(l.text)
		isHeader := strings.HasPrefix(l.text, "[") && strings.Contains(l.text, "]")
		if isHeader {
			secs[len(secs)-1].end = i
			name := strings.Join(strings.Fields(trimmed[1:strings.IndexByte(trimmed, ']')]), " ")
			secs = append(secs, configSection{name: name, start: i})
			continue
		}
		cur := &secs[len(secs)-1]
		if trimmed != "" && trimmed[0] != '#' && trimmed[0] != ';' {
			cur.own = i - cur.start + 1
		}
		if cur.name != "" && l.text == strings.TrimLeft(l.text, " \t") {
			if k, v, ok := splitKV(trimmed); ok && k == GeneratedMarker {
				cur.generated = v
			}
		}
	}
	secs[len(secs)-1].end = len(lines)
	for i := range secs {
		if secs[i].name != "" && secs[i].own == 0 {
			secs[i].own = 1 // the header
		}
	}
	return secs
}

// render writes a generated profile's lines.
func (p GeneratedProfile) render(session, eol string) []configLine {
	lines := []configLine{{"[profile " + p.Name + "]", eol}, {generatedComment, eol}}
	for _, kv := range p.Keys {
		lines = append(lines, configLine{kv[0] + " = " + kv[1], eol})
	}
	return append(lines, configLine{GeneratedMarker + " = " + session, eol})
}

func sameLines(a, b []configLine) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// UpdateGeneratedProfiles makes the profiles generated for session in a
// config file exactly want: a generated profile that is wanted is
// rewritten in place (if it differs), one that is not is removed, and
// wanted profiles that are missing are added after the last generated
// profile of the session (else at the end), sorted by name. Every other
// line, comment and profile is kept byte for byte, line endings included,
// so a second run with the same want changes nothing. A wanted name that a
// profile not generated for session has is skipped.
func UpdateGeneratedProfiles(data []byte, session string, want []GeneratedProfile) ([]byte, ProfileChanges) {
	lines := splitConfigLines(data)
	eol := "\n"
	if len(lines) > 0 && lines[0].eol == "\r\n" {
		eol = "\r\n"
	}
	secs := sectionsOf(lines)
	wanted := map[string]GeneratedProfile{}
	for _, p := range want {
		wanted["profile "+p.Name] = p
	}
	var ch ProfileChanges
	taken := map[string]bool{}
	var out []configLine
	insertAt := -1 // index in out after the session's last generated profile
	for _, s := range secs {
		span := lines[s.start:s.end]
		p, isWanted := wanted[s.name]
		switch {
		case s.name == "" || s.generated != session:
			if isWanted {
				ch.Skipped = append(ch.Skipped, p.Name)
				taken[s.name] = true
			}
			out = append(out, span...)
			continue
		case !isWanted || taken[s.name]:
			ch.Removed = append(ch.Removed, strings.TrimPrefix(s.name, "profile "))
			rest := span[s.own:]
			for len(rest) > 0 && strings.TrimSpace(rest[0].text) == "" {
				rest = rest[1:]
			}
			out = append(out, rest...)
			continue
		}
		taken[s.name] = true
		rendered := p.render(session, eol)
		if sameLines(span[:s.own], rendered) {
			ch.Unchanged = append(ch.Unchanged, p.Name)
		} else {
			ch.Updated = append(ch.Updated, p.Name)
		}
		out = append(out, rendered...)
		insertAt = len(out)
		out = append(out, span[s.own:]...)
	}
	// Removing the last profiles leaves the blank line that separated them;
	// a file that did not end in a blank line does not after that either.
	if len(ch.Removed) > 0 && len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1].text) != "" {
		for len(out) > 0 && strings.TrimSpace(out[len(out)-1].text) == "" {
			out = out[:len(out)-1]
		}
	}
	out = insertMissing(out, insertAt, want, wanted, taken, session, eol, &ch)
	var b bytes.Buffer
	for _, l := range out {
		b.WriteString(l.text)
		b.WriteString(l.eol)
	}
	return b.Bytes(), ch
}

// insertMissing adds the wanted profiles that are not taken, sorted by
// name, at insertAt (after the session's last generated profile), or at
// the end when that is -1; each after a blank line.
func insertMissing(out []configLine, insertAt int, want []GeneratedProfile, wanted map[string]GeneratedProfile, taken map[string]bool, session, eol string, ch *ProfileChanges) []configLine {
	var names []string
	for _, p := range want {
		if !taken["profile "+p.Name] {
			names = append(names, p.Name)
			taken["profile "+p.Name] = true
		}
	}
	if len(names) == 0 {
		return out
	}
	sort.Strings(names)
	var added []configLine
	for _, n := range names {
		ch.Added = append(ch.Added, n)
		added = append(added, configLine{"", eol})
		added = append(added, wanted["profile "+n].render(session, eol)...)
	}
	if insertAt < 0 {
		insertAt = len(out)
		if insertAt > 0 && out[insertAt-1].eol == "" {
			out[insertAt-1].eol = eol
		}
		if insertAt == 0 {
			added = added[1:]
		}
	}
	return append(out[:insertAt], append(added, out[insertAt:]...)...)
}
