#!/usr/bin/env bash
# fetch-echarts.sh - put Apache ECharts' dist/echarts.min.js where internal/report
# embeds it (go:embed) to inline it into every HTML page `tcpviz report` writes.
#
# Usage: scripts/fetch-echarts.sh [DEST]   (default internal/report/assets/echarts.min.js)
#
# Run by `make build`/`make test` (the asset target) and by `go generate ./internal/report`.
# The file is not committed (internal/report/assets/.gitignore). It comes from the npm
# registry's `echarts` package at the pinned version, whose tarball `npm pack` checks
# against the registry's integrity hash; the extracted file must then match SHA256
# below, so every build embeds the same bytes. ECharts 5.x is what go-echarts v2 targets.
#
# Idempotent: a DEST that already has the pinned content is left alone (only touched,
# so make sees it up to date). To move to another version, change both pins.
set -euo pipefail

VERSION=5.6.0
SHA256=bf4a223524e40b77c304bec67e1222cf551f14880cf42c69dc046558e11c07b1

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
dest=${1:-$root/internal/report/assets/echarts.min.js}

have() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$SHA256" ]; }

if have "$dest"; then
  touch "$dest"
  exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "fetch-echarts: npm not found: it downloads echarts@$VERSION from the npm registry" >&2
  echo "fetch-echarts: install Node.js/npm (apt-get install npm), or copy package/dist/echarts.min.js of echarts@$VERSION (sha256 $SHA256) to $dest" >&2
  exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "fetch-echarts: downloading echarts@$VERSION from the npm registry" >&2
if ! (cd "$tmp" && npm pack --silent "echarts@$VERSION" >/dev/null); then
  echo "fetch-echarts: npm pack echarts@$VERSION failed (is the npm registry reachable?)" >&2
  exit 1
fi
tar -xzf "$tmp/echarts-$VERSION.tgz" -C "$tmp" package/dist/echarts.min.js
if ! have "$tmp/package/dist/echarts.min.js"; then
  echo "fetch-echarts: echarts@$VERSION dist/echarts.min.js has sha256 $(sha256sum "$tmp/package/dist/echarts.min.js" | cut -d' ' -f1), want $SHA256" >&2
  exit 1
fi
mkdir -p "$(dirname "$dest")"
# Copy then rename, so an interrupted run never leaves half a file to embed.
cp "$tmp/package/dist/echarts.min.js" "$dest.tmp"
mv -f "$dest.tmp" "$dest"
echo "fetch-echarts: wrote $dest" >&2
