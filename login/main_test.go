package login_test

import (
	"os"
	"path/filepath"
	"testing"
)

// TestMain keeps the machine's AWS configuration out of the tests.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "login-test-home")
	if err != nil {
		panic(err)
	}
	for _, k := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL",
		"AWS_ENDPOINT_URL_SSO", "AWS_ENDPOINT_URL_SSO_OIDC", "SSOOIDC_CACHE_DIR", "SSOOIDC_CREDENTIALS_CACHE_DIR", "BROWSER"} {
		os.Unsetenv(k)
	}
	config := filepath.Join(dir, "config")
	_ = os.WriteFile(config, []byte("[profile dev]\nsso_session = my-sso\n\n[sso-session my-sso]\nsso_start_url = https://d-1234567890.awsapps.com/start\nsso_region = us-east-1\n"), 0o600)
	os.Setenv("AWS_CONFIG_FILE", config)
	os.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	os.Setenv("HOME", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
