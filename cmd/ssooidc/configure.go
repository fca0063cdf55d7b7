package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	"github.com/ssooidc/ssooidc/login"
)

// DefaultProfileTemplate names generated profiles as Granted does:
// "Sandbox/ReadOnly".
const DefaultProfileTemplate = "{{.AccountName}}/{{.RoleName}}"

// profileFields are what a --template may use.
type profileFields struct {
	AccountID, AccountName, AccountEmail, RoleName, SSOSession, SSORegion string
}

// cmdConfigure dispatches `ssooidc configure SUBCOMMAND`.
func cmdConfigure(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "generate" {
		fmt.Fprintln(stderr, "Usage: ssooidc configure generate [--sso-session S] [--template T] [--region R] [--dry-run]")
		if len(args) == 0 {
			return usagef("configure needs a subcommand: generate")
		}
		return usagef("unknown configure subcommand %q", args[0])
	}
	return cmdConfigureGenerate(ctx, args[1:], stdout, stderr)
}

// cmdConfigureGenerate writes a profile for every account and role the
// person has (from the portal, with the cached token) into the AWS config
// file, each marked as generated for the sso-session, so that a later run
// updates and removes only those; everything else in the file stays byte
// for byte. --dry-run prints the unified diff instead.
func cmdConfigureGenerate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("configure generate", "Usage: ssooidc configure generate [--sso-session S] [--template T] [--region R] [--dry-run]\n\n"+
		"Writes a profile for every account and role you have into the AWS config file.\n"+
		"Template fields: {{.AccountName}} {{.AccountID}} {{.AccountEmail}} {{.RoleName}} {{.SSOSession}} {{.SSORegion}}.", stderr)
	var sf sessionFlags
	fs.StringVar(&sf.ssoSession, "sso-session", "", "the [sso-session NAME] to generate profiles for (default: the only one in the file)")
	sf.register(fs, false)
	tmplText := fs.String("template", DefaultProfileTemplate, "the profile name template (text/template)")
	region := fs.String("region", "", "the region of the generated profiles (default: the sso-session's sso_region)")
	dryRun := fs.Bool("dry-run", false, "print the changes as a unified diff; write nothing")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	tmpl, err := template.New("profile").Option("missingkey=error").Parse(*tmplText)
	if err != nil {
		return usagef("--template: %v", err)
	}
	cfg, err := sf.config()
	if err != nil {
		return err
	}
	if sf.ssoSession == "" {
		sessions := cfg.SSOSessions()
		if len(sessions) != 1 {
			return usagef("give --sso-session (the file has %d: %s)", len(sessions), strings.Join(sessions, ", "))
		}
		sf.ssoSession = sessions[0]
	}
	sess, err := cfg.SSOSession(sf.ssoSession)
	if err != nil {
		return err
	}
	roles, err := login.New(sess, sf.options).AccountRoles(ctx)
	if err != nil {
		return err
	}
	if *region == "" {
		*region = sess.Region
	}
	want, err := generatedProfiles(tmpl, sess, roles, *region)
	if err != nil {
		return err
	}
	old, err := os.ReadFile(cfg.Path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	updated, ch := login.UpdateGeneratedProfiles(old, sess.Name, want)
	for _, n := range ch.Skipped {
		fmt.Fprintf(stderr, "warning: left the profile %q alone: it exists and was not generated for sso-session %s\n", n, sess.Name)
	}
	if *dryRun {
		_, err := io.WriteString(stdout, unifiedDiff(cfg.Path, cfg.Path+" (ssooidc configure generate)", string(old), string(updated)))
		return err
	}
	if ch.Changed() {
		if err := writeConfig(cfg.Path, updated); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "%d profile(s) for sso-session %s in %s: %d added, %d updated, %d removed, %d unchanged.\n",
		len(want)-len(ch.Skipped), sess.Name, cfg.Path, len(ch.Added), len(ch.Updated), len(ch.Removed), len(ch.Unchanged))
	return nil
}

// generatedProfiles names a profile for each role by the template; two
// roles with the same name are an error that says how to tell them apart.
func generatedProfiles(tmpl *template.Template, sess *login.Session, roles []login.AccountRole, region string) ([]login.GeneratedProfile, error) {
	var out []login.GeneratedProfile
	seen := map[string]login.AccountRole{}
	for _, r := range roles {
		var b strings.Builder
		f := profileFields{AccountID: r.AccountID, AccountName: r.AccountName, AccountEmail: r.EmailAddress,
			RoleName: r.RoleName, SSOSession: sess.Name, SSORegion: sess.Region}
		if err := tmpl.Execute(&b, f); err != nil {
			return nil, usagef("--template: %v", err)
		}
		name := profileName(b.String())
		if name == "" {
			return nil, usagef("--template gives an empty profile name for role %s in account %s", r.RoleName, r.AccountID)
		}
		if prev, dup := seen[name]; dup {
			return nil, fmt.Errorf("the template gives the profile name %q to role %s in account %s and to role %s in account %s; "+
				"add the account id: --template '{{.AccountName}}-{{.AccountID}}/{{.RoleName}}'", name, prev.RoleName, prev.AccountID, r.RoleName, r.AccountID)
		}
		seen[name] = r
		keys := [][2]string{{"sso_session", sess.Name}, {"sso_account_id", r.AccountID}, {"sso_role_name", r.RoleName}}
		if region != "" {
			keys = append(keys, [2]string{"region", region})
		}
		out = append(out, login.GeneratedProfile{Name: name, Keys: keys})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// profileName makes a template's output a profile name every tool reads:
// botocore splits "[profile NAME]" with shlex, so blanks become '-' and
// characters outside letters, digits and -_./@:+=, are dropped.
func profileName(s string) string {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r == ' ' || r == '\t':
			b.WriteByte('-')
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("-_./@:+=,", r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// writeConfig replaces the config file atomically, keeping its mode (0600
// for a new one).
func writeConfig(path string, data []byte) error {
	// A config file that is a symbolic link (dotfile managers) stays one:
	// its target is replaced.
	if target, err := filepath.EvalSymlinks(path); err == nil {
		path = target
	}
	mode := os.FileMode(0o600)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".config-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
