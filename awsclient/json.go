package awsclient

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
)

// EncodeJSON marshals v as aws-sdk-go-v2 does: top-level members sorted by
// name (the SDK writes them in schema order, which is alphabetical for
// every shape of these APIs), no HTML escaping of <, > and &, no trailing
// newline. The bytes are equal to the SDK's, which matters for signed
// requests.
func EncodeJSON(v any) ([]byte, error) {
	b, err := encodeNoHTMLEscape(v)
	if err != nil {
		return nil, err
	}
	var members map[string]json.RawMessage
	if json.Unmarshal(b, &members) != nil {
		return b, nil // not an object: nothing to sort
	}
	return encodeNoHTMLEscape(members) // encoding/json sorts map keys
}

func encodeNoHTMLEscape(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// DecodeJSON decodes a response body into v, a pointer to a struct with
// json tags (the wire package's shapes). Unlike encoding/json it matches
// member names exactly, as aws-sdk-go-v2 does: "DeviceCode" does not fill
// deviceCode. Unknown members and nulls are ignored; a number that is not
// an integer, or a string where a number belongs, is an error. An empty body
// decodes as {}.
func DecodeJSON(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("awsclient: DecodeJSON needs a non-nil pointer, got %T", v)
	}
	return decodeValue(body, rv.Elem())
}

func isNull(raw []byte) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("null")) }

func decodeValue(raw []byte, v reflect.Value) error {
	switch {
	case v.Kind() == reflect.Struct:
		return decodeStruct(raw, v)
	case v.Kind() == reflect.Pointer && v.Type().Elem().Kind() == reflect.Struct:
		if isNull(raw) {
			v.SetZero()
			return nil
		}
		n := reflect.New(v.Type().Elem())
		if err := decodeStruct(raw, n.Elem()); err != nil {
			return err
		}
		v.Set(n)
		return nil
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Struct:
		if isNull(raw) {
			v.SetZero()
			return nil
		}
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return err
		}
		s := reflect.MakeSlice(v.Type(), len(items), len(items))
		for i, item := range items {
			if err := decodeValue(item, s.Index(i)); err != nil {
				return err
			}
		}
		v.Set(s)
		return nil
	}
	return json.Unmarshal(raw, v.Addr().Interface())
}

func decodeStruct(raw []byte, v reflect.Value) error {
	if isNull(raw) {
		return nil
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil {
		return err
	}
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "" || name == "-" {
			continue
		}
		if r, ok := members[name]; ok {
			if err := decodeValue(r, v.Field(i)); err != nil {
				return fmt.Errorf("member %s: %w", name, err)
			}
		}
	}
	return nil
}

// protocolErrorInfo is what aws-sdk-go-v2's restJson1 protocol reads from
// an error body. encoding/json matches "__type" and "Message" without
// regard to case, as the SDK does, and fails on a non-string __type or
// message, as the SDK does.
type protocolErrorInfo struct {
	Type    string `json:"__type"`
	Message string
	Code    any
}

// UnknownErrorCode is the code of an error response that names none.
const UnknownErrorCode = "UnknownError"

// ErrorCode finds the error code and message of an error response as the
// restJson1 protocol of aws-sdk-go-v2 does (WIRE.md 3.3): the
// X-Amzn-ErrorType header first, then the body's "__type", then its "code"
// if that is a string; the result is sanitized by SanitizeErrorCode. A
// response that names no code gets UnknownErrorCode. The body must be empty
// or a JSON object; otherwise err is non-nil.
func ErrorCode(header http.Header, body []byte) (code, message string, err error) {
	var info protocolErrorInfo
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&info); err != nil && !isEOF(err) {
		return "", "", fmt.Errorf("failed to decode response body, %w", err)
	}
	code = UnknownErrorCode
	if h := header.Get("X-Amzn-ErrorType"); h != "" {
		code = h
	} else if info.Type != "" {
		code = info.Type
	} else if c, ok := info.Code.(string); ok && c != "" {
		code = c
	}
	return SanitizeErrorCode(code), info.Message, nil
}

func isEOF(err error) bool { return errors.Is(err, io.EOF) }

// SanitizeErrorCode cuts an error code at the first ':' (AWS sends
// "AuthorizationPendingException:http://internal.amazon.com/coral/...")
// and then keeps what follows the first '#' (the portal sends
// "com.amazonaws.switchboard.portal#UnauthorizedException").
func SanitizeErrorCode(code string) string {
	if i := strings.IndexByte(code, ':'); i >= 0 {
		code = code[:i]
	}
	if i := strings.IndexByte(code, '#'); i >= 0 {
		code = code[i+1:]
	}
	return code
}
