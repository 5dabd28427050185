#!/usr/bin/env bash
# Weft's main job on one machine, as root: installs what it needs, builds, and runs the demo.
# Today the demo builds the seed experiment's two-host VXLAN overlay in network namespaces through
# Weft's own netlink layer, pings across it, shows what it installed, and removes everything again.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/setup.sh
printf '==> building the demo (Release)\n'
dotnet build src/Weft.Linux.Demo -c Release -v quiet -nologo -clp:NoSummary
exec src/Weft.Linux.Demo/bin/Release/net10.0/weft-kernel-demo "$@"
