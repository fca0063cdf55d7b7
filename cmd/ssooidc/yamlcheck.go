package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// The config file is checked against the shape of fileConfig before it is
// decoded, so that a mistake reads as the operator wrote it: the key as
// typed, its place in the file, its line, and the closest key that exists
// ("unknown key 'start_url' at line 3; did you mean 'start_urls'?"), never
// a Go type such as main.fileConfig, which yaml.v3's own messages name.

// checkYAML walks the document root against the type of v (a pointer to
// the config struct) and returns the first mistake: an unknown key, a
// list where a mapping belongs (or the reverse), or a scalar that is not a
// number, a boolean or a duration where one belongs.
func checkYAML(root *yaml.Node, v any) error {
	if root == nil || root.Kind == 0 {
		return nil // empty file
	}
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	return checkNode(n, reflect.TypeOf(v).Elem(), "")
}

var durationType = reflect.TypeOf(time.Duration(0))

// checkNode checks node n against type t at path (as "portal.accounts[0]").
func checkNode(n *yaml.Node, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil // an empty value keeps the zero value
	}
	if reflect.PointerTo(t).Implements(reflect.TypeOf((*yaml.Unmarshaler)(nil)).Elem()) {
		return nil // the type reads itself
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return shapeError(n, path, "a mapping of keys (key: value)")
		}
		return checkMapping(n, t, path)
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return shapeError(n, path, "a mapping of keys (key: value)")
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if err := checkNode(n.Content[i+1], t.Elem(), join(path, n.Content[i].Value)); err != nil {
				return err
			}
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return checkScalar(n, t, path)
		}
		if n.Kind != yaml.SequenceNode {
			return shapeError(n, path, "a list ([a, b] or lines starting with -)")
		}
		for i, item := range n.Content {
			if err := checkNode(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	default:
		return checkScalar(n, t, path)
	}
	return nil
}

// checkMapping checks every key of mapping n against the fields of struct
// t, then each value against its field.
func checkMapping(n *yaml.Node, t reflect.Type, path string) error {
	fields := yamlFields(t)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		ft, ok := fields[k.Value]
		if !ok {
			return unknownKey(k, path, fields)
		}
		if err := checkNode(val, ft, join(path, k.Value)); err != nil {
			return err
		}
	}
	return nil
}

// checkScalar checks a leaf value: a number, a boolean or a duration must
// parse as one.
func checkScalar(n *yaml.Node, t reflect.Type, path string) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("%s at line %d must be a single value, not a list or a mapping", keyName(path), n.Line)
	}
	v := n.Value
	var want string
	switch {
	case t == durationType:
		if _, err := time.ParseDuration(v); err != nil && v != "0" {
			want = "a duration such as 90s, 15m or 8h"
		}
	case t.Kind() == reflect.Bool:
		if _, err := strconv.ParseBool(v); err != nil && !slices.Contains([]string{"yes", "no", "on", "off"}, strings.ToLower(v)) {
			want = "true or false"
		}
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64:
		if _, err := strconv.ParseInt(v, 0, t.Bits()); err != nil {
			want = "a whole number"
		}
	case t.Kind() >= reflect.Uint && t.Kind() <= reflect.Uint64:
		if _, err := strconv.ParseUint(v, 0, t.Bits()); err != nil {
			want = "a whole number, not negative"
		}
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		if _, err := strconv.ParseFloat(v, t.Bits()); err != nil {
			want = "a number"
		}
	}
	if want != "" {
		return fmt.Errorf("%s at line %d is %q; it must be %s", keyName(path), n.Line, v, want)
	}
	return nil
}

// yamlFields returns the keys of struct t (inline fields included) with
// their types.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if strings.Contains(opts, "inline") {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			for k, v := range yamlFields(ft) {
				out[k] = v
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name) // yaml.v3's default
		}
		out[name] = f.Type
	}
	return out
}

func unknownKey(k *yaml.Node, path string, fields map[string]reflect.Type) error {
	where := ""
	if path != "" {
		where = " in " + path
	}
	msg := fmt.Sprintf("unknown key '%s'%s at line %d", k.Value, where, k.Line)
	if near := closest(k.Value, fields); near != "" {
		return fmt.Errorf("%s; did you mean '%s'?", msg, near)
	}
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	slices.Sort(names)
	return fmt.Errorf("%s; the keys here are %s", msg, strings.Join(names, ", "))
}

func shapeError(n *yaml.Node, path, want string) error {
	return fmt.Errorf("%s at line %d must be %s", keyName(path), n.Line, want)
}

func keyName(path string) string {
	if path == "" {
		return "the file"
	}
	return "'" + path + "'"
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// closest returns the known key nearest to typed, if it is near enough to
// be a typo: within a third of its length in edits (at least 2), or equal
// once case, '-' and '_' are ignored.
func closest(typed string, fields map[string]reflect.Type) string {
	norm := func(s string) string { return strings.ToLower(strings.NewReplacer("-", "", "_", "").Replace(s)) }
	best, bestD := "", max(2, len(typed)/3)+1
	for name := range fields {
		if norm(name) == norm(typed) {
			return name
		}
		if d := editDistance(typed, name); d < bestD || d == bestD && name < best {
			best, bestD = name, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// goTypeRE matches what yaml.v3 says of a Go type in its messages.
var goTypeRE = regexp.MustCompile(`into (\[\])?\*?(main|rolecreds|server|sso|time)\.[A-Za-z]+|in type (main|[a-z]+)\.[A-Za-z]+|!!(str|int|bool|float|map|seq)`)

// yamlMessage is a yaml.v3 error with the Go types left out, for the few
// mistakes checkYAML does not catch first (and syntax errors, which
// yaml.v3 reports with their line).
func yamlMessage(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.ReplaceAll(msg, "unmarshal errors:\n  ", "")
	msg = goTypeRE.ReplaceAllStringFunc(msg, func(m string) string {
		switch {
		case strings.HasPrefix(m, "!!"):
			return map[string]string{"!!str": "text", "!!int": "number", "!!bool": "boolean", "!!float": "number",
				"!!map": "mapping", "!!seq": "list"}[m]
		case strings.HasPrefix(m, "in type"):
			return "here"
		}
		return "here"
	})
	return msg
}

// decodeConfig decodes the YAML document b into fc (a pointer to the
// config struct) once checkYAML has found nothing wrong with its shape.
func decodeConfig(b []byte, fc any) error {
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil // an empty file
		}
		return syntaxError(b, err)
	}
	if err := checkYAML(&root, fc); err != nil {
		return err
	}
	if err := root.Decode(fc); err != nil {
		return errors.New(yamlMessage(err))
	}
	return nil
}

// yamlLineRE is the line yaml.v3 puts in a syntax error.
var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): `)

// syntaxError is a YAML syntax error with the line where the mistake is.
// yaml.v3 names the line where the enclosing construct began (a list's
// first item for a misindented third one), so the line is found again:
// the first line at which the file, cut after it, fails the same way.
func syntaxError(b []byte, err error) error {
	m := yamlLineRE.FindStringSubmatch(err.Error())
	if m == nil {
		return errors.New(yamlMessage(err))
	}
	what := strings.TrimPrefix(err.Error(), m[0])
	lines := strings.SplitAfter(string(b), "\n")
	for n := 1; n <= len(lines); n++ {
		var v yaml.Node
		perr := yaml.Unmarshal([]byte(strings.Join(lines[:n], "")), &v)
		if perr == nil {
			continue
		}
		if pm := yamlLineRE.FindStringSubmatch(perr.Error()); pm != nil && strings.TrimPrefix(perr.Error(), pm[0]) == what {
			return fmt.Errorf("line %d: %s%s", n, what, syntaxHints[what])
		}
	}
	return fmt.Errorf("line %s: %s%s", m[1], what, syntaxHints[what])
}

// syntaxHints say what usually causes yaml.v3's syntax errors.
var syntaxHints = map[string]string{
	"found unexpected end of stream":                  " (a quote, [ or { opened on this line is never closed)",
	"did not find expected '-' indicator":             " (this line is indented differently from the list items above it)",
	"did not find expected key":                       " (this line's indentation does not match the lines above it)",
	"mapping values are not allowed in this context":  " (a 'key: value' indented under a value; check the indentation, or quote a value that holds ': ')",
	"found character that cannot start any token":     " (a tab? YAML indents with spaces)",
	"found a tab character that violates indentation": " (YAML indents with spaces, not tabs)",
}
