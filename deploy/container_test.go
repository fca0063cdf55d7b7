package deploy

import (
	"bufio"
	"bytes"
	"debug/elf"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// No Docker (or other OCI) engine runs on this machine, so the image is
// not built here. The Dockerfile is checked by parsing it for the
// properties it must have, and by running its build command, as written,
// to build and inspect the binary it puts in the image.

// instruction is one Dockerfile instruction.
type instruction struct {
	cmd  string // upper case: FROM, RUN, COPY...
	args string
	line int
}

// stage is a FROM and what follows it.
type stage struct {
	from, name string
	instrs     []instruction
}

// parseDockerfile splits a Dockerfile into stages of instructions,
// joining continued lines and dropping comments.
func parseDockerfile(b []byte) ([]stage, error) {
	var stages []stage
	var cur strings.Builder
	start := 0
	sc := bufio.NewScanner(bytes.NewReader(b))
	n := 0
	flush := func() error {
		text := strings.TrimSpace(cur.String())
		cur.Reset()
		if text == "" {
			return nil
		}
		cmd, args, _ := strings.Cut(text, " ")
		in := instruction{cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args), line: start}
		if in.cmd == "FROM" {
			f := strings.Fields(in.args)
			s := stage{from: f[0]}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				s.name = f[2]
			}
			stages = append(stages, s)
			return nil
		}
		if len(stages) == 0 {
			if in.cmd == "ARG" {
				return nil // a global ARG
			}
			return fmt.Errorf("line %d: %s before FROM", in.line, in.cmd)
		}
		stages[len(stages)-1].instrs = append(stages[len(stages)-1].instrs, in)
		return nil
	}
	for sc.Scan() {
		n++
		line := sc.Text()
		if t := strings.TrimSpace(line); strings.HasPrefix(t, "#") || (t == "" && cur.Len() == 0) {
			continue
		}
		if cur.Len() == 0 {
			start = n
		}
		if strings.HasSuffix(strings.TrimRight(line, " \t"), "\\") {
			cur.WriteString(strings.TrimSuffix(strings.TrimRight(line, " \t"), "\\") + " ")
			continue
		}
		cur.WriteString(line)
		if err := flush(); err != nil {
			return nil, err
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return stages, sc.Err()
}

// flagsOf splits "--from=build --chown=1:1 src dst" into its flags and the
// rest.
func flagsOf(args string) (map[string]string, []string) {
	flags := map[string]string{}
	var rest []string
	for _, f := range strings.Fields(args) {
		if k, v, ok := strings.Cut(strings.TrimPrefix(f, "--"), "="); ok && strings.HasPrefix(f, "--") {
			flags[k] = v
			continue
		}
		rest = append(rest, f)
	}
	return flags, rest
}

func readDockerfile(t *testing.T) []stage {
	t.Helper()
	b, err := os.ReadFile("container/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	stages, err := parseDockerfile(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(stages) < 2 {
		t.Fatalf("%d stages; the build must be multi-stage", len(stages))
	}
	return stages
}

// built is the binary the Dockerfile's build command makes, built once
// per test run.
var built struct {
	once sync.Once
	path string
	err  error
}

// dockerBinary runs the Dockerfile's go build command, as written, with
// the image's /out directory moved to a temporary one, and returns the
// binary.
func dockerBinary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		stages, err := parseDockerfile(must(os.ReadFile("container/Dockerfile")))
		if err != nil {
			built.err = err
			return
		}
		var cmd string
		for _, in := range stages[0].instrs {
			if in.cmd == "RUN" && strings.Contains(in.args, "go build") {
				cmd = in.args
			}
		}
		if cmd == "" {
			built.err = fmt.Errorf("no go build in the build stage")
			return
		}
		out, err := os.MkdirTemp("", "ssooidc-deploy-")
		if err != nil {
			built.err = err
			return
		}
		run := exec.Command("sh", "-c", strings.ReplaceAll(cmd, "/out/", out+"/"))
		run.Dir = ".."
		run.Env = append(os.Environ(), "VERSION=deploy-test")
		if b, err := run.CombinedOutput(); err != nil {
			built.err = fmt.Errorf("%s: %v\n%s", cmd, err, b)
			return
		}
		built.path = filepath.Join(out, "ssooidc")
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.path != "" {
		os.RemoveAll(filepath.Dir(built.path))
	}
	os.Exit(code)
}

func TestContainerfile(t *testing.T) {
	stages := readDockerfile(t)
	build, final := stages[0], stages[len(stages)-1]
	if !strings.HasPrefix(final.from, "gcr.io/distroless/static") && final.from != "scratch" {
		t.Errorf("the image is based on %s, not distroless static or scratch (no shell)", final.from)
	}
	var user, entry, cmd string
	var binaryAt string
	for _, in := range final.instrs {
		switch in.cmd {
		case "RUN":
			t.Errorf("line %d: RUN in the final stage, which has no shell", in.line)
		case "USER":
			user = in.args
		case "ENTRYPOINT":
			entry = in.args
		case "CMD":
			cmd = in.args
		case "COPY", "ADD":
			flags, rest := flagsOf(in.args)
			if flags["from"] != build.name {
				t.Errorf("line %d: %s not from the build stage", in.line, in.cmd)
			}
			if len(rest) == 2 && strings.HasSuffix(rest[0], "/ssooidc") {
				binaryAt = rest[1]
			}
		}
	}
	if u, _, _ := strings.Cut(user, ":"); u == "" || u == "0" || u == "root" {
		t.Errorf("USER %q: the image must run as a non-root user", user)
	}
	var entryArgs, cmdArgs []string
	if err := json.Unmarshal([]byte(entry), &entryArgs); err != nil || len(entryArgs) != 1 {
		t.Errorf("ENTRYPOINT %s: must be the exec (JSON) form naming the binary: there is no shell", entry)
	}
	if err := json.Unmarshal([]byte(cmd), &cmdArgs); err != nil {
		t.Errorf("CMD %s: must be the exec (JSON) form", cmd)
	}
	if len(entryArgs) == 1 && entryArgs[0] != binaryAt {
		t.Errorf("ENTRYPOINT %s, but the binary is copied to %q", entryArgs[0], binaryAt)
	}
	var buildCmd string
	for _, in := range build.instrs {
		if in.cmd == "RUN" && strings.Contains(in.args, "go build") {
			buildCmd = in.args
		}
	}
	if !strings.Contains(buildCmd, "CGO_ENABLED=0") {
		t.Errorf("the build %q does not turn cgo off: the binary would not be static", buildCmd)
	}

	// The binary the build command makes is static and runs, and takes
	// the image's default command line.
	bin := dockerBinary(t)
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary has a program interpreter: it is dynamically linked")
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("the binary needs shared libraries %v", libs)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil || strings.TrimSpace(string(out)) != "ssooidc deploy-test" {
		t.Errorf("ssooidc version: %q, %v (the build's version flag)", out, err)
	}
	if out, err := exec.Command(bin, append(cmdArgs, "--help")...).CombinedOutput(); err != nil {
		t.Errorf("the image's command %v does not parse: %v\n%s", cmdArgs, err, out)
	}
}
