#!/usr/bin/env bash
# Checks the C++ sources: formatting of every tracked .cpp/.hpp against
# .clang-format, then clang-tidy (.clang-tidy) on the translation units that
# do not include Beast or Asio, within a time bound that fits CI on 2 cores.
# Exits 1 on any finding, 2 on a usage error.
#
#   scripts/lint.sh            check everything
#   scripts/lint.sh --fix      reformat every file in place (then review the diff)
#   scripts/lint.sh --format   formatting only;  --tidy: clang-tidy only
#
# clang-tidy reads build/ci/compile_commands.json (cmake --preset ci).
# LINT_TIDY_TIMEOUT_S bounds the clang-tidy pass (default 900 s); running out
# of time is a failure, never a silent pass.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=all
case "${1:-}" in
  "") ;;
  --fix) mode=fix ;;
  --format) mode=format ;;
  --tidy) mode=tidy ;;
  *) echo "usage: scripts/lint.sh [--fix|--format|--tidy]" >&2; exit 2 ;;
esac

for tool in clang-format clang-tidy; do
  command -v "$tool" >/dev/null || { echo "lint: $tool is missing (scripts/setup.sh installs it)" >&2; exit 2; }
done

mapfile -t files < <(git ls-files '*.cpp' '*.hpp' | grep -v '^web/')
status=0

if [[ $mode == fix ]]; then
  clang-format -i "${files[@]}"
  echo "lint: reformatted ${#files[@]} files"
  exit 0
fi

if [[ $mode == all || $mode == format ]]; then
  if ! clang-format --dry-run --Werror "${files[@]}" 2>/tmp/lint-format.$$; then
    grep -E '^[^ ].*: (warning|error):' /tmp/lint-format.$$ | cut -d: -f1 | sort | uniq -c | sed 's/^/lint: format: /' >&2
    echo "lint: formatting differs from .clang-format (see above; fix with scripts/lint.sh --fix)" >&2
    status=1
  fi
  rm -f /tmp/lint-format.$$
fi

if [[ $mode == all || $mode == tidy ]]; then
  db=build/ci
  [[ -f $db/compile_commands.json ]] || { echo "lint: $db/compile_commands.json is missing: run cmake --preset ci" >&2; exit 2; }
  # Translation units under src/ and apps/ that do not pull in Beast or Asio.
  mapfile -t units < <(git ls-files 'src/*.cpp' 'apps/*.cpp' | xargs grep -L -E '#include <boost/(beast|asio)' )
  echo "lint: clang-tidy on ${#units[@]} translation units"
  rc=0
  timeout "${LINT_TIDY_TIMEOUT_S:-900}" \
    xargs -P 2 -n 4 clang-tidy -p "$db" --quiet --extra-arg=-Wno-unknown-warning-option <<<"$(printf '%s\n' "${units[@]}")" \
    >/tmp/lint-tidy.$$ 2>&1 || rc=$?
  if ((rc == 124)); then
    echo "lint: clang-tidy did not finish within ${LINT_TIDY_TIMEOUT_S:-900} s" >&2
    status=1
  elif ((rc != 0)); then
    grep -E '(warning|error):' /tmp/lint-tidy.$$ >&2 || tail -20 /tmp/lint-tidy.$$ >&2
    echo "lint: clang-tidy found problems" >&2
    status=1
  fi
  rm -f /tmp/lint-tidy.$$
fi

exit $status
