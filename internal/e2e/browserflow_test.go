package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ssooidc/types"

	"github.com/ssooidc/ssooidc/internal/browsertest"
	"github.com/ssooidc/ssooidc/internal/servertest"
)

// TestSDKDeviceFlowApprovedInBrowser: aws-sdk-go-v2 starts a device flow
// on the default (SQLite) server, a person approves it in a real Chromium
// on our pages (code prefilled from verificationUriComplete, sign-in,
// Allow), and the SDK's next poll gets the token; a second flow that the
// person denies gets AccessDeniedException.
func TestSDKDeviceFlowApprovedInBrowser(t *testing.T) {
	srv := servertest.New(t)
	srv.AddUser(t, "alice", "correct horse battery")
	c := sdk(srv)
	r := register(t, c, "sso:account:access")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	st := start(t, c, r)
	_, err := poll(c, r, *st.DeviceCode)
	wantErr[*types.AuthorizationPendingException](t, err, 400)
	b := browsertest.New(t)
	text, err := b.ApproveDevice(ctx, *st.VerificationUriComplete, "alice", "correct horse battery")
	if err != nil {
		t.Fatalf("approving in the browser: %v", err)
	}
	if !strings.Contains(text, "Your device is signed in") {
		t.Errorf("final page: %q", text)
	}
	tok, err := poll(c, r, *st.DeviceCode)
	if err != nil || *tok.AccessToken == "" || *tok.RefreshToken == "" {
		t.Fatalf("token after approval: %v", err)
	}

	st = start(t, c, r)
	if _, err := b.DenyDevice(ctx, *st.VerificationUriComplete, "alice", "correct horse battery"); err != nil {
		t.Fatalf("denying in the browser: %v", err)
	}
	_, err = poll(c, r, *st.DeviceCode)
	wantErr[*types.AccessDeniedException](t, err, 400)
}
