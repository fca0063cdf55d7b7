package e2e

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"

	"github.com/ssooidc/ssooidc/internal/servertest"
)

// TestNoSecretAtRest issues one of every secret the service hands out,
// then reads the SQLite database, its WAL and the server's debug logs as
// bytes: none of them may contain any secret in plain text.
func TestNoSecretAtRest(t *testing.T) {
	srv := servertest.New(t)
	const password = "correct horse battery staple"
	srv.AddUser(t, "alice", password)
	c := sdk(srv)
	reg, err := c.RegisterClient(context.Background(), &ssooidc.RegisterClientInput{
		ClientName: aws.String("leak-check"), ClientType: aws.String("public"), Scopes: []string{"sso:account:access"}})
	if err != nil {
		t.Fatal(err)
	}
	r := registered{*reg.ClientId, *reg.ClientSecret}
	st := start(t, c, r)
	_, _ = poll(c, r, *st.DeviceCode) // pending, logged at debug
	srv.Decide(t, *st.UserCode, "alice", true)
	tok, err := poll(c, r, *st.DeviceCode)
	if err != nil {
		t.Fatal(err)
	}
	next, err := refresh(c, r, *tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	// A failing request with a secret in it, to see it is not logged.
	_, _ = refresh(c, registered{r.id, "wrong-" + r.secret}, *next.RefreshToken)

	secrets := map[string]string{
		"client secret": r.secret, "device code": *st.DeviceCode,
		"user code": strings.ReplaceAll(*st.UserCode, "-", ""), "user code formatted": *st.UserCode,
		"access token": *tok.AccessToken, "refresh token": *tok.RefreshToken,
		"rotated access token": *next.AccessToken, "rotated refresh token": *next.RefreshToken,
		"password": password,
	}
	var blobs = map[string][]byte{"logs": []byte(srv.Logs())}
	files, _ := filepath.Glob(srv.DB + "*")
	if len(files) == 0 {
		t.Fatal("no database files")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		blobs[filepath.Base(f)] = b
	}
	for where, blob := range blobs {
		for what, s := range secrets {
			if bytes.Contains(blob, []byte(s)) {
				t.Errorf("%s contains the %s in plain text", where, what)
			}
		}
	}
	if !strings.Contains(srv.Logs(), "CreateToken") {
		t.Error("the debug access log is empty; the scan proves nothing")
	}
}
