// Package metrics holds the counters and distributions tcpviz reports:
// fixed-size log histograms for RTT and jitter, and (in later files) traffic
// totals, throughput per interval and protocol mix. Everything here is
// updated in place per packet and allocates nothing once created.
package metrics
