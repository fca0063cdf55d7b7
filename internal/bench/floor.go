package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FloorHandler is the floor: a bare net/http handler that reads the
// request body and answers 200 with a fixed JSON body of n bytes, where n
// is the request path ("/306"). Bodies are built once per size.
func FloorHandler() http.Handler {
	var bodies sync.Map // int -> []byte
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		n, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/"))
		if err != nil || n < 0 || n > 1<<20 {
			http.Error(w, "size", http.StatusBadRequest)
			return
		}
		b, ok := bodies.Load(n)
		if !ok {
			b, _ = bodies.LoadOrStore(n, jsonBody(n))
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b.([]byte))
	})
}

// jsonBody returns a JSON object of exactly n bytes (at least 2).
func jsonBody(n int) []byte {
	const head, tail = `{"pad":"`, `"}`
	if n < len(head)+len(tail) {
		return []byte("{}" + strings.Repeat(" ", max(n-2, 0)))
	}
	return []byte(head + strings.Repeat("x", n-len(head)-len(tail)) + tail)
}

// ServeFloor serves the floor on l until ctx ends, with the timeouts the
// real server uses.
func ServeFloor(ctx context.Context, l net.Listener) error {
	srv := &http.Server{Handler: FloorHandler(), ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second, IdleTimeout: 120 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	if e := <-errc; e != nil && !errors.Is(e, http.ErrServerClosed) && err == nil {
		err = e
	}
	return err
}

// Floor is a running floor server.
type Floor struct {
	URL     string
	Mode    string // "in-process" or "child process"
	PID     int
	closeFn func() error
}

// Close stops the floor.
func (f *Floor) Close() error { return f.closeFn() }

// StartFloor starts the floor in this process.
func StartFloor() (*Floor, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ServeFloor(ctx, l) }()
	return &Floor{URL: "http://" + l.Addr().String(), Mode: "in-process", PID: os.Getpid(), closeFn: func() error {
		cancel()
		return <-done
	}}, nil
}

// FloorFlag is the hidden flag of "ssooidc bench" that makes it serve the
// floor on an address instead of benchmarking: the harness runs the floor
// as a child process when it runs the server as one, so both are hosted
// alike.
const FloorFlag = "--serve-floor"

// StartFloorChild runs "exe bench --serve-floor ADDR" as a child process.
func StartFloorChild(ctx context.Context, exe string) (*Floor, error) {
	addr, err := freePort()
	if err != nil {
		return nil, err
	}
	logs := newTail(8 << 10)
	cmd := exec.Command(exe, "bench", FloorFlag, addr)
	cmd.Stdout, cmd.Stderr = logs, logs
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the floor: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	u := "http://" + addr
	f := &Floor{URL: u, Mode: "child process", PID: cmd.Process.Pid, closeFn: func() error { return stopChild(cmd, exited) }}
	if err := waitFloor(ctx, u, exited); err != nil {
		f.Close()
		return nil, fmt.Errorf("%w\nfloor output:\n%s", err, logs.String())
	}
	return f, nil
}

func waitFloor(ctx context.Context, u string, exited chan error) error {
	hc := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := hc.Post(u+"/2", "application/json", nil)
		if err == nil {
			drain(resp.Body)
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the floor at %s is not answering: %v", u, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-exited:
			return fmt.Errorf("the floor exited: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// floorDriver posts a request body of reqSize bytes (or GETs, for 0) and
// expects a response body of respSize bytes.
type floorDriver struct {
	url      string
	req      []byte
	reqSize  int
	respSize int
}

func newFloorDriver(u string, reqSize, respSize int) *floorDriver {
	return &floorDriver{url: u, req: jsonBody(max(reqSize, 2)), reqSize: reqSize, respSize: respSize}
}

func (d *floorDriver) worker(int) (Worker, error) {
	c := &caller{base: d.url}
	path := "/" + strconv.Itoa(d.respSize)
	method, body := http.MethodPost, d.req
	if d.reqSize == 0 {
		method, body = http.MethodGet, nil // as GetRoleCredentials
	}
	return workerFunc(func(ctx context.Context, hc *http.Client) (Outcome, error) {
		status, et, err := c.send(ctx, hc, method, path, "application/json", body, nil)
		if err != nil {
			return "", err
		}
		if status != http.StatusOK || c.buf.Len() != d.respSize {
			return "", c.bad("floor", status, et)
		}
		return OK, nil
	}), nil
}
