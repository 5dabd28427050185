#!/usr/bin/env bash
# Builds what an operator installs, from the NativeAOT binary (scripts/publish.sh):
#   artifacts/package/weft_VERSION_amd64.deb        the Debian package
#   artifacts/package/weft-VERSION-linux-x64.tar.gz  the same files for other distributions
# Both hold /usr/bin/weft (a link to /usr/lib/weft/weft, beside libe_sqlite3.so, which the binary loads from its own
# directory), the CNI plugin /usr/lib/weft/weft-cni with links named "weft" where runtimes look for plugins
# (/usr/lib/cni for Podman, /opt/cni/bin for containerd), the agent's exec handoff /usr/lib/weft/weft-exec (which it
# runs from its own directory), the systemd unit, /etc/default/weft, bash completion, the man page (generated from --help), and the
# licence, changelog and operator's guide. VERSION is `weft --version` (scripts/version.sh): 0.N.M+SHA.
#   scripts/package.sh [--published DIR]   package an existing publish output instead of publishing again
# Prints the .deb's path, then the tarball's, on stdout.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
published=""
while [ $# -gt 0 ]; do
  case $1 in
    --published) published=$2; shift 2 ;;
    *) echo "package.sh: unknown option '$1' (use --published DIR)" >&2; exit 2 ;;
  esac
done
[ -n "$published" ] || published=$(dirname "$("$root/scripts/publish.sh")")
weft=$published/weft
version=$("$weft" --version)
out=$root/artifacts/package
printf '==> packaging weft %s\n' "$version" >&2

stage=$(mktemp -d -t weft-package.XXXXXX)
trap 'rm -rf "$stage"' EXIT
tree=$stage/tree
install -d "$tree/usr/bin" "$tree/usr/lib/weft" "$tree/usr/lib/cni" "$tree/opt/cni/bin" "$tree/lib/systemd/system" "$tree/etc/default" \
  "$tree/usr/share/bash-completion/completions" "$tree/usr/share/man/man1" "$tree/usr/share/doc/weft"
install -m 0755 "$weft" "$tree/usr/lib/weft/weft"
install -m 0644 "$published/libe_sqlite3.so" "$tree/usr/lib/weft/libe_sqlite3.so"
ln -s ../lib/weft/weft "$tree/usr/bin/weft"
install -m 0755 "$published/weft-cni" "$tree/usr/lib/weft/weft-cni"
ln -s ../weft/weft-cni "$tree/usr/lib/cni/weft"
ln -s /usr/lib/weft/weft-cni "$tree/opt/cni/bin/weft"
install -m 0755 "$published/weft-exec" "$tree/usr/lib/weft/weft-exec"
install -m 0644 "$root/packaging/weft.service" "$tree/lib/systemd/system/weft.service"
install -m 0644 "$root/packaging/weft.default" "$tree/etc/default/weft"
install -m 0644 "$root/packaging/weft.bash-completion" "$tree/usr/share/bash-completion/completions/weft"
"$root/scripts/manpage.sh" "$weft" | gzip -9n > "$tree/usr/share/man/man1/weft.1.gz"
install -m 0644 "$root/LICENSE" "$tree/usr/share/doc/weft/copyright"
gzip -9nc "$root/CHANGELOG.md" > "$tree/usr/share/doc/weft/changelog.gz"
install -m 0644 "$root/docs/install.md" "$tree/usr/share/doc/weft/install.md"

# `systemd-analyze verify` checks that ExecStart's binary and the man page exist, so it runs with the package's /usr laid
# over the real one, in a mount namespace of its own that vanishes with it (root only; skipped, and said, otherwise).
if [ "$(id -u)" = 0 ] && command -v systemd-analyze >/dev/null && command -v unshare >/dev/null; then
  install -d "$stage/ovl-work"
  unshare -m --propagation private sh -c '
    mount -t overlay overlay -o "lowerdir=/usr,upperdir=$1/usr,workdir=$2" /usr &&
    systemd-analyze verify "$1/lib/systemd/system/weft.service"' sh "$tree" "$stage/ovl-work" 2>&1 | tee "$stage/verify.log" >&2
  if [ -s "$stage/verify.log" ]; then echo "package.sh: systemd-analyze verify weft.service is not clean" >&2; exit 1; fi
  rm -rf "$stage/ovl-work"
  echo "==> systemd-analyze verify weft.service: clean" >&2
else
  echo "==> systemd-analyze verify skipped (needs root, systemd-analyze and unshare)" >&2
fi

mkdir -p "$out"
tarball=$out/weft-$version-linux-x64.tar.gz
rm -f "$out"/weft-*-linux-x64.tar.gz "$out"/weft_*_amd64.deb
tar -C "$tree" --owner=0 --group=0 --numeric-owner --transform "s,^\.,weft-$version," -czf "$tarball" .

# The Debian control files. Depends: the C library the binary links, and libssl3 for libcrypto, which .NET loads for
# randomness and TLS (etcds://).
install -d "$tree/DEBIAN"
installed_kb=$(du -sk --exclude=DEBIAN "$tree" | cut -f1)
cat > "$tree/DEBIAN/control" <<CONTROL
Package: weft
Version: $version
Architecture: amd64
Maintainer: Weft developers <weft@localhost>
Installed-Size: $installed_kb
Depends: libc6 (>= 2.34), libssl3
Recommends: iproute2
Section: net
Priority: optional
Homepage: https://localhost/weft
Description: multi-host container networking over VXLAN
 Weft gives containers on different Linux hosts one shared network: frames travel
 between hosts in VXLAN, membership lives in etcd or an embedded SQLite store, and an
 agent on every host programs the kernel through rtnetlink. One executable is the
 agent, the CLI, a lab of simulated hosts and a packet capture.
CONTROL
echo /etc/default/weft > "$tree/DEBIAN/conffiles"
cat > "$tree/DEBIAN/postinst" <<'SCRIPT'
#!/bin/sh
# The agent needs its store and advertise address (/etc/default/weft) before it can start: it is not started here.
set -e
if [ "$1" = configure ] && [ -d /run/systemd/system ]; then
  systemctl daemon-reload || true
  if systemctl is-active --quiet weft; then systemctl restart weft || true; fi
fi
SCRIPT
cat > "$tree/DEBIAN/postrm" <<'SCRIPT'
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
SCRIPT
chmod 0755 "$tree/DEBIAN/postinst" "$tree/DEBIAN/postrm"
deb=$out/weft_${version}_amd64.deb
dpkg-deb --root-owner-group -Zxz --build "$tree" "$deb" >/dev/null
echo "$deb"
echo "$tarball"
