#!/usr/bin/env bash
# record-rtp.sh - record REAL RTP streams between network namespaces into small pcapng samples.
#
# Usage: sudo scripts/record-rtp.sh [OUTDIR]        (OUTDIR defaults to "samples")
#        RECORD_ONLY="pcmu video" selects the recordings (default: both).
#
# Needs root, iproute2, nftables, ethtool, socat, dumpcap, tshark, capinfos and GStreamer
# (apt-get install gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good).
# Writes into OUTDIR:
#   rec_rtp_pcmu.pcapng      ~5 s of 8 kHz PCMU (PT 0, 20 ms / 160 samples per packet, 250 packets)
#   rec_rtp_pcmu.truth.txt   nft drop counter, the dropped RTP sequence numbers, tshark rtp,streams
#   rec_rtp_video.pcapng     ~3 s of 320x240 25 fps JPEG video (rtpjpegpay, PT 26, 90 kHz clock)
#   rec_rtp_video.truth.txt  the same for the video stream
#
# Topology (all addresses exist only inside namespaces this script creates and deletes on exit):
#
#   ns tvA$$ (receiver, socat)       ns tvR$$ (router)                 ns tvB$$ (sender, gst-launch)
#   tva$$ 10.200.1.1/24  <--veth-->  tvra$$ 10.200.1.254
#                                    tvrb$$ 10.200.2.254  <--veth-->  tvb$$ 10.200.2.2/24
#
# Impairment: an nft netdev ingress rule on the router's sender-facing veth drops 3 % of the RTP
# packets at random (`numgen random mod 1000 < 30 counter drop`). The capture (dumpcap, snaplen
# 128) runs on the receiver's veth, downstream of the drop, so the dropped packets are really
# missing and show up as RTP sequence gaps. (A capture on the interface carrying the nft ingress rule
# would still contain them: AF_PACKET taps run before the netdev ingress hook. The script uses that
# on purpose: a second capture there, diffed against the receiver's, names the dropped packets.)
# The namespaces, cleanup, logging and dumpcap helpers are in lab.sh.
set -euo pipefail

LAB_NAME=record-rtp
. "$(dirname "${BASH_SOURCE[0]}")/lab.sh"

lab_outdir "${1:-samples}"

LAB_TOOL_HINTS[gst-launch-1.0]="apt-get install gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good"
lab_require ip nft ethtool socat dumpcap tshark capinfos gst-launch-1.0

SNAPLEN=128
CAP_BUFFER_MB=16
DROP_PER_MILLE=${DROP_PER_MILLE:-30}
MAX_BYTES=$((2 * 1024 * 1024))

lab_start

# topology_up_warm: lab.sh's topology_up, then resolve ARP along the path before recording (a
# warm-up datagram to an unused port).
topology_up_warm() {
    topology_up
    echo warmup | inB socat -u - "UDP4-SENDTO:$IP_A:5999" || true
    sleep 0.3
}

# record NAME PORT DESCRIPTION GST-SOURCE-PIPELINE...
#   Runs "GST-SOURCE-PIPELINE ! udpsink host=A port=PORT" in ns B, socat receiving in ns A.
record() {
    local name=$1 port=$2 desc=$3 pipeline=$4
    local f="$OUT/$name.pcapng" truth="$OUT/$name.truth.txt" rcap="$WORK/$name.router.pcapng"
    log "recording $f"
    topology_up_warm
    inR nft -f - <<EOF
table netdev tcpvizloss {
    chain in {
        type filter hook ingress device "$IF_RB" priority 0; policy accept;
        udp dport $port counter comment "seen"
        udp dport $port numgen random mod 1000 < $DROP_PER_MILLE counter drop comment "dropped"
    }
}
EOF
    inA socat -u "UDP4-RECV:$port,bind=$IP_A" /dev/null &
    local rx_pid=$!
    PIDS+=("$rx_pid")
    local rpid rlog
    capture_start "$rcap" "$NS_R" "$IF_RB" "udp dst port $port"
    rpid=$CAP_PID; rlog=$CAP_LOG
    capture_start "$f" "$NS_A" "$IF_A" "udp port $port"
    # shellcheck disable=SC2086 # the pipeline is a word list on purpose
    inB gst-launch-1.0 -q $pipeline ! udpsink host="$IP_A" port="$port" sync=true
    capture_stop "$f" "$CAP_PID" "$CAP_LOG"
    capture_stop "$rcap" "$rpid" "$rlog"
    kill "$rx_pid" 2>/dev/null || true; wait "$rx_pid" 2>/dev/null || true; forget_pid "$rx_pid"
    local rules seen dropped
    rules=$(inR nft list table netdev tcpvizloss)
    seen=$(sed -n 's/.*counter packets \([0-9]*\) bytes.*comment "seen".*/\1/p' <<<"$rules")
    dropped=$(sed -n 's/.*counter packets \([0-9]*\) bytes.*comment "dropped".*/\1/p' <<<"$rules")
    topology_down
    if [ "${seen:-0}" -eq 0 ]; then
        echo "record-rtp.sh: no RTP packets reached the router for $name (GStreamer pipeline failed?)" >&2
        exit 1
    fi

    local dec=(-d "udp.port==$port,rtp")
    {
        echo "$name.pcapng ground truth"
        echo "==============================="
        echo "$desc"
        echo "Sender: gst-launch-1.0 in ns B (10.200.2.2) -> udpsink 10.200.1.1:$port; receiver: socat in ns A."
        echo "Pipeline: $pipeline ! udpsink host=$IP_A port=$port sync=true"
        echo "Path: sender -> router namespace -> receiver; capture = dumpcap -s $SNAPLEN on the receiver's veth."
        echo "Impairment: nft netdev ingress on the router's sender-facing veth:"
        echo "  udp dport $port numgen random mod 1000 < $DROP_PER_MILLE counter drop"
        echo "The drop is upstream of the capture point: dropped packets are ABSENT from the capture."
        echo
        echo "rtp_packets_sent=$seen"
        echo "rtp_packets_dropped=$dropped"
        echo "rtp_packets_captured=$(tshark -r "$f" "${dec[@]}" -Y rtp -T fields -e frame.number | wc -l)"
        echo
        echo "Dropped RTP sequence numbers (diff of a capture on the router interface where nft drops,"
        echo "which still sees them, against the receiver capture). Columns: rtp.seq, rtp.timestamp, rtp.marker"
        echo "dropped_rtp_seq_begin"
        comm -23 <(tshark -r "$rcap" "${dec[@]}" -Y rtp -T fields -e rtp.seq -e rtp.timestamp -e rtp.marker | sort) \
                 <(tshark -r "$f" "${dec[@]}" -Y rtp -T fields -e rtp.seq -e rtp.timestamp -e rtp.marker | sort) |
            sort -n
        echo "dropped_rtp_seq_end"
        echo "first/last rtp.seq sent (router capture):   $(tshark -r "$rcap" "${dec[@]}" -Y rtp -T fields -e rtp.seq | sed -n '1p;$p' | tr '\n' ' ')"
        echo "first/last rtp.seq captured at the receiver: $(tshark -r "$f" "${dec[@]}" -Y rtp -T fields -e rtp.seq | sed -n '1p;$p' | tr '\n' ' ')"
        echo "(tshark's 'Lost' counts only gaps between the first and last received packet, so drops of the"
        echo " very first or last packets of the stream are not in its Lost column.)"
        echo
        echo "nft ruleset after the stream:"
        echo "$rules"
        echo
        echo "tshark -r $name.pcapng -q -z rtp,streams -d udp.port==$port,rtp"
        tshark -r "$f" -q -z rtp,streams "${dec[@]}"
        echo
        capinfos "$f"
    } >"$truth"
    chmod 0644 "$truth"
    log "$name: nft dropped $dropped of $seen RTP packets"
    cat "$truth"
    local sz
    sz=$(stat -c %s "$f")
    [ "$sz" -le "$MAX_BYTES" ] || { echo "record-rtp.sh: $f is $sz bytes (> 2 MiB)" >&2; exit 1; }
}

record_pcmu() {
    record rec_rtp_pcmu 5004 \
        "8 kHz PCMU (payload type 0), 160 samples = 20 ms per packet, 250 packets = 5 s." \
        "audiotestsrc is-live=true num-buffers=250 samplesperbuffer=160 wave=sine freq=440 ! audio/x-raw,rate=8000,channels=1 ! mulawenc ! rtppcmupay pt=0 mtu=1400"
}

record_video() {
    record rec_rtp_video 5006 \
        "JPEG video 320x240 at 25 fps (rtpjpegpay, payload type 26, 90 kHz clock), 75 frames = 3 s; marker bit on the last packet of each frame." \
        "videotestsrc is-live=true num-buffers=75 pattern=pinwheel ! video/x-raw,format=I420,width=320,height=240,framerate=25/1 ! jpegenc quality=60 ! rtpjpegpay pt=26 mtu=1200"
}

for what in ${RECORD_ONLY:-pcmu video}; do
    "record_$what"
done
log "done: $(cd "$OUT" && ls -l rec_rtp_*.pcapng rec_rtp_*.truth.txt 2>/dev/null | awk '{print $NF" "$5}' | tr '\n' ' ')"
