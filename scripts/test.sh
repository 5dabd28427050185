#!/usr/bin/env bash
# Runs Weft's whole test suite, as root: unit, kernel (throw-away namespaces), store (a real etcd the
# fixtures start) and end-to-end tests. Installs what it needs first. Extra arguments go to `dotnet test`,
# e.g. scripts/test.sh --filter "FullyQualifiedName~Store".
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
say() { printf '==> %s\n' "$*"; }

scripts/setup.sh --tests || exit 1

say "building (Debug)"
dotnet build Weft.slnx -v quiet -nologo -clp:NoSummary || { echo "build failed"; exit 1; }
# The end-to-end tests (labs, through tests/Weft.Testing's WeftBinary) run the shipped NativeAOT binary, published once
# here; the .deb made from it is what the install test puts on a fresh root.
weft=$(scripts/publish.sh) || { echo "publish failed"; exit 1; }
export WEFT_BINARY=$weft
# The CNI conformance tests (tests/Weft.Testing's CniPlugin) drive the published weft-cni beside it.
export WEFT_CNI_BINARY=$(dirname "$weft")/weft-cni
WEFT_DEB=$(scripts/package.sh --published "$(dirname "$weft")" | grep '\.deb$') || { echo "packaging failed"; exit 1; }
export WEFT_DEB

log=$(mktemp -t weft-test.XXXXXX)
stresslog=$(mktemp -t weft-stress.XXXXXX)
burners=()
stop_burners() { for pid in "${burners[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done; burners=(); }
trap 'stop_burners; rm -f "$log" "$stresslog"' EXIT
say "running tests"
dotnet test Weft.slnx --no-build -nologo "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}

# The store's concurrency races once more, 20 rounds each on etcd and SQLite, with every core kept busy by a shell
# loop: a race that goes wrong only under load is a bug too. Skipped when the caller narrowed the run with a filter.
if [ $# -eq 0 ]; then
  say "store concurrency: 20 rounds under CPU load"
  for _ in $(seq "$(nproc)"); do ( while :; do :; done ) & burners+=($!); done
  WEFT_STRESS_ROUNDS=20 dotnet test tests/Weft.Cluster.Tests --no-build -nologo --filter "FullyQualifiedName~ConcurrencyTests" > "$stresslog" 2>&1
  src=$?
  stop_burners
  grep -E '(Passed|Failed)!' "$stresslog" | sed 's/^/    /'
  # A crashed test host fails no test by name: its "aborted"/"crashed" line is the reason.
  if [ "$src" -ne 0 ]; then grep -E '\[FAIL\]|Error Message|aborted|crashed' -A3 "$stresslog" | head -40; rc=1; fi
fi

# One summary line for people and for CI: "tests: N passed, N failed".
sum() { grep -E '(Passed|Failed)!.*Total:' "$log" | grep -oE "$1: +[0-9]+" | awk '{s += $2} END {print s + 0}'; }
passed=$(sum Passed); failed=$(sum Failed); skipped=$(sum Skipped)
# A test assembly that crashed prints no summary line; count it as a failure.
[ "$rc" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1

# Test labs and fixtures name everything with the "wtt" prefix; agents of test labs make weft-wtt…/weftsb-wtt… namespaces.
leftovers=$(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^(weft-|weftsb-)?wtt' || true)
leftlinks=$(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E '^wtt' || true)
if [ -n "$leftovers$leftlinks" ]; then
  echo "tests left objects behind: ${leftovers} ${leftlinks}"; rc=1
fi
if [ "${skipped:-0}" -gt 0 ]; then echo "tests were skipped ($skipped): a skipped test is a defect"; rc=1; fi
if [ "${passed:-0}" -eq 0 ]; then echo "no test ran"; rc=1; fi
echo "tests: ${passed:-0} passed, ${failed:-0} failed"
exit $rc
