//go:build unix

package ssooidctest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// workflow is the part of a GitHub Actions workflow the README's job uses.
type workflow struct {
	Jobs map[string]ciJob `yaml:"jobs"`
}

type ciJob struct {
	Env   map[string]string `yaml:"env"`
	Steps []ciStep          `yaml:"steps"`
}

type ciStep struct {
	Name string            `yaml:"name"`
	Uses string            `yaml:"uses"`
	Run  string            `yaml:"run"`
	Env  map[string]string `yaml:"env"`
}

// toolTest is the "tool under test" of the README's job in this test: a
// Go test in the job's checkout that gets the profile's credentials
// through aws-sdk-go-v2, as any tool built on it does (AWS_PROFILE).
const toolTest = `package tool

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/config"
)

func TestProfileCredentials(t *testing.T) {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if c.AccessKeyID != "AKIAIOSFODNN7EXAMPLE" || c.SecretAccessKey != "ci-secret-key" {
		t.Fatalf("credentials %s from %s", c.AccessKeyID, c.Source)
	}
}
`

// TestREADMECIJob runs the README's GitHub Actions job step by step, as
// the runner would (bash -eo pipefail, the job's and the step's env,
// $RUNNER_TEMP, a checkout as the working directory), with three
// differences that the machine imposes: "go install ...@latest" is the
// ssooidc built from this checkout, already on PATH; the checkout is a Go
// module whose test gets the profile's credentials with aws-sdk-go-v2;
// and "aws" is Debian's AWS CLI 2.9.19 behind a wrapper that drops
// --use-device-code (2.22+; 2.9 has only the device flow) and sets
// AWS_DATA_PATH (2.9 predates AWS_ENDPOINT_URL_SSO_OIDC).
func TestREADMECIJob(t *testing.T) {
	t.Parallel()
	job := readmeJob(t)
	addr := freeAddr(t)
	tmp := t.TempDir()
	home, runnerTemp, checkout, bin := filepath.Join(tmp, "home"), filepath.Join(tmp, "runner-temp"), filepath.Join(tmp, "checkout"), filepath.Join(tmp, "bin")
	for _, d := range []string{home, runnerTemp, checkout, bin} {
		mkdir(t, d)
	}
	if err := os.Symlink(ssooidcBinary(t), filepath.Join(bin, "ssooidc")); err != nil {
		t.Fatal(err)
	}
	kit := &Server{URL: "http://" + addr}
	data := filepath.Join(tmp, "aws-data")
	for _, api := range []string{"sso-oidc", "sso"} {
		mkdir(t, filepath.Join(data, api, "2019-06-10"))
		writeFile(t, filepath.Join(data, api, "2019-06-10", "endpoint-rule-set-1.json"), EndpointRuleSet(kit.URL))
	}
	writeFile(t, filepath.Join(bin, "aws"), `#!/bin/sh
for a do
  shift
  [ "$a" = --use-device-code ] || set -- "$@" "$a"
done
AWS_DATA_PATH='`+data+`' exec `+awsCLIv2+` "$@"
`)
	if err := os.Chmod(filepath.Join(bin, "aws"), 0o755); err != nil {
		t.Fatal(err)
	}
	checkoutModule(t, checkout)

	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go tool is required: %v", err)
	}
	base := append(goEnv(t), "HOME="+home, "RUNNER_TEMP="+runnerTemp, "CI=true", "GITHUB_ACTIONS=true",
		"PATH="+bin+":"+filepath.Dir(goBin)+":/usr/local/bin:/usr/bin:/bin")
	for k, v := range job.Env {
		base = append(base, k+"="+strings.ReplaceAll(v, "127.0.0.1:8080", addr))
	}
	ran := 0
	for _, st := range job.Steps {
		switch {
		case st.Uses != "":
			continue // checkout and setup-go: the test's checkout and Go
		case strings.HasPrefix(st.Run, "go install "):
			continue // the binary built from this checkout is on PATH
		}
		env := append([]string(nil), base...)
		for k, v := range st.Env {
			env = append(env, k+"="+v)
		}
		out := runStep(t, env, checkout, strings.ReplaceAll(st.Run, "127.0.0.1:8080", addr))
		t.Logf("step %q:\n%s", st.Name, out)
		ran++
	}
	if ran != 5 {
		t.Errorf("ran %d steps of the README's job, want 5 (start, profile, login, test, log)", ran)
	}
	log, err := os.ReadFile(filepath.Join(runnerTemp, "ssooidc.log"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(log), "auto-approved a device authorization") {
		t.Errorf("the server's log shows no approval:\n%s", log)
	}
}

// readmeJob is the GitHub Actions job of README.md's "Testing your tool
// against ssooidc".
func readmeJob(t *testing.T) ciJob {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var block string
	for _, m := range regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(b), -1) {
		if strings.Contains(m[1], "--auto-approve ci") {
			block = m[1]
		}
	}
	if block == "" {
		t.Fatal("README.md has no yaml block with --auto-approve ci")
	}
	var w workflow
	if err := yaml.Unmarshal([]byte(block), &w); err != nil {
		t.Fatalf("the README's workflow: %v", err)
	}
	if len(w.Jobs) != 1 {
		t.Fatalf("the README's workflow has %d jobs, want 1", len(w.Jobs))
	}
	for _, j := range w.Jobs {
		return j
	}
	return ciJob{}
}

// runStep runs a step's script as the runner does on Linux, and kills
// what it left running when the test ends (the server it starts in the
// background).
func runStep(t *testing.T, env []string, dir, script string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script)
	cmd.Env, cmd.Dir = env, dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pgid := cmd.Process.Pid
	t.Cleanup(func() { _ = syscall.Kill(-pgid, syscall.SIGTERM) })
	if err := cmd.Wait(); err != nil {
		t.Fatalf("step failed: %v\n%s\n%s", err, script, out.String())
	}
	return out.String()
}

// checkoutModule makes dir a Go module with toolTest, requiring what this
// module requires, so that it builds offline from the module cache.
func checkoutModule(t *testing.T, dir string) {
	t.Helper()
	mod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile("../go.sum")
	if err != nil {
		t.Fatal(err)
	}
	gomod := regexp.MustCompile(`(?m)^module .*$`).ReplaceAllString(string(mod), "module example.com/tool")
	writeFile(t, filepath.Join(dir, "go.mod"), gomod)
	writeFile(t, filepath.Join(dir, "go.sum"), string(sum))
	writeFile(t, filepath.Join(dir, "tool_test.go"), toolTest)
}

// goEnv is the environment without AWS settings, with the machine's Go
// caches (HOME moves) and no network for modules.
func goEnv(t *testing.T) []string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOCACHE", "GOMODCACHE").Output()
	if err != nil {
		t.Fatalf("go env: %v", err)
	}
	v := strings.Fields(string(out))
	env := []string{"GOCACHE=" + v[0], "GOMODCACHE=" + v[1], "GOFLAGS=-mod=mod", "GOPROXY=off", "GOSUMDB=off",
		"GOTOOLCHAIN=local", "GOWORK=off"}
	for _, kv := range hostEnv() {
		k, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(k, "GO") && k != "HOME" && k != "PATH" {
			env = append(env, kv)
		}
	}
	return env
}

func mkdir(t *testing.T, d string) {
	t.Helper()
	if err := os.MkdirAll(d, 0o700); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
