package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/ssooidc/ssooidc/wire"
)

// BadResponse is a response the operation did not expect.
type BadResponse struct {
	Op        string
	Status    int
	ErrorType string // X-Amzn-Errortype, if any
	Body      string // the start of the body
}

func (e *BadResponse) Error() string {
	return fmt.Sprintf("%s: HTTP %d %s: %s", e.Op, e.Status, e.ErrorType, e.Body)
}

// Key groups errors for the report: "CreateToken 400 InvalidGrantException".
func (e *BadResponse) Key() string {
	k := fmt.Sprintf("%s %d", e.Op, e.Status)
	if e.ErrorType != "" {
		k += " " + e.ErrorType
	}
	return k
}

// caller sends the requests of one worker, reusing one body buffer.
type caller struct {
	base string
	buf  bytes.Buffer
	// sizes of the last request and response bodies, and of the last
	// ones with an expected outcome (see ok)
	lastReq, lastResp int
	okReq, okResp     int
	header            http.Header // of the last response
}

// ok records that the last exchange had an expected outcome.
func (c *caller) ok() { c.okReq, c.okResp = c.lastReq, c.lastResp }

// post sends body as JSON to path and reads the whole response into
// c.buf. It returns the status and the X-Amzn-Errortype header.
func (c *caller) post(ctx context.Context, hc *http.Client, path string, body []byte) (int, string, error) {
	return c.send(ctx, hc, http.MethodPost, path, "application/json", body, nil)
}

func (c *caller) send(ctx context.Context, hc *http.Client, method, path, ctype string, body []byte, hdr http.Header) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	return c.do(hc, req, len(body))
}

// do sends req, whose body has reqLen bytes, and reads the whole response
// into c.buf. It returns the status and the X-Amzn-Errortype header.
func (c *caller) do(hc *http.Client, req *http.Request, reqLen int) (int, string, error) {
	resp, err := hc.Do(req)
	if err != nil {
		return 0, "", err
	}
	c.header = resp.Header
	c.buf.Reset()
	_, err = c.buf.ReadFrom(resp.Body)
	resp.Body.Close()
	if err != nil {
		return 0, "", err
	}
	c.lastReq, c.lastResp = reqLen, c.buf.Len()
	return resp.StatusCode, resp.Header.Get(wire.HeaderErrorType), nil
}

// bad describes the response in c.buf as unexpected.
func (c *caller) bad(op string, status int, errType string) error {
	b := strings.TrimSpace(c.buf.String())
	if len(b) > 160 {
		b = b[:160] + "..."
	}
	return &BadResponse{Op: op, Status: status, ErrorType: errType, Body: b}
}

// postJSON posts in as JSON and, on 200, decodes the response into out.
func (c *caller) postJSON(ctx context.Context, hc *http.Client, op, path string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	status, et, err := c.post(ctx, hc, path, body)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if status != http.StatusOK {
		return c.bad(op, status, et)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(c.buf.Bytes(), out); err != nil {
		return fmt.Errorf("%s: decoding the response: %w", op, err)
	}
	return nil
}

// drain reads and closes a response body.
func drain(r io.ReadCloser) {
	_, _ = io.Copy(io.Discard, r)
	r.Close()
}

func ptr[T any](v T) *T { return &v }
