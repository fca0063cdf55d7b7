package accesslog

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/ssooidc/ssooidc/internal/clientaddr"
	"github.com/ssooidc/ssooidc/internal/sso"
)

// Record is what is known about one request once it has been answered.
type Record struct {
	Method     string
	Path       string // without the query, which may carry a user code; at most maxPath bytes
	Op         string // what the adapter named it, else the route pattern, else "unmatched"
	ErrorType  string // the AWS error shape (or "" for none) the adapter named
	Status     int
	Duration   time.Duration
	ClientAddr string // the client's IP address, believed through trusted proxies; only with a Logger
	RequestID  string
}

// maxPath bounds the path a record keeps: a path is the client's choice.
const maxPath = 256

// Unmatched is the operation of a request that no route and no adapter
// named.
const Unmatched = "unmatched"

// Options configure Handler.
type Options struct {
	// Logger receives one info line per request; nil writes none.
	Logger *slog.Logger
	// Observe receives every record (the metrics); nil: none. It runs on
	// the request's goroutine, after the response: it must be cheap.
	Observe func(Record)
	// TrustedProxies are reverse proxies whose X-Forwarded-For is believed
	// for the client address (clientaddr.Resolver).
	TrustedProxies []netip.Prefix
}

// info is what the adapter tells about the request it answers.
type info struct {
	op, errorType, requestID string
}

type ctxKey struct{}

// Label names the operation a request is (a constant of the adapter,
// never a value from the request: it becomes a metrics label) and the
// error type it was answered with ("" for success). Without Handler
// around the request it does nothing.
func Label(ctx context.Context, op, errorType string) {
	if in, ok := ctx.Value(ctxKey{}).(*info); ok {
		in.op, in.errorType = op, errorType
	}
}

// RequestID returns the request's id, made by Handler so that the access
// log line and the x-amzn-RequestId header agree; without Handler, a new
// one. It is a random UUID, as AWS's request ids are.
func RequestID(ctx context.Context) string {
	if in, ok := ctx.Value(ctxKey{}).(*info); ok {
		return in.requestID
	}
	return sso.RandomUUID()
}

// Handler wraps next: it gives every request an id, and when next has
// answered, builds its Record, logs it at info (if opts.Logger is set) and
// hands it to opts.Observe.
func Handler(next http.Handler, opts Options) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		in := &info{requestID: sso.RandomUUID()}
		r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, in))
		sw := &statusWriter{ResponseWriter: w}
		// The mux sets r.Pattern on this request value: read it after.
		next.ServeHTTP(sw, r)
		rec := Record{
			Method: r.Method, Path: r.URL.Path, Op: in.op, ErrorType: in.errorType,
			Status: sw.status, Duration: time.Since(start), RequestID: in.requestID,
		}
		if rec.Status == 0 {
			rec.Status = http.StatusOK // nothing written: net/http answers 200
		}
		if rec.Op == "" {
			rec.Op = r.Pattern
		}
		if rec.Op == "" {
			rec.Op = Unmatched
		}
		if len(rec.Path) > maxPath {
			rec.Path = rec.Path[:maxPath]
		}
		if opts.Logger != nil {
			rec.ClientAddr = clientaddr.Resolver{Trusted: opts.TrustedProxies}.Of(r)
		}
		if opts.Observe != nil {
			opts.Observe(rec)
		}
		if opts.Logger != nil {
			log(r.Context(), opts.Logger, rec)
		}
	})
}

func log(ctx context.Context, l *slog.Logger, rec Record) {
	attrs := []slog.Attr{
		slog.String("method", rec.Method), slog.String("path", rec.Path), slog.Int("status", rec.Status),
		slog.String("op", rec.Op), slog.Float64("duration_ms", float64(rec.Duration.Microseconds())/1000),
		slog.String("client_addr", rec.ClientAddr), slog.String("request_id", rec.RequestID),
	}
	if rec.ErrorType != "" {
		attrs = append(attrs, slog.String("error_type", rec.ErrorType))
	}
	l.LogAttrs(ctx, slog.LevelInfo, "request", attrs...)
}

// statusWriter remembers the status of the response. Unwrap lets
// http.ResponseController reach the connection's writer (flush, deadlines).
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
