# shellcheck shell=bash
# lab.sh - the three-namespace lab shared by record-tcp.sh and record-rtp.sh. Sourced, not run.
#
# The recorder sets before use:
#   LAB_NAME        e.g. record-tcp: log prefix "[LAB_NAME]", messages "LAB_NAME.sh: ...",
#                   work dir /tmp/LAB_NAME.PID.XXXXXX
#   SNAPLEN         dumpcap snap length
#   CAP_BUFFER_MB   dumpcap kernel buffer (-B)
#   CAP_FILTER      optional: capture filter when capture_start is given none
# and may change after sourcing:
#   LAB_TOOL_HINTS[tool]   an extra line printed by lab_require when that tool is missing
#   LAB_ENDPOINT_OFFLOADS  offloads switched off on the endpoint veths (ns A, ns B)
#   LAB_ENDPOINT_FALLBACK  if set and switching off LAB_ENDPOINT_OFFLOADS fails, this smaller set is
#                          switched off instead; if empty, the failure is fatal
#
# Topology (all names carry the recorder's PID; everything is deleted on exit):
#
#   ns tvA$$                         ns tvR$$ (router)                 ns tvB$$
#   tva$$ 10.200.1.1/24  <--veth-->  tvra$$ 10.200.1.254
#                                    tvrb$$ 10.200.2.254  <--veth-->  tvb$$ 10.200.2.2/24
#
# Call order: lab_outdir DIR; lab_require TOOLS...; lab_start (work dir, cleanup on EXIT, exit 130 on INT/TERM);
# then topology_up / topology_down around each recording.

NS_A="tvA$$"; NS_R="tvR$$"; NS_B="tvB$$"
IF_A="tva$$"; IF_RA="tvra$$"; IF_RB="tvrb$$"; IF_B="tvb$$"
IP_A=10.200.1.1; IP_RA=10.200.1.254; IP_RB=10.200.2.254; IP_B=10.200.2.2

declare -A LAB_TOOL_HINTS=()
LAB_ENDPOINT_OFFLOADS="tso off gso off gro off tx off"
LAB_ENDPOINT_FALLBACK=

WORK=
PIDS=()

# lab_outdir DIR: create DIR; OUT is its absolute path.
lab_outdir() {
    OUT=$1
    mkdir -p "$OUT"
    OUT=$(cd "$OUT" && pwd)
}

# lab_require TOOL...: exit 1 unless every TOOL is on PATH and we are root.
lab_require() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null || {
            echo "$LAB_NAME.sh: missing tool: $tool" >&2
            [ -n "${LAB_TOOL_HINTS[$tool]:-}" ] && echo "  ${LAB_TOOL_HINTS[$tool]}" >&2
            exit 1
        }
    done
    [ "$(id -u)" -eq 0 ] || { echo "$LAB_NAME.sh: must run as root (network namespaces)" >&2; exit 1; }
}

# lab_start: create WORK; from now on cleanup runs on EXIT, and INT/TERM exit with 130.
lab_start() {
    WORK=$(mktemp -d "/tmp/$LAB_NAME.$$.XXXXXX")
    PIDS=()
    trap cleanup EXIT
    trap 'exit 130' INT TERM
}

cleanup() {
    local pid
    for pid in "${PIDS[@]:-}"; do
        [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]:-}"; do
        [ -n "$pid" ] && wait "$pid" 2>/dev/null || true
    done
    topology_down
    rm -rf "$WORK"
}

log() { echo "[$LAB_NAME] $*" >&2; }
inA() { ip netns exec "$NS_A" "$@"; }
inR() { ip netns exec "$NS_R" "$@"; }
inB() { ip netns exec "$NS_B" "$@"; }

# Remove a pid from PIDS (after we stopped it ourselves).
forget_pid() {
    local p keep=()
    for p in "${PIDS[@]:-}"; do [ -n "$p" ] && [ "$p" != "$1" ] && keep+=("$p"); done
    PIDS=("${keep[@]:-}")
}

# endpoint_offloads_off NS IF: see LAB_ENDPOINT_OFFLOADS / LAB_ENDPOINT_FALLBACK.
# shellcheck disable=SC2086 # the offload lists are word lists on purpose
endpoint_offloads_off() {
    if [ -n "$LAB_ENDPOINT_FALLBACK" ]; then
        ip netns exec "$1" ethtool -K "$2" $LAB_ENDPOINT_OFFLOADS >/dev/null 2>&1 ||
            ip netns exec "$1" ethtool -K "$2" $LAB_ENDPOINT_FALLBACK
    else
        ip netns exec "$1" ethtool -K "$2" $LAB_ENDPOINT_OFFLOADS >/dev/null
    fi
}

topology_up() {
    local ns
    for ns in "$NS_A" "$NS_R" "$NS_B"; do
        ip netns add "$ns"
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
        ip -n "$ns" link set lo up
    done
    ip link add "$IF_A" type veth peer name "$IF_RA"
    ip link set "$IF_A" netns "$NS_A"; ip link set "$IF_RA" netns "$NS_R"
    ip link add "$IF_B" type veth peer name "$IF_RB"
    ip link set "$IF_B" netns "$NS_B"; ip link set "$IF_RB" netns "$NS_R"
    ip -n "$NS_A" addr add "$IP_A/24" dev "$IF_A"
    ip -n "$NS_R" addr add "$IP_RA/24" dev "$IF_RA"
    ip -n "$NS_R" addr add "$IP_RB/24" dev "$IF_RB"
    ip -n "$NS_B" addr add "$IP_B/24" dev "$IF_B"
    # MTU-sized packets everywhere, software checksums (correct checksums in the capture).
    endpoint_offloads_off "$NS_A" "$IF_A"
    endpoint_offloads_off "$NS_B" "$IF_B"
    inR ethtool -K "$IF_RA" tso off gso off gro off >/dev/null
    inR ethtool -K "$IF_RB" tso off gso off gro off >/dev/null
    ip -n "$NS_A" link set "$IF_A" up
    ip -n "$NS_R" link set "$IF_RA" up
    ip -n "$NS_R" link set "$IF_RB" up
    ip -n "$NS_B" link set "$IF_B" up
    ip -n "$NS_A" route add default via "$IP_RA"
    ip -n "$NS_B" route add default via "$IP_RB"
    inR sysctl -qw net.ipv4.ip_forward=1
}

topology_down() {
    local ns
    # Processes started with `ip netns exec` outlive the subshell whose pid
    # we kept (servers, receivers, curls): end everything still inside our
    # namespaces, or they keep the namespaces alive after `ip netns del`.
    for ns in "$NS_A" "$NS_R" "$NS_B"; do
        ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true
    done
    for ns in "$NS_A" "$NS_R" "$NS_B"; do ip netns del "$ns" 2>/dev/null || true; done
}

# capture_start FILE [NS IF FILTER]: dumpcap -s SNAPLEN -B CAP_BUFFER_MB into FILE (default: on ns
# A's veth with CAP_FILTER); returns once it is capturing. Sets CAP_PID and CAP_LOG.
CAP_PID=; CAP_LOG=
capture_start() {
    local file=$1 ns=${2:-$NS_A} ifc=${3:-$IF_A} filter=${4:-${CAP_FILTER:-}}
    rm -f "$file"
    CAP_LOG="$WORK/dumpcap.$(basename "$file").log"
    ip netns exec "$ns" dumpcap -i "$ifc" -s "$SNAPLEN" -B "$CAP_BUFFER_MB" -f "$filter" -w "$file" >"$CAP_LOG" 2>&1 &
    CAP_PID=$!
    PIDS+=("$CAP_PID")
    local i
    for i in $(seq 1 100); do
        grep -q "Capturing on" "$CAP_LOG" 2>/dev/null && { sleep 0.3; return 0; }
        sleep 0.1
    done
    echo "$LAB_NAME.sh: dumpcap did not start" >&2; cat "$CAP_LOG" >&2; exit 1
}

# capture_stop FILE [PID LOG]: stop dumpcap (SIGTERM: background jobs of a script ignore SIGINT),
# fail if it dropped packets.
capture_stop() {
    local file=$1 pid=${2:-$CAP_PID} logf=${3:-$CAP_LOG}
    sleep 0.5
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    forget_pid "$pid"
    chmod 0644 "$file"
    if grep -Eq "dropped on interface .*: [0-9]+/[1-9]" "$logf"; then
        echo "$LAB_NAME.sh: dumpcap dropped packets while writing $file:" >&2
        cat "$logf" >&2
        exit 1
    fi
}
