package login

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"
)

// TimeFormat is how the AWS CLI writes times in its caches
// ('%Y-%m-%dT%H:%M:%SZ', UTC, no fraction; WIRE.md 6.2).
const TimeFormat = "2006-01-02T15:04:05Z"

// formatTime writes t as the AWS CLI does.
func formatTime(t time.Time) string { return t.UTC().Format(TimeFormat) }

// parseTime reads a cache time as the readers of the other tools do: RFC
// 3339 with or without a fraction (the CLI, aws-sdk-go-v2, the JS SDK's
// toISOString), and the "UTC" suffix of early CLI v2 releases. A time
// without a zone is refused, as botocore refuses it.
func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05UTC", "2006-01-02T15:04:05Z0700", "2006-01-02 15:04:05Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("unreadable time %q", s)
}

// field is one member of a cache file the package does not know, kept as
// it was and written back after the known ones.
type field struct {
	key string
	raw json.RawMessage
}

// decodeObject reads a JSON object's members in file order.
func decodeObject(data []byte) ([]field, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("not a JSON object")
	}
	var out []field
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		out = append(out, field{key, raw})
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	return out, nil
}

// objectWriter writes a JSON object as Python's json.dumps does with its
// default separators (", " and ": ") and ensure_ascii, which is how the AWS
// CLI writes its caches: the files we write are the CLI's byte for byte.
type objectWriter struct {
	b bytes.Buffer
	n int
}

func (w *objectWriter) key(k string) {
	if w.n == 0 {
		w.b.WriteByte('{')
	} else {
		w.b.WriteString(", ")
	}
	w.n++
	w.b.WriteString(pyString(k))
	w.b.WriteString(": ")
}

func (w *objectWriter) str(k, v string) {
	w.key(k)
	w.b.WriteString(pyString(v))
}

func (w *objectWriter) strOmitEmpty(k, v string) {
	if v != "" {
		w.str(k, v)
	}
}

func (w *objectWriter) list(k string, vs []string) {
	w.key(k)
	w.b.WriteByte('[')
	for i, v := range vs {
		if i > 0 {
			w.b.WriteString(", ")
		}
		w.b.WriteString(pyString(v))
	}
	w.b.WriteByte(']')
}

func (w *objectWriter) raw(k string, v []byte) {
	w.key(k)
	w.b.Write(v)
}

func (w *objectWriter) extra(fields []field, known map[string]bool) {
	for _, f := range fields {
		if !known[f.key] {
			w.raw(f.key, f.raw)
		}
	}
}

func (w *objectWriter) bytes() []byte {
	if w.n == 0 {
		return []byte("{}")
	}
	w.b.WriteByte('}')
	return w.b.Bytes()
}

// pyString encodes s as Python's json.dumps does: non-ASCII as \uXXXX
// (surrogate pairs beyond the BMP), no HTML escaping.
func pyString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < 0x20 || r == utf8.RuneError:
			fmt.Fprintf(&b, `\u%04x`, r)
		case r <= 0x7f:
			b.WriteRune(r)
		case r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			r -= 0x10000
			fmt.Fprintf(&b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
		}
	}
	b.WriteByte('"')
	return b.String()
}

// rawString decodes a JSON string member; "" if it is absent or not a string.
func rawString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

func rawStrings(raw json.RawMessage) []string {
	var s []string
	if json.Unmarshal(raw, &s) != nil {
		return nil
	}
	return s
}

// writeFileAtomic replaces path with data: a temporary file in the same
// directory, mode 0600, synced, then renamed over path, so that a reader
// (of any tool) sees the old file or the new one, never a part. The
// directory is created (0700) if missing.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(0o600); err != nil && !isUnsupported(err) {
		return err
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	ok = true
	return nil
}

// isUnsupported reports an error of Chmod on a platform without modes.
func isUnsupported(err error) bool {
	return errors.Is(err, errors.ErrUnsupported)
}
