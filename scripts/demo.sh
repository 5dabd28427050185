#!/usr/bin/env bash
# Weft's main job on one machine, as root: installs what it needs, builds, and runs `weft lab demo`:
# three simulated hosts on the embedded store, an overlay created on host3, a sandbox on host2 and one
# on host3 pinging each other across it, what crossed the underlay, and iperf3 over the overlay against
# the underlay. Then it tears the lab down. Extra arguments go to `weft lab demo` (e.g. --keep).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/setup.sh
weft=$(scripts/publish.sh)
exec "$weft" lab demo "$@"
