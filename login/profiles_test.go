package login

import (
	"strings"
	"testing"
)

func TestUpdateGeneratedProfiles(t *testing.T) {
	const original = "# my config\r\n[default]\r\nregion = eu-west-1 ; inline\r\n\r\n[sso-session my-sso]\r\nsso_start_url = https://x/start\r\nsso_region = us-east-1\r\n" +
		"\r\n[profile Old/Gone]\r\n" + generatedComment + "\r\nsso_session = my-sso\r\nssooidc_generated = my-sso\r\n\r\n# about prod\r\n[profile prod]\r\nsso_session = my-sso\r\n  nested = x\r\n" +
		"[profile Sandbox/ReadOnly]\r\nregion = x\r\n"
	want := []GeneratedProfile{
		{Name: "Sandbox/ReadOnly", Keys: [][2]string{{"sso_session", "my-sso"}}},
		{Name: "Prod/Admin", Keys: [][2]string{{"sso_session", "my-sso"}, {"sso_account_id", "1"}}},
		{Name: "Dev/Admin", Keys: [][2]string{{"sso_session", "my-sso"}}},
	}
	out, ch := UpdateGeneratedProfiles([]byte(original), "my-sso", want)
	got := string(out)
	if strings.Join(ch.Added, ",") != "Dev/Admin,Prod/Admin" || strings.Join(ch.Removed, ",") != "Old/Gone" || strings.Join(ch.Skipped, ",") != "Sandbox/ReadOnly" {
		t.Errorf("changes %+v", ch)
	}
	// Everything not generated is kept byte for byte, the comment about
	// prod included; new profiles come at the end with the file's line
	// endings.
	keep := strings.Replace(original, "\r\n[profile Old/Gone]\r\n"+generatedComment+"\r\nsso_session = my-sso\r\nssooidc_generated = my-sso\r\n\r\n", "\r\n", 1)
	if !strings.HasPrefix(got, keep) {
		t.Fatalf("other lines changed:\n%q\nwant prefix\n%q", got, keep)
	}
	added := got[len(keep):]
	if !strings.HasPrefix(added, "\r\n[profile Dev/Admin]\r\n"+generatedComment+"\r\nsso_session = my-sso\r\nssooidc_generated = my-sso\r\n\r\n[profile Prod/Admin]\r\n") || strings.Contains(strings.ReplaceAll(added, "\r\n", ""), "\n") {
		t.Errorf("added:\n%q", added)
	}
	// Idempotent.
	again, ch2 := UpdateGeneratedProfiles(out, "my-sso", want)
	if string(again) != got || ch2.Changed() || len(ch2.Unchanged) != 2 {
		t.Errorf("second run changed the file (%+v):\n%s", ch2, again)
	}
	// The parse the tools make of it.
	cfg := ParseConfig("x", out)
	if s, err := cfg.Profile("Prod/Admin"); err != nil || s.AccountID != "1" || s.Name != "my-sso" {
		t.Errorf("Prod/Admin: %v %+v", err, s)
	}
	// Generated for another session: untouched; dropping all ours keeps
	// theirs.
	other, _ := UpdateGeneratedProfiles(out, "other", nil)
	if string(other) != got {
		t.Errorf("another session's run touched ours")
	}
	none, ch3 := UpdateGeneratedProfiles(out, "my-sso", nil)
	if len(ch3.Removed) != 2 || string(none) != strings.TrimSuffix(keep, "") {
		t.Errorf("removing all (%+v):\n%q\nwant\n%q", ch3, none, keep)
	}
	// An empty file.
	if b, _ := UpdateGeneratedProfiles(nil, "s", want[:1]); !strings.HasPrefix(string(b), "[profile Sandbox/ReadOnly]\n") {
		t.Errorf("empty file: %q", b)
	}
}
