// Package flow keeps the table of bidirectional flows: it maps a packet's
// 5-tuple to one entry per conversation, numbers conversations in order of
// first appearance like Wireshark's tcp.stream / udp.stream, and evicts flows
// that have been idle too long or that overflow its capacity, so memory is
// bounded by the number of live flows, not by the length of the capture.
//
// The table is generic over the per-flow state S that analysers keep; it
// knows nothing of TCP or RTP. Evicted entries are handed to a callback and
// then recycled, so a steady state of flows starting and ending allocates
// nothing. Keys are found through the table's own hash index (index.go),
// the hottest lookup of every packet.
//
// An Archive keeps what an analyser remembers of ended conversations, as
// compact byte strings it encodes itself, until they have been idle for the
// idle timeout: far more of them than of live flows, so a few bytes each.
package flow
