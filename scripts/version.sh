#!/usr/bin/env bash
# Prints Weft's version, 0.N.M+SHA, from git; every build (scripts/package.sh, dotnet build) takes it from here.
#   - the nearest tag vX.Y.Z with K commits after it gives X.Y.(Z+K); with no tag, 0.1.K counts every commit;
#   - SHA is the commit's abbreviated hash, with ".dirty" after it when tracked files have uncommitted changes.
# Outside a git checkout (a source tarball) $WEFT_VERSION is printed if set, else 0.0.0+unknown.
set -euo pipefail
if [ -n "${WEFT_VERSION:-}" ]; then echo "$WEFT_VERSION"; exit 0; fi
cd "$(dirname "$0")/.."
if ! sha=$(git rev-parse --short=12 HEAD 2>/dev/null); then echo "0.0.0+unknown"; exit 0; fi
if tag=$(git describe --tags --abbrev=0 --match 'v[0-9]*.[0-9]*.[0-9]*' 2>/dev/null); then
  IFS=. read -r major minor patch <<<"${tag#v}"
  patch=$((patch + $(git rev-list --count "$tag"..HEAD)))
else
  major=0 minor=1 patch=$(git rev-list --count HEAD)
fi
dirty=""
git diff --quiet HEAD -- 2>/dev/null || dirty=.dirty
echo "$major.$minor.$patch+$sha$dirty"
