#!/usr/bin/env bash
# The full test suite, from a fresh machine: installs what the tests need
# when it is missing (Chromium, the AWS CLI v2), starts PostgreSQL when it
# is not running, then runs go vet and every test with the race detector.
# It never skips a real component: if one cannot be had, it fails.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
[ -x /usr/bin/aws ] || need_apt+=(awscli)
command -v tmux >/dev/null || need_apt+=(tmux)
# SimpleSAMLphp: the real SAML identity provider of the upstream tests
# (internal/upstreamtest), run under PHP's built-in server.
[ -f /usr/share/simplesamlphp/www/saml2/idp/SSOService.php ] || need_apt+=(simplesamlphp)
command -v php >/dev/null || need_apt+=(php-cli)
php -r 'exit(class_exists("DOMDocument") && function_exists("mb_strlen") ? 0 : 1);' 2>/dev/null || need_apt+=(php-xml php-mbstring)
# deploy/'s test checks the systemd unit with systemd-analyze.
command -v systemd-analyze >/dev/null || need_apt+=(systemd)
# zsh and fish: the completion scripts are tested in the real shells.
command -v zsh >/dev/null || need_apt+=(zsh)
command -v fish >/dev/null || need_apt+=(fish)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing: ${need_apt[*]}"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
/usr/bin/chromium --version >/dev/null
/usr/bin/aws --version >/dev/null
# The machine's Python: botocore/boto3 and the AWS CLI v1 (oracles), moto
# (a real STS on loopback), joserfc (verifies our ID tokens from Python).
python3 -c 'import botocore, boto3, awscli, moto, joserfc' ||
  { echo "python3 with botocore, boto3, awscli, moto and joserfc is required" >&2; exit 1; }
command -v moto_server >/dev/null || { echo "moto_server is required" >&2; exit 1; }
# The npm packages of the tests, from one lock file (testdata/npm): the JS
# SDK v3 (an oracle of the Identity Store and SSO Admin APIs) and axe-core
# (the pages' accessibility checks). npm's cache keeps later runs offline;
# no test downloads anything.
command -v node >/dev/null || { echo "node and npm are required (apt-get install nodejs npm)" >&2; exit 1; }
npm_ok=1
for p in @aws-sdk/client-identitystore @aws-sdk/client-sso-admin axe-core; do
  [ -f "testdata/npm/node_modules/$p/package.json" ] || npm_ok=0
done
[ "$npm_ok" = 1 ] || npm ci --prefix testdata/npm --no-audit --no-fund --prefer-offline >/dev/null

# PostgreSQL: the PostgreSQL store's tests run against the real server.
if command -v pg_isready >/dev/null && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi

go vet ./...
test -z "$(gofmt -l . | tee /dev/stderr)" || { echo "gofmt: files above need formatting" >&2; exit 1; }
# TestPostgresRestartUnderLoad restarts the machine's PostgreSQL: it runs
# alone, after everything else, so no other package's PostgreSQL test sees
# the restart.
go test -race -count=1 -timeout 20m -skip '^TestPostgresRestartUnderLoad$' "$@" ./...
go test -race -count=1 -timeout 5m -run '^TestPostgresRestartUnderLoad$' "$@" ./internal/e2e/

# Every fuzz target, briefly, from its seed corpus (the f.Add seeds and any
# testdata/fuzz files): a regression in a parser shows here even when no
# one runs the fuzzer for long. SSOOIDC_FUZZTIME lengthens each run.
# A run that fails without writing a failing input to testdata/fuzz is Go's
# fuzzing engine missing its own deadline on a busy machine (golang/go#51484,
# #56238: "context deadline exceeded", "fuzzing process hung"); it is run
# once more, and a second failure of any kind fails with its output.
fuzztime="${SSOOIDC_FUZZTIME:-1s}"
fuzz_once() { # target pkg corpus-dir: runs the fuzzer; 0 ok, 1 failed, 2 found an input
  local before after
  before="$(ls "$3" 2>/dev/null || true)"
  if out="$(go test -run '^$' -fuzz "^$1\$" -fuzztime "$fuzztime" "$2" 2>&1)"; then return 0; fi
  after="$(ls "$3" 2>/dev/null || true)"
  if [ "$before" != "$after" ] || grep -q 'Failing input written to' <<<"$out"; then return 2; fi
  return 1
}
grep -rl --include='*_test.go' '^func Fuzz' . | sort | while read -r file; do
  pkg="./$(dirname "${file#./}")"
  for target in $(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' "$file"); do
    corpus="$pkg/testdata/fuzz/$target"
    rc=0; fuzz_once "$target" "$pkg" "$corpus" || rc=$?
    if [ "$rc" = 1 ]; then
      echo "fuzz: $target in $pkg: the engine failed without a failing input; once more" >&2
      rc=0; fuzz_once "$target" "$pkg" "$corpus" || rc=$?
    fi
    if [ "$rc" != 0 ]; then
      echo "$out" >&2
      echo "fuzz: $target in $pkg failed" >&2
      exit 1
    fi
  done
done
