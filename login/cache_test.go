package login

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Test vectors of WIRE.md 6.1 and 6.2.
func TestCacheKeys(t *testing.T) {
	c := &Cache{Dir: "/x"}
	for key, want := range map[string]string{
		"my-sso":                                 "0ad374308c5a4e22f723adf10145eafad7c4031c",
		"https://d-1234567890.awsapps.com/start": "7487b5b67d5fa1132cf33fa93ae51ef38cc37752",
	} {
		if got := c.TokenPath(key); got != filepath.Join("/x", want+".json") {
			t.Errorf("TokenPath(%q) = %s", key, got)
		}
	}
	if got := RegistrationKey("https://d-1234567890.awsapps.com/start", "us-east-1", []string{"sso:account:access"}, "my-sso"); got != "a8343d65418848d0bc13a5f25cbb32508ceec5d1" {
		t.Errorf("RegistrationKey = %s", got)
	}
	if got := RoleCredentialsKey("123456789012", "AdministratorAccess", "my-sso", "ignored"); got != "c61222fe4c86bb5d3638873744d4cab00a0bf176" {
		t.Errorf("RoleCredentialsKey = %s", got)
	}
	// Python: hashlib.sha1(json.dumps({'tool':'botocore','startUrl':'https://x/start','region':'eu-west-1',
	//   'scopes':None,'session_name':None}, sort_keys=True).encode()).hexdigest()
	if got, want := RegistrationKey("https://x/start", "eu-west-1", nil, ""), sha1Hex(`{"region": "eu-west-1", "scopes": null, "session_name": null, "startUrl": "https://x/start", "tool": "botocore"}`); got != want {
		t.Errorf("RegistrationKey without scopes or session = %s, want %s", got, want)
	}
}

// TestTokenFileBytes: a token is written exactly as the AWS CLI's
// json.dumps writes it, and members we do not know survive a rewrite.
func TestTokenFileBytes(t *testing.T) {
	exp := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	tok := &Token{StartURL: "https://d-1234567890.awsapps.com/start", Region: "us-east-1", AccessToken: "at",
		ExpiresAt: exp.Add(500 * time.Millisecond), ClientID: "cid", ClientSecret: "cs",
		RegistrationExpiresAt: exp.AddDate(0, 3, 0), RefreshToken: "rt"}
	want := `{"startUrl": "https://d-1234567890.awsapps.com/start", "region": "us-east-1", "accessToken": "at", "expiresAt": "2026-01-01T12:00:00Z", "clientId": "cid", "clientSecret": "cs", "registrationExpiresAt": "2026-04-01T12:00:00Z", "refreshToken": "rt"}`
	if got := string(tok.Marshal()); got != want {
		t.Errorf("Marshal\n got %s\nwant %s", got, want)
	}

	// A file of the JS SDK: fractional seconds, two-space indent, an extra
	// member; and one of early CLI v2, with a "UTC" suffix.
	js := "{\n  \"accessToken\": \"a\",\n  \"expiresAt\": \"2026-01-01T12:00:00.000Z\",\n  \"x-custom\": {\"n\": [1, 2.50]},\n  \"refreshToken\": \"r\"\n}"
	got, err := ParseToken([]byte(js))
	if err != nil || !got.ExpiresAt.Equal(exp) || got.RefreshToken != "r" {
		t.Fatalf("ParseToken(js) = %+v, %v", got, err)
	}
	got.AccessToken = "b"
	if s := string(got.Marshal()); s != `{"accessToken": "b", "expiresAt": "2026-01-01T12:00:00Z", "refreshToken": "r", "x-custom": {"n": [1, 2.50]}}` {
		t.Errorf("rewrite lost or changed members: %s", s)
	}
	if old, err := ParseToken([]byte(`{"accessToken":"a","expiresAt":"2026-01-01T12:00:00UTC"}`)); err != nil || !old.ExpiresAt.Equal(exp) {
		t.Errorf("UTC suffix: %+v %v", old, err)
	}
	for _, bad := range []string{`{"accessToken":"a"}`, `{"expiresAt":"2026-01-01T12:00:00Z"}`, `{"accessToken":"a","expiresAt":"2026-01-01T12:00:00"}`, `[]`, `{`} {
		if _, err := ParseToken([]byte(bad)); err == nil {
			t.Errorf("ParseToken(%s) succeeded", bad)
		}
	}
	if s := pyString("é\U0001F600<&>\"\\\n\x01"); s != `"\u00e9\ud83d\ude00<&>\"\\\n\u0001"` {
		t.Errorf("pyString = %s", s)
	}
}

func TestRegistrationFile(t *testing.T) {
	r := &Registration{ClientID: "c", ClientSecret: "s", ExpiresAt: time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC),
		Scopes: []string{"sso:account:access"}, GrantTypes: []string{"authorization_code", "refresh_token"}}
	want := `{"clientId": "c", "clientSecret": "s", "expiresAt": "2026-03-31T12:00:00Z", "scopes": ["sso:account:access"], "grantTypes": ["authorization_code", "refresh_token"]}`
	if got := string(r.Marshal()); got != want {
		t.Errorf("Marshal\n got %s\nwant %s", got, want)
	}
	back, err := ParseRegistration([]byte(want))
	if err != nil || back.ClientID != "c" || len(back.GrantTypes) != 2 {
		t.Fatalf("%+v %v", back, err)
	}
	now := r.ExpiresAt.Add(-time.Hour)
	for _, tc := range []struct {
		grants []string
		now    time.Time
		flow   Flow
		want   bool
	}{
		{[]string{"authorization_code", "refresh_token"}, now, FlowPKCE, true},
		{[]string{"authorization_code", "refresh_token"}, now, FlowDevice, false},
		{nil, now, FlowDevice, true},
		{nil, now, FlowPKCE, false},
		{nil, r.ExpiresAt.Add(-14 * time.Minute), FlowDevice, false},
		{nil, r.ExpiresAt.Add(-16 * time.Minute), FlowDevice, true},
	} {
		r.GrantTypes = tc.grants
		if got := r.usable(tc.now, tc.flow); got != tc.want {
			t.Errorf("usable(%v, %v, %v) = %v", tc.grants, tc.now, tc.flow, got)
		}
	}
}

// TestStoreIsAtomicAndPrivate: files are 0600, no temporary file is left,
// and concurrent readers never see a partial file.
func TestStoreIsAtomicAndPrivate(t *testing.T) {
	c := &Cache{Dir: filepath.Join(t.TempDir(), "new", "dir")}
	tok := &Token{AccessToken: strings.Repeat("a", 20000), ExpiresAt: time.Now().Add(time.Hour)}
	if err := c.StoreToken("s", tok); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var bad atomic.Int32
	stop := make(chan struct{})
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := c.LoadToken("s"); err != nil {
					bad.Add(1)
				}
			}
		}()
	}
	for i := range 20 {
		tok.AccessToken = strings.Repeat(string(rune('a'+i%26)), 20000+i)
		if err := c.StoreToken("s", tok); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	if bad.Load() > 0 {
		t.Errorf("%d reads saw a partial file", bad.Load())
	}
	entries, _ := os.ReadDir(c.Dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %v", entries)
	}
	if runtime.GOOS != "windows" {
		st, _ := os.Stat(c.TokenPath("s"))
		dst, _ := os.Stat(c.Dir)
		if st.Mode().Perm() != 0o600 || dst.Mode().Perm() != 0o700 {
			t.Errorf("modes %v %v", st.Mode(), dst.Mode())
		}
	}
}

// TestLockExcludes: the lock excludes other holders (in this process,
// through other open files, as in other processes), tells waiters who
// holds it, and gives up when ctx ends.
func TestLockExcludes(t *testing.T) {
	c := &Cache{Dir: t.TempDir()}
	ctx := context.Background()
	unlock, err := c.Lock(ctx, "s", "login", nil)
	if err != nil {
		t.Fatal(err)
	}
	var holder string
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := c.Lock(short, "s", "refresh", func(h string) { holder = h }); err != context.DeadlineExceeded {
		t.Fatalf("second Lock: %v", err)
	}
	if want := "login by process " + strconv.Itoa(os.Getpid()); holder != want {
		t.Errorf("holder %q, want %q", holder, want)
	}
	var inside atomic.Int32
	var max atomic.Int32
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u, err := c.Lock(ctx, "s", "refresh", nil)
			if err != nil {
				t.Error(err)
				return
			}
			if n := inside.Add(1); n > max.Load() {
				max.Store(n)
			}
			time.Sleep(2 * time.Millisecond)
			inside.Add(-1)
			u()
		}()
	}
	time.Sleep(20 * time.Millisecond)
	unlock()
	wg.Wait()
	if max.Load() != 1 {
		t.Errorf("%d holders at once", max.Load())
	}
}
