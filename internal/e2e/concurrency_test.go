package e2e

import (
	"errors"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc/types"

	"github.com/ssooidc/ssooidc/internal/servertest"
)

// TestConcurrentPollsYieldOneToken: 50 concurrent polls of an approved
// device code over real HTTP yield exactly one token; every other poll is
// an InvalidGrantException.
func TestConcurrentPollsYieldOneToken(t *testing.T) {
	srv := servertest.New(t)
	srv.AddUser(t, "alice", "correct horse battery")
	c := sdk(srv)
	r := register(t, c, "sso:account:access")
	st := start(t, c, r)
	srv.Decide(t, *st.UserCode, "alice", true)

	const n = 50
	var wg sync.WaitGroup
	var mu sync.Mutex
	tokens, invalid := 0, 0
	var other []error
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := poll(c, r, *st.DeviceCode)
			mu.Lock()
			defer mu.Unlock()
			var ig *types.InvalidGrantException
			switch {
			case err == nil:
				tokens++
			case errors.As(err, &ig):
				invalid++
			default:
				other = append(other, err)
			}
		}()
	}
	wg.Wait()
	if tokens != 1 || invalid != n-1 || len(other) > 0 {
		t.Fatalf("tokens %d invalid_grant %d other %v", tokens, invalid, other)
	}
}

// TestConcurrentRefreshesKeepTheFamily: 20 concurrent refreshes with the
// same refresh token all succeed with the same successor (the grace
// window), and the family stays usable afterwards.
func TestConcurrentRefreshesKeepTheFamily(t *testing.T) {
	srv := servertest.New(t)
	srv.AddUser(t, "alice", "correct horse battery")
	c := sdk(srv)
	r := register(t, c, "sso:account:access")
	tok := login(t, srv, c, r)

	const n = 20
	var wg sync.WaitGroup
	results := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := refresh(c, r, *tok.RefreshToken)
			errs[i] = err
			if err == nil {
				results[i] = aws.ToString(out.RefreshToken)
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("refresh %d: %v", i, err)
		}
		if results[i] != results[0] {
			t.Fatalf("refresh %d got a different successor", i)
		}
	}
	next, err := refresh(c, r, results[0])
	if err != nil {
		t.Fatalf("family not usable after concurrent refreshes: %v", err)
	}
	if _, err := refresh(c, r, *next.RefreshToken); err != nil {
		t.Fatalf("family not usable: %v", err)
	}
}
