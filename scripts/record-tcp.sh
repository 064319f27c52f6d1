#!/usr/bin/env bash
# record-tcp.sh - record REAL TCP transfers between network namespaces into small pcapng samples.
#
# Usage: sudo scripts/record-tcp.sh [OUTDIR]        (OUTDIR defaults to "samples")
#        RECORD_ONLY="tbf_bulk nft_loss small_rtt" selects the recordings (default: all three);
#        TBF_CC sets the sender's congestion control for rec_tbf_bulk (default reno).
#
# Needs root, iproute2 (ip, tc), nftables, ethtool, dumpcap, tshark, capinfos, curl, python3.
# Writes into OUTDIR:
#   rec_tbf_bulk.pcapng     HTTP bulk download through a router whose egress towards the client is
#                           a tbf (20 Mbit/s, burst 16 kB, queue limit 30000 B): real congestion drops
#                           -> retransmissions, dup ACKs, SACK, fast retransmissions.
#   rec_nft_loss.pcapng     the same kind of download without a rate limit, with exact random loss
#                           (nft numgen 2 %) at the router's ingress from the server; captured at the
#                           client, i.e. downstream of the loss, so dropped segments are really missing.
#   rec_nft_loss.truth.txt  the nft counters (packets really dropped) plus tshark/capinfos output.
#   rec_small_rtt.pcapng    many short HTTP connections (sequential and parallel) through a tbf.
#
# Topology (all addresses live only inside namespaces this script creates and deletes on exit):
#
#   ns tvA$$ (client, curl)          ns tvR$$ (router)                 ns tvB$$ (server, http.server)
#   tva$$ 10.200.1.1/24  <--veth-->  tvra$$ 10.200.1.254
#                                    tvrb$$ 10.200.2.254  <--veth-->  tvb$$ 10.200.2.2/24
#
# Why a router: (1) a qdisc on the *sender's own* interface hardly ever drops, because TCP Small
# Queues keeps only ~1 ms of data in the local qdisc (and local qdisc drops are reported to TCP
# directly instead of being lost on the wire); a qdisc on a forwarding hop behaves like a real
# bottleneck.  (2) AF_PACKET taps (dumpcap/tcpdump) see a received packet BEFORE tc ingress and the
# nft netdev ingress hook run, so a capture on the interface where nft drops would still show every
# dropped packet.  Dropping at the router's ingress and capturing at the client's interface gives a
# capture in which the lost packets are really absent (as for a capture point behind a lossy link).
# Capture: dumpcap on the client's veth, snaplen 96 (headers only; original lengths are kept).
# The namespaces, cleanup, logging and dumpcap helpers are in lab.sh.
set -euo pipefail

LAB_NAME=record-tcp
. "$(dirname "${BASH_SOURCE[0]}")/lab.sh"

lab_outdir "${1:-samples}"

lab_require ip tc nft ethtool dumpcap tshark capinfos curl python3
PY=$(command -v python3)

PORT=8080
SNAPLEN=96
CAP_BUFFER_MB=64
CAP_FILTER="tcp port $PORT"
# If the endpoint veths refuse "tx off", keep going with tx checksum offload on.
LAB_ENDPOINT_FALLBACK="tso off gso off gro off"
MAX_BYTES=$((2 * 1024 * 1024))

lab_start

# start_server DIR: python http.server in ns B serving DIR.
SERVER_PID=
start_server() {
    inB "$PY" -m http.server "$PORT" --bind "$IP_B" --directory "$1" >"$WORK/http.log" 2>&1 &
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
    local i
    for i in $(seq 1 100); do
        if inA curl -s -o /dev/null --max-time 1 "http://$IP_B:$PORT/ready.txt"; then return 0; fi
        sleep 0.1
    done
    echo "record-tcp.sh: http.server did not come up" >&2; cat "$WORK/http.log" >&2; exit 1
}
stop_server() {
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    forget_pid "$SERVER_PID"
}

# analyse FILE: tshark expert counts and capinfos; checks the size limit.
IOSTAT='COUNT(tcp.analysis.retransmission)tcp.analysis.retransmission,COUNT(tcp.analysis.duplicate_ack)tcp.analysis.duplicate_ack,COUNT(tcp.analysis.lost_segment)tcp.analysis.lost_segment,COUNT(tcp.analysis.out_of_order)tcp.analysis.out_of_order,COUNT(tcp.analysis.fast_retransmission)tcp.analysis.fast_retransmission'
analyse() {
    local f=$1
    echo "== $(basename "$f")"
    tshark -r "$f" -q -z "io,stat,0,$IOSTAT"
    capinfos "$f"
    local sz
    sz=$(stat -c %s "$f")
    if [ "$sz" -gt "$MAX_BYTES" ]; then
        echo "record-tcp.sh: $f is $sz bytes (> 2 MiB)" >&2; exit 1
    fi
}
# count FIELD FILE: number of frames with FIELD set.
count() { tshark -r "$2" -Y "$1" -T fields -e frame.number 2>/dev/null | wc -l; }

make_files() {
    local d=$1
    mkdir -p "$d"
    echo ok >"$d/ready.txt"
    head -c $((6 * 1024 * 1024)) /dev/urandom >"$d/bulk6m.bin"
    head -c $((4 * 1024 * 1024)) /dev/urandom >"$d/bulk4m.bin"
    local s
    for s in 1 2 4 8 16 32 64 128 256; do
        head -c $((s * 1024)) /dev/urandom >"$d/small${s}k.bin"
    done
}

WWW="$WORK/www"
make_files "$WWW"

# ---------------------------------------------------------------------------------------------
# 1. rec_tbf_bulk: 6 MiB download, router egress towards the client = tbf 20 Mbit/s, 30000 B queue.
# ---------------------------------------------------------------------------------------------
record_tbf_bulk() {
    local f="$OUT/rec_tbf_bulk.pcapng"
    log "recording $f"
    topology_up
    inR tc qdisc replace dev "$IF_RA" root tbf rate 20mbit burst 16kb limit 30000
    # Reno on the sender: after the slow-start overshoot it grows by one segment per RTT, so the
    # 20-packet queue overflows every few hundred ms -> a regular sawtooth of single losses, each
    # repaired by a fast retransmission after a run of dup ACKs (CUBIC needs seconds per cycle).
    inB sysctl -qw net.ipv4.tcp_congestion_control="${TBF_CC:-reno}"
    start_server "$WWW"
    capture_start "$f"
    inA curl -s -o /dev/null -w '[record-tcp] curl: %{size_download} bytes in %{time_total} s\n' \
        "http://$IP_B:$PORT/bulk6m.bin" >&2
    capture_stop "$f"
    log "router qdisc: $(inR tc -s qdisc show dev "$IF_RA" | tr '\n' ' ')"
    stop_server
    topology_down
    analyse "$f"
}

# ---------------------------------------------------------------------------------------------
# 2. rec_nft_loss: 4 MiB download, no rate limit, 2 % random drop of server->client TCP packets at
#    the router's ingress (nft netdev), capture at the client.
# ---------------------------------------------------------------------------------------------
record_nft_loss() {
    local f="$OUT/rec_nft_loss.pcapng" truth="$OUT/rec_nft_loss.truth.txt"
    log "recording $f"
    topology_up
    start_server "$WWW"
    # The rule goes in after the readiness probe, so its counters see only the recorded transfer.
    sleep 0.3
    inR nft -f - <<EOF
table netdev tcpvizloss {
    chain in {
        type filter hook ingress device "$IF_RB" priority 0; policy accept;
        ip protocol tcp tcp sport $PORT counter comment "seen"
        ip protocol tcp tcp sport $PORT numgen random mod 1000 < 20 counter drop comment "dropped"
    }
}
EOF
    # A second capture on the router interface where nft drops: AF_PACKET taps run before the
    # netdev ingress hook, so it still contains the dropped packets; diffing it against the client
    # capture names the dropped segments.
    local rcap="$WORK/router.pcapng" rpid rlog
    capture_start "$rcap" "$NS_R" "$IF_RB" "tcp src port $PORT"
    rpid=$CAP_PID; rlog=$CAP_LOG
    capture_start "$f"
    inA curl -s -o /dev/null -w '[record-tcp] curl: %{size_download} bytes in %{time_total} s\n' \
        "http://$IP_B:$PORT/bulk4m.bin" >&2
    capture_stop "$f"
    capture_stop "$rcap" "$rpid" "$rlog"
    local rules seen dropped
    rules=$(inR nft list table netdev tcpvizloss)
    seen=$(sed -n 's/.*counter packets \([0-9]*\) bytes.*comment "seen".*/\1/p' <<<"$rules")
    dropped=$(sed -n 's/.*counter packets \([0-9]*\) bytes.*comment "dropped".*/\1/p' <<<"$rules")
    stop_server
    topology_down
    {
        echo "rec_nft_loss.pcapng ground truth"
        echo "================================"
        echo "Transfer: curl (10.200.1.1, ns A) GET 4 MiB from python3 http.server (10.200.2.2:$PORT, ns B)"
        echo "via a router namespace; no rate limit; TSO/GSO/GRO off; capture = dumpcap -s $SNAPLEN on the client's veth."
        echo "Impairment: nft netdev ingress on the router's server-facing veth:"
        echo "  ip protocol tcp tcp sport $PORT numgen random mod 1000 < 20 counter drop   (2 % of server->client packets)"
        echo "The drop happens upstream of the capture point, so dropped segments are ABSENT from the capture"
        echo "(client->server ACKs are never dropped)."
        echo
        echo "server_to_client_packets_seen_by_router=$seen"
        echo "server_to_client_packets_dropped=$dropped"
        echo "server_to_client_packets_captured=$(count "tcp.srcport==$PORT" "$f")"
        echo "server_to_client_packets_in_router_capture=$(count "tcp.srcport==$PORT" "$rcap")"
        echo
        echo "Dropped packets, found by diffing a capture taken at the same time on the router interface"
        echo "where nft drops (the tap sees packets before the ingress hook) against the client capture."
        echo "Columns: relative seq, tcp.len, flags, TSval (seq relative to the server's ISN)."
        echo "dropped_packets_list_begin"
        local fields=(-T fields -e tcp.seq -e tcp.len -e tcp.flags -e tcp.options.timestamp.tsval -e tcp.ack_raw)
        comm -23 <(tshark -r "$rcap" -Y "tcp.srcport==$PORT" "${fields[@]}" | sort) \
                 <(tshark -r "$f" -Y "tcp.srcport==$PORT" "${fields[@]}" | sort) |
            sort -n -k1,1 -k4,4 | cut -f1-4
        echo "dropped_packets_list_end"
        echo
        echo "nft ruleset after the transfer:"
        echo "$rules"
        echo
        analyse "$f"
    } >"$truth"
    chmod 0644 "$truth"
    log "nft dropped $dropped of $seen server->client packets"
    cat "$truth"
}

# ---------------------------------------------------------------------------------------------
# 3. rec_small_rtt: 20 sequential small requests, then 3 rounds of 6 parallel requests, through a
#    tbf (10 Mbit/s, 60000 B queue) at the router's egress towards the client.
# ---------------------------------------------------------------------------------------------
record_small_rtt() {
    local f="$OUT/rec_small_rtt.pcapng"
    log "recording $f"
    topology_up
    inR tc qdisc replace dev "$IF_RA" root tbf rate 10mbit burst 16kb limit 60000
    start_server "$WWW"
    capture_start "$f"
    local sizes=(1 2 4 8 16 32 64 1 2 4 8 16 32 64 128 1 4 16 64 256) i s round pids
    for i in "${!sizes[@]}"; do
        inA curl -s -o /dev/null "http://$IP_B:$PORT/small${sizes[$i]}k.bin"
        sleep 0.05
    done
    for round in 1 2 3; do
        pids=()
        for s in 8 32 64 128 256 16; do
            inA curl -s -o /dev/null "http://$IP_B:$PORT/small${s}k.bin" &
            pids+=($!)
        done
        wait "${pids[@]}"
        sleep 0.1
    done
    capture_stop "$f"
    log "router qdisc: $(inR tc -s qdisc show dev "$IF_RA" | tr '\n' ' ')"
    stop_server
    topology_down
    analyse "$f"
}

# RECORD_ONLY="tbf_bulk nft_loss small_rtt" (the default) selects the recordings to make.
for what in ${RECORD_ONLY:-tbf_bulk nft_loss small_rtt}; do
    "record_$what"
done
log "done: $(cd "$OUT" && ls -l rec_tbf_bulk.pcapng rec_nft_loss.pcapng rec_nft_loss.truth.txt rec_small_rtt.pcapng | awk '{print $NF" "$5}' | tr '\n' ' ')"
