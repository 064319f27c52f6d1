// Package tcpanalysis follows each TCP connection in both directions and
// raises the events of Wireshark's TCP expert analysis (retransmissions, dup
// ACKs, lost and out-of-order segments, zero windows, keep-alives, ...) plus
// tcpviz's own loss inference, handshake and teardown anomalies. It measures
// RTT (Karn's rule, RFC 6298 smoothing) and bytes in flight.
//
// Packets enter through Analyzer.Packet as decode.Packet values, in capture
// order; events leave through an event.Sink and per-connection summaries
// through a flow-record callback when a connection ends, is evicted, or the
// capture ends (Analyzer.Flush).
//
// The rules and their order of precedence follow Wireshark 4.0's
// tcp_analyze_sequence_number (epan/dissectors/packet-tcp.c), so results can
// be checked frame by frame against tshark; deliberate differences are
// listed in README.md.
package tcpanalysis
