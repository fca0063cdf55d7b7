package login

import (
	"context"
	"encoding/json"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// TestCredentialServerRefreshes: credentials are fetched once while they
// have more than CredentialsRefresh left, and again before they expire.
func TestCredentialServerRefreshes(t *testing.T) {
	var calls atomic.Int32
	var life atomic.Int64
	life.Store(int64(time.Hour))
	provider := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		n := calls.Add(1)
		return aws.Credentials{AccessKeyID: "ASIA" + string(rune('A'+n)), SecretAccessKey: "s", SessionToken: "t",
			CanExpire: true, Expires: time.Now().Add(time.Duration(life.Load()))}, nil
	})
	s, err := NewCredentialServer("", provider, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Serve(ctx)
	get := func() containerCredentials {
		req, _ := http.NewRequest(http.MethodGet, s.URL(), nil)
		req.Header.Set("Authorization", s.Token())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var c containerCredentials
		if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&c) != nil {
			t.Fatalf("HTTP %d", resp.StatusCode)
		}
		return c
	}
	a, b := get(), get()
	if calls.Load() != 1 || a.AccessKeyID != b.AccessKeyID || a.Token != "t" || a.Expiration == "" {
		t.Errorf("%d fetches for two requests: %+v %+v", calls.Load(), a, b)
	}
	// Credentials that end within the refresh window are renewed.
	life.Store(int64(10 * time.Minute))
	s2, _ := NewCredentialServer("127.0.0.1:0", provider, nil)
	go s2.Serve(ctx)
	s = s2
	calls.Store(0)
	get()
	get()
	if calls.Load() != 2 {
		t.Errorf("credentials 10 minutes from their end were not renewed: %d fetches", calls.Load())
	}
	if _, err := NewCredentialServer("192.0.2.1:0", provider, nil); err == nil {
		t.Error("a non-loopback address was accepted")
	}
}
