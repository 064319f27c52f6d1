#!/usr/bin/env bash
# monitor-lab.sh - watch `tcpviz monitor` follow a live dumpcap ring while real TCP transfers lose
# packets at a congested router, then compare its per-file packet counts with capinfos.
#
# Usage: sudo scripts/monitor-lab.sh [SESSION_DIR]     (default: a new directory under /tmp)
#        TCPVIZ=path/to/tcpviz (default bin/tcpviz, built with `make build` if missing)
#
# Needs root, iproute2 (ip, tc), dumpcap, capinfos, python3, curl; ethtool if present.
# The automated version of this lab is `go test ./internal/monitor -run LiveRing -v` (make lab-monitor).
#
#   ns tvlA$$ (client, curl, dumpcap)   ns tvlR$$ (router, tbf 20 Mbit/s + pfifo 20)   ns tvlB$$ (server)
#   10.202.1.1/24  <------ veth ------>  10.202.1.254 | 10.202.2.254  <------ veth ------>  10.202.2.2/24
#
# Everything lives in namespaces this script creates and deletes on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

[ "$(id -u)" -eq 0 ] || { echo "monitor-lab.sh: must run as root (network namespaces)" >&2; exit 1; }
for tool in ip tc dumpcap capinfos python3 curl; do
    command -v "$tool" >/dev/null || { echo "monitor-lab.sh: missing tool: $tool" >&2; exit 1; }
done
TCPVIZ=${TCPVIZ:-bin/tcpviz}
[ -x "$TCPVIZ" ] || make build >/dev/null
PY=$(command -v python3)

WORK=$(mktemp -d /tmp/monitor-lab.$$.XXXXXX)
SESSION=${1:-$WORK/session}
RING="$WORK/ring"
mkdir -p "$RING" "$WORK/www"
head -c $((6 * 1024 * 1024)) /dev/urandom >"$WORK/www/bulk.bin"

NS_A="tvlA$$"; NS_R="tvlR$$"; NS_B="tvlB$$"
IF_A="tvla$$"; IF_RA="tvlra$$"; IF_RB="tvlrb$$"; IF_B="tvlb$$"
PIDS=()
cleanup() {
    local pid ns
    for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && wait "$pid" 2>/dev/null || true; done
    for ns in "$NS_A" "$NS_R" "$NS_B"; do ip netns del "$ns" 2>/dev/null || true; done
    rm -rf "$RING" "$WORK/www"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
log() { echo "[monitor-lab] $*" >&2; }

for ns in "$NS_A" "$NS_R" "$NS_B"; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
ip link add "$IF_A" type veth peer name "$IF_RA"
ip link set "$IF_A" netns "$NS_A"; ip link set "$IF_RA" netns "$NS_R"
ip link add "$IF_B" type veth peer name "$IF_RB"
ip link set "$IF_B" netns "$NS_B"; ip link set "$IF_RB" netns "$NS_R"
for x in "$NS_A $IF_A 10.202.1.1/24" "$NS_R $IF_RA 10.202.1.254/24" "$NS_R $IF_RB 10.202.2.254/24" "$NS_B $IF_B 10.202.2.2/24"; do
    set -- $x
    ip -n "$1" addr add "$3" dev "$2"
    ip netns exec "$1" ethtool -K "$2" tso off gso off gro off >/dev/null 2>&1 || true
    ip -n "$1" link set "$2" up
done
ip -n "$NS_A" route add default via 10.202.1.254
ip -n "$NS_B" route add default via 10.202.2.254
ip netns exec "$NS_R" sysctl -qw net.ipv4.ip_forward=1
ip netns exec "$NS_B" sysctl -qw net.ipv4.tcp_congestion_control=reno
ip netns exec "$NS_R" tc qdisc replace dev "$IF_RA" root handle 1: tbf rate 20mbit burst 16kb latency 100ms
ip netns exec "$NS_R" tc qdisc add dev "$IF_RA" parent 1:1 handle 10: pfifo limit 20

ip netns exec "$NS_B" "$PY" -m http.server 8080 --bind 10.202.2.2 --directory "$WORK/www" >/dev/null 2>&1 &
PIDS+=($!)

# The monitor first, on the empty ring directory: a 2 s window so the alerts clear between transfers.
"$TCPVIZ" monitor --pcap-path "$RING" --out "$SESSION" --window 2s --threshold 5 --loss-threshold 5 --critical-factor 4 -v &
MON=$!
PIDS+=("$MON")

ip netns exec "$NS_A" dumpcap -i "$IF_A" -s 128 -B 16 -f "tcp port 8080" -b filesize:100 -b files:8 \
    -w "$RING/ring.pcapng" 2>"$WORK/dumpcap.log" &
CAP=$!
PIDS+=("$CAP")
for _ in $(seq 1 100); do grep -q "Capturing on" "$WORK/dumpcap.log" 2>/dev/null && break; sleep 0.1; done
for _ in $(seq 1 100); do ip netns exec "$NS_A" curl -s -o /dev/null --max-time 1 "http://10.202.2.2:8080/" && break; sleep 0.1; done

for i in 1 2; do
    log "transfer $i: $(ip netns exec "$NS_A" curl -s -o /dev/null -w '%{size_download} bytes in %{time_total} s' http://10.202.2.2:8080/bulk.bin)"
    [ "$i" -eq 2 ] || sleep 4
done
sleep 1
kill -TERM "$CAP"; wait "$CAP" || true
log "dumpcap: $(tail -1 "$WORK/dumpcap.log")"
kill -TERM "$MON"; wait "$MON" || true

log "files still in the ring: monitor's count vs capinfos"
python3 - "$SESSION/monitor-summary.json" <<'EOF'
import json, subprocess, sys, os
s = json.load(open(sys.argv[1]))
print(f"packets_total={s['packets_total']} files={len(s['files'])} alerts_total={s['alerts_total']} missing_files={s['missing_files']}")
for f in s["files"]:
    if os.path.exists(f["path"]):
        out = subprocess.run(["capinfos", "-c", "-M", f["path"]], capture_output=True, text=True).stdout
        n = int(out.split("Number of packets:")[1].split()[0])
        print(f"  {os.path.basename(f['path'])}: monitor {f['packets']}, capinfos {n} {'OK' if n == f['packets'] else 'MISMATCH'}")
    else:
        print(f"  {os.path.basename(f['path'])}: monitor {f['packets']} (removed by dumpcap)")
EOF
log "session: $SESSION"
