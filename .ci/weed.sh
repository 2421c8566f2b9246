#!/usr/bin/env bash
# Build (or reuse) the SeaweedFS `weed` binary the S3 tests run against, and
# print its path. The binary is cached by module version outside the clone so
# later runs reuse it. `go install` refuses the module (its go.mod has replace
# directives), so the module is downloaded, copied and built in the copy.
set -euo pipefail
WEED_VERSION="${WEED_VERSION:-v0.0.0-20261109003541-7506e5f91cd6}"
CACHE="${FSMON_CI_CACHE:-/var/cache/fsmon-ci}"
bin="$CACHE/weed-$WEED_VERSION"
if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi
mkdir -p "$CACHE"
dir="$(cd /tmp && go mod download -json "github.com/seaweedfs/seaweedfs@$WEED_VERSION" |
  sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')"
if [ -z "$dir" ] || [ ! -d "$dir" ]; then
  echo "weed.sh: module download of seaweedfs@$WEED_VERSION failed" >&2
  exit 1
fi
work="$(mktemp -d)"
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
cp -r "$dir/." "$work/src"
chmod -R u+w "$work/src"
(cd "$work/src" && CGO_ENABLED=0 go build -trimpath -o "$work/weed" ./weed) >&2
mv "$work/weed" "$bin.tmp.$$"
mv "$bin.tmp.$$" "$bin"
echo "$bin"
