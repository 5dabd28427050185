#!/usr/bin/env bash
# Installs the .deb into a fresh root that holds only the C library and a shell (no .NET runtime or SDK, no other
# package), with dpkg itself, and checks that the installed weft runs there: `weft --version` and `weft agent --help`, and weft-exec execs.
#   scripts/check-install.sh [DEB]     default: the .deb scripts/package.sh built last (artifacts/package/)
# Needs root (chroot). The root is a temporary directory, removed at the end; nothing outside it changes.
set -euo pipefail
root_dir=$(cd "$(dirname "$0")/.." && pwd)
deb=${1:-$(ls "$root_dir"/artifacts/package/weft_*_amd64.deb 2>/dev/null | head -1)}
[ -f "$deb" ] || { echo "check-install.sh: no .deb (run scripts/package.sh first, or name one)" >&2; exit 2; }

fresh=$(mktemp -d -t weft-fresh-root.XXXXXX)
trap 'rm -rf "$fresh"' EXIT

# The base system: the dynamic loader, the C library and /bin/sh (for the package's maintainer scripts), copied
# from this machine by what they link; an empty dpkg database.
for f in /bin/sh $(ldd /bin/sh "$(command -v dash || echo /bin/sh)" | awk '/=>/ {print $3} /ld-linux/ {print $1}' | sort -u) /lib/x86_64-linux-gnu/libm.so.6; do
  install -D -m 0755 "$(readlink -f "$f")" "$fresh$f"
done
install -d "$fresh/var/lib/dpkg/info" "$fresh/var/lib/dpkg/updates" "$fresh/tmp" "$fresh/usr/sbin" "$fresh/run"
: > "$fresh/var/lib/dpkg/status"
if find "$fresh" -path '*dotnet*' | grep -q .; then echo "check-install.sh: the fresh root holds .NET" >&2; exit 1; fi

# dpkg --root runs the maintainer scripts chrooted into the fresh root. Depends (libc6, libssl3) are not registered
# there, and the C library is present anyway.
dpkg --root="$fresh" --force-depends --log=/dev/null -i "$deb" >&2

run() { chroot "$fresh" "$@"; }
version=$(run /usr/bin/weft --version)
echo "installed weft --version: $version"
[[ $version =~ ^0\.[0-9]+\.[0-9]+\+[0-9a-f]+ ]] || { echo "check-install.sh: unexpected version '$version'" >&2; exit 1; }
help=$(run /usr/bin/weft agent --help)
grep -q -- '--store-prefix' <<<"$help" || { echo "check-install.sh: weft agent --help lacks --store-prefix" >&2; exit 1; }
# The agent's exec handoff (every `run -d`) runs without .NET too: it execs the command, whose exit is its own.
# It points the command's stdin at /dev/null, which every real root has.
install -d "$fresh/dev" && mknod -m 0666 "$fresh/dev/null" c 1 3
run /usr/lib/weft/weft-exec /tmp/weft-exec.log -- /bin/sh -c 'exit 7' && code=0 || code=$?
[ "$code" = 7 ] || { echo "check-install.sh: /usr/lib/weft/weft-exec did not exec the command (exit $code)" >&2; exit 1; }
for f in /usr/lib/weft/weft-exec /lib/systemd/system/weft.service /etc/default/weft /usr/lib/weft/libe_sqlite3.so /usr/share/man/man1/weft.1.gz \
  /usr/share/bash-completion/completions/weft; do
  [ -e "$fresh$f" ] || { echo "check-install.sh: $f was not installed" >&2; exit 1; }
done
echo "check-install.sh: $(basename "$deb") installs into a fresh root without .NET; weft --version, weft agent --help and weft-exec work"
