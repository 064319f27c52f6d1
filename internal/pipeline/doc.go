// Package pipeline is the one analysis pipeline every command uses:
// capture records → decode → flow-keyed analysers (TCP) → metrics, with
// events and flow records handed to the sinks the caller gives.
//
// parse-pcap drives it over one file; monitor feeds it records from a
// follower of rolling files. The pipeline owns one Decoder and one Packet
// value and reuses them for every record, so the steady state allocates
// nothing per packet.
package pipeline
