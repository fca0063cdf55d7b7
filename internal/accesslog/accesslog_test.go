package accesslog

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func TestHandlerRecords(t *testing.T) {
	var got []Record
	var logs bytes.Buffer
	mux := http.NewServeMux()
	mux.HandleFunc("GET /page/{x}", func(w http.ResponseWriter, r *http.Request) {}) // writes nothing: 200
	mux.HandleFunc("POST /api", func(w http.ResponseWriter, r *http.Request) {
		Label(r.Context(), "DoThing", "ThingException")
		w.Header().Set("x-amzn-RequestId", RequestID(r.Context()))
		w.WriteHeader(http.StatusBadRequest)
	})
	h := Handler(mux, Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil)), Observe: func(r Record) { got = append(got, r) },
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})

	for _, tc := range []struct {
		method, target, xff string
		want                Record
	}{
		{"GET", "/page/BCDF-GHJK?user_code=BCDF-GHJK", "", Record{Method: "GET", Path: "/page/BCDF-GHJK", Op: "GET /page/{x}", Status: 200, ClientAddr: "192.0.2.1"}},
		{"POST", "/api", "", Record{Method: "POST", Path: "/api", Op: "DoThing", ErrorType: "ThingException", Status: 400, ClientAddr: "192.0.2.1"}},
		{"GET", "/nowhere/" + strings.Repeat("x", 1000), "", Record{Method: "GET", Path: ("/nowhere/" + strings.Repeat("x", 1000))[:maxPath], Op: "GET /", Status: 404, ClientAddr: "192.0.2.1"}},
	} {
		r := httptest.NewRequest(tc.method, tc.target, nil)
		r.RemoteAddr = "192.0.2.1:5555"
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		rec := got[len(got)-1]
		if rec.RequestID == "" || rec.Duration <= 0 {
			t.Errorf("%s: no id or duration: %+v", tc.target, rec)
		}
		if id := w.Header().Get("x-amzn-RequestId"); id != "" && id != rec.RequestID {
			t.Errorf("the response's request id %s is not the record's %s", id, rec.RequestID)
		}
		rec.RequestID, rec.Duration = "", 0
		if tc.want.Op == "GET /" {
			tc.want.Op = Unmatched // the mux's 404 handler has no pattern
		}
		if rec != tc.want {
			t.Errorf("%s %s:\n got %+v\nwant %+v", tc.method, tc.target, rec, tc.want)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil || m["msg"] != "request" || m["level"] != "INFO" {
			t.Errorf("access line %s (%v)", line, err)
		}
		if strings.Contains(line, "user_code") {
			t.Errorf("the query reached the log: %s", line)
		}
	}
}
