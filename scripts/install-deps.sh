#!/usr/bin/env bash
# Installs what the test suite needs on Debian: Go modules and tshark (the
# Wireshark oracle). Idempotent; run as root (CI is root).
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBIAN_FRONTEND=noninteractive
need=()
command -v tshark >/dev/null 2>&1 || need+=(tshark)
# The monitor's live-ring lab: dumpcap and capinfos, network namespaces and
# tc (iproute2), ethtool for MTU-sized packets.
command -v dumpcap >/dev/null 2>&1 && command -v capinfos >/dev/null 2>&1 || need+=(wireshark-common)
command -v ip >/dev/null 2>&1 && command -v tc >/dev/null 2>&1 || need+=(iproute2)
command -v ethtool >/dev/null 2>&1 || need+=(ethtool)
# `tcpviz report`: the browser test loads the pages in headless Chromium;
# npm fetches the ECharts library the build embeds.
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v npm >/dev/null 2>&1 || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  # wireshark-common asks whether non-root users may capture: answer no.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
go mod download
bash scripts/fetch-echarts.sh
