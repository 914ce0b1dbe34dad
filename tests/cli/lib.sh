# Helpers for CLI tests. Usage: source "$(dirname "$0")/lib.sh"; SMOLKIN=$1
set -u
SMOLKIN="$1"
SRC="${SK_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/smolkin-cli-XXXXXX")
trap 'rm -rf "$TMP"' EXIT
FAILS=0
fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
pass() { echo "ok: $*"; }
# expect_exit CODE CMD...  (stdout/stderr captured in $TMP/out, $TMP/err)
expect_exit() {
  local want=$1; shift
  "$@" >"$TMP/out" 2>"$TMP/err"
  local got=$?
  if [ "$got" -ne "$want" ]; then
    fail "exit $got (wanted $want): $*"; sed 's/^/  stderr: /' "$TMP/err" >&2; return 1
  fi
  return 0
}
# expect_stderr REGEX — last command's stderr matches
expect_stderr() {
  if ! grep -Eq -- "$1" "$TMP/err"; then fail "stderr does not match /$1/"; sed 's/^/  stderr: /' "$TMP/err" >&2; return 1; fi
  return 0
}
PY=/usr/bin/python3
finish() { if [ "$FAILS" -ne 0 ]; then echo "$FAILS failure(s)" >&2; exit 1; fi; echo "all passed"; exit 0; }
