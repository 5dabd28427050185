#!/usr/bin/env bash
# Publishes `weft` as one NativeAOT executable: artifacts/publish/weft, with libe_sqlite3.so beside it (the embedded
# store's SQLite, which the binary loads from its own directory), and the CNI plugin `weft-cni` (its own small NativeAOT
# executable, which Podman and containerd run as the plugin type "weft") and `weft-exec` (the agent's exec handoff,
# the last step of every `run -d`, also small and its own executable; the agent runs it from its own directory). The demo, the test suite, the benchmarks and
# scripts/package.sh all use this binary. Prints the binary's path on stdout; progress goes to stderr.
# The native compiler takes a minute or two on 2 cores, so callers publish once and reuse the result.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${WEFT_PUBLISH_DIR:-$root/artifacts/publish}
version=$("$root/scripts/version.sh")
printf '==> publishing weft %s (NativeAOT) to %s\n' "$version" "$out" >&2
rm -rf "$out"
dotnet publish "$root/src/Weft.Cli" -c Release -r linux-x64 -o "$out" -p:WeftVersion="$version" \
  -v quiet -nologo -clp:NoSummary >&2
dotnet publish "$root/src/Weft.Cni" -c Release -r linux-x64 -o "$out" -p:WeftVersion="$version" \
  -v quiet -nologo -clp:NoSummary >&2
dotnet publish "$root/src/Weft.Exec" -c Release -r linux-x64 -o "$out" -p:WeftVersion="$version" \
  -v quiet -nologo -clp:NoSummary >&2
[ -x "$out/weft-cni" ] && [ -x "$out/weft-exec" ] || { echo "publish.sh: $out/weft-cni or weft-exec missing" >&2; exit 1; }
# Only the executables and the SQLite library ship; debug symbols stay beside them for crash reports.
[ -x "$out/weft" ] && [ -f "$out/libe_sqlite3.so" ] || { echo "publish.sh: $out/weft or libe_sqlite3.so missing" >&2; exit 1; }
echo "$out/weft"
