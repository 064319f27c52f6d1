#!/usr/bin/env bash
# Installs what the test suite needs on Debian: Go modules and tshark (the
# Wireshark oracle). Idempotent; run as root (CI is root).
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBIAN_FRONTEND=noninteractive
need=()
command -v tshark >/dev/null 2>&1 || need+=(tshark)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  # wireshark-common asks whether non-root users may capture: answer no.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
go mod download
