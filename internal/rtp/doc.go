// Package rtp finds RTP streams in UDP traffic and analyses each one the way
// Wireshark's RTP stream analysis does (tshark -z rtp,streams): packets,
// expected and lost packets with 16-bit sequence wraparound, sequence
// errors, the largest gap between packets, and RFC 3550 interarrival jitter
// (mean and maximum). It tells RTCP apart and never counts it as RTP.
//
// Packets enter through Tracker.Packet as decoded UDP packets, in capture
// order; the caller learns whether each was RTP, RTCP or neither. Events
// (rtp_loss, rtp_seq_error, rtp_jitter) leave through an event.Sink as they
// happen, and one event.FlowRecord per stream leaves through a callback
// when the stream ends: idle, evicted for capacity, or at Tracker.Flush.
//
// A stream is a 5-tuple in one direction plus an SSRC. Packets on a forced
// port (Config.Ports) are RTP at once; elsewhere a heuristic watches each
// 5-tuple and SSRC and confirms a stream after four packets with increasing
// sequence numbers and plausible timestamps. It holds those packets' header
// fields (never their payload) and replays them into the stream, so a
// stream's first packets count as tshark counts them. Once a 5-tuple carries
// a stream, a new SSRC on it is a new stream at once.
//
// The statistics follow ui/tap-rtp-analysis.c of Wireshark 4.0, as
// paraphrased in docs/wireshark-tcp.md §7, including its quirks, so that the
// figures agree with tshark's; the events use RFC 3550 Appendix A.1's
// modular sequence tracking instead. README.md lists where tcpviz differs
// on purpose (notably, it infers the clock rate of dynamic payload types,
// where Wireshark reports no jitter) and how it compares with tshark.
//
// The steady state allocates nothing per packet: streams and candidates
// live in recycled table entries, and events and records are reused values.
package rtp
