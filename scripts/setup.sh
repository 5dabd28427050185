#!/usr/bin/env bash
# Installs what Weft needs on a Debian 12 machine, as root. Idempotent: it installs only what is missing.
#   scripts/setup.sh            what the demo needs (iproute2, ping, the .NET restore)
#   scripts/setup.sh --tests    also what the test suite needs (etcd, iperf3, ...)
#   scripts/setup.sh --bench    also what the benchmarks compare against
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
say() { printf '==> %s\n' "$*" >&2; }

want=(iproute2 iputils-ping procps util-linux iperf3 nftables)
for arg in "$@"; do
  case $arg in
    --tests) want+=(etcd-server etcd-client sqlite3 tshark iptables bind9-dnsutils busybox dnsmasq-base podman containernetworking-plugins curl docker.io) ;;
    --bench) want+=(etcd-server etcd-client tshark containernetworking-plugins docker.io busybox dnsperf dnsmasq-base wrk) ;;
    *) echo "setup.sh: unknown option '$arg' (use --tests or --bench)" >&2; exit 2 ;;
  esac
done

if [ "$(id -u)" != 0 ]; then
  echo "setup.sh: Weft programs the kernel and must run as root (try: sudo $0 $*)" >&2; exit 1
fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian's etcd-server package starts a system etcd on 2379; Weft's tests start their own on free ports.
  if printf '%s\n' "${missing[@]}" | grep -qx etcd-server && command -v systemctl >/dev/null; then
    systemctl disable --now etcd >/dev/null 2>&1 || true
  fi
  # Likewise docker.io starts a system dockerd; the convergence benchmark starts one per lab host itself.
  if printf '%s\n' "${missing[@]}" | grep -qx docker.io && command -v systemctl >/dev/null; then
    systemctl disable --now docker.socket docker containerd >/dev/null 2>&1 || true
  fi
else
  say "Debian packages present: ${want[*]}"
fi

if ! command -v dotnet >/dev/null; then
  echo "setup.sh: the .NET 10 SDK is not installed (dotnet is not on PATH). Install dotnet-sdk-10.0 from Microsoft's package feed, then run this again." >&2
  exit 1
fi
say "dotnet $(dotnet --version): restoring NuGet packages"
dotnet restore "$root/Weft.slnx" -v quiet -nologo >&2
