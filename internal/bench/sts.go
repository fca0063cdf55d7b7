package bench

import (
	"context"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// benchSTS answers STS AssumeRole on loopback for the bench's STS account
// (stsAccount): fresh credentials of an hour per call, counted. It stands
// in for AWS STS, which the harness must not call (traffic stays on
// 127.0.0.1); the portal calls it only when its credentials cache misses.
type benchSTS struct {
	URL   string
	Calls atomic.Int64
	srv   *http.Server
}

// stsAccount is the bench's account whose credentials come from STS; the
// bench user's group has portalRole in it too.
const stsAccount = "333333333333"

// Base credentials the server signs its AssumeRole calls with; benchSTS
// does not check signatures.
const (
	stsAccessKey = "AKIDBENCHSTSCALLER00"
	stsSecretKey = "bench-sts-secret-not-a-secret"
)

func startBenchSTS() (*benchSTS, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &benchSTS{URL: "http://" + l.Addr().String()}
	s.srv = &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(s.assumeRole)}
	go func() { _ = s.srv.Serve(l) }()
	return s, nil
}

func (s *benchSTS) assumeRole(w http.ResponseWriter, r *http.Request) {
	s.Calls.Add(1)
	exp := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	w.Header().Set("Content-Type", "text/xml")
	_, _ = w.Write([]byte(`<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
<Credentials><AccessKeyId>ASIABENCHBENCHBENCH0</AccessKeyId><SecretAccessKey>bench-secret</SecretAccessKey>
<SessionToken>bench-session-token</SessionToken><Expiration>` + exp + `</Expiration></Credentials>
<AssumedRoleUser><AssumedRoleId>AROABENCH:bench</AssumedRoleId><Arn>arn:aws:sts::` + stsAccount + `:assumed-role/` + portalRole + `/bench</Arn></AssumedRoleUser>
</AssumeRoleResult><ResponseMetadata><RequestId>bench</RequestId></ResponseMetadata></AssumeRoleResponse>`))
}

// Close stops the endpoint.
func (s *benchSTS) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.srv.Shutdown(ctx)
}
