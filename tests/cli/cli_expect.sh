# Shared by the CLI test scripts (source it): counters and the check that bad
# input gets exit code 2, a message on stderr and nothing on stdout.
# The sourcing script sets: bin (the metronome binary), out and err (temp files).
passed=0 failed=0

fail() { echo "FAIL: $*"; failed=$((failed + 1)); }

expect_bad() {  # expect_bad DESCRIPTION ARGS...
  local what=$1; shift
  "$bin" "$@" >"$out" 2>"$err"; local rc=$?
  if [[ $rc -ne 2 ]]; then fail "$what: exit $rc, want 2 (args: $*)"; return; fi
  if [[ -s $out ]]; then fail "$what: printed on stdout: $(head -c 200 "$out")"; return; fi
  if [[ ! -s $err ]]; then fail "$what: no message on stderr"; return; fi
  passed=$((passed + 1))
}
