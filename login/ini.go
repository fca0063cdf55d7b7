package login

import (
	"bufio"
	"bytes"
	"strings"
)

// iniSection is one [section] of an AWS config file: its keys (lower-cased,
// as botocore's ConfigParser stores them) and the nested sub-sections of
// keys such as "sso_oidc =" inside a [services NAME] section.
type iniSection struct {
	values map[string]string
	nested map[string]map[string]string
}

// parseINI reads an AWS shared config file the way botocore's configloader
// does: "[name]" starts a section (its name with runs of blanks collapsed),
// "key = value" or "key: value" sets a key, lines starting with '#' or ';'
// are comments, and indented lines continue the previous key; when that key
// had no value of its own, the indented "k = v" lines form a nested
// sub-section. Keys before the first section are ignored. As in
// aws-sdk-go-v2, a '#' or ';' preceded by a blank ends a value. It never
// fails: lines it cannot read are skipped, as the SDKs skip them.
func parseINI(data []byte) map[string]*iniSection {
	out := map[string]*iniSection{}
	var cur *iniSection
	var lastKey string // the key an indented line continues
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		raw := strings.TrimRight(sc.Text(), " \t\r")
		line := strings.TrimLeft(raw, " \t")
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		indented := len(line) < len(raw)
		if !indented && line[0] == '[' {
			end := strings.IndexByte(line, ']')
			if end < 0 {
				cur, lastKey = nil, ""
				continue
			}
			name := strings.Join(strings.Fields(line[1:end]), " ")
			cur = out[name]
			if cur == nil {
				cur = &iniSection{values: map[string]string{}, nested: map[string]map[string]string{}}
				out[name] = cur
			}
			lastKey = ""
			continue
		}
		if cur == nil {
			continue
		}
		if indented && lastKey != "" {
			if cur.values[lastKey] == "" {
				// A nested sub-section: "sso_oidc =" then indented pairs.
				if k, v, ok := splitKV(line); ok {
					if cur.nested[lastKey] == nil {
						cur.nested[lastKey] = map[string]string{}
					}
					cur.nested[lastKey][k] = v
				}
				continue
			}
			cur.values[lastKey] += "\n" + stripComment(line)
			continue
		}
		k, v, ok := splitKV(line)
		if !ok {
			lastKey = ""
			continue
		}
		cur.values[k] = v
		lastKey = k
	}
	return out
}

// splitKV splits "key = value" (or "key: value") at the first delimiter.
func splitKV(line string) (key, value string, ok bool) {
	i := strings.IndexAny(line, "=:")
	if i <= 0 {
		return "", "", false
	}
	key = strings.ToLower(strings.TrimSpace(line[:i]))
	if key == "" {
		return "", "", false
	}
	return key, stripComment(strings.TrimSpace(line[i+1:])), true
}

// stripComment cuts an inline comment: '#' or ';' after a blank.
func stripComment(v string) string {
	for i := 1; i < len(v); i++ {
		if (v[i] == '#' || v[i] == ';') && (v[i-1] == ' ' || v[i-1] == '\t') {
			return strings.TrimSpace(v[:i])
		}
	}
	return v
}
