// Package report renders a session that parse-pcap wrote as interactive
// HTML pages that work offline: timeline.html (events over capture time and
// the time series), summary.html (counts, capture metadata, the flows table)
// and report.html (both).
//
// Data enters through Load, which reads summary.json, flows.jsonl and the
// events file (schema 1 or the Python tool's format) of a session directory
// and reduces the events to what the charts draw; it never reads the
// capture. Flow records are read with this package's own structs, by the
// names of their fields in the file (the per-connection and per-stream
// timelines, the RTT histograms), not through the event package's types. It leaves through Render, which writes one page to an io.Writer.
//
// The charts are go-echarts charts on a go-echarts page, rendered by this
// package's own Renderer: it inlines the ECharts library embedded at build
// time (assets/echarts.min.js, fetched by scripts/fetch-echarts.sh) instead
// of linking it, encodes every chart option as HTML-safe JSON (strings from
// packets and file names can hold "</script>"), and fixes chart IDs so the
// output is byte-for-byte deterministic. A Content-Security-Policy with the
// hash of each inline script forbids every network load and every script
// the page did not write itself.
package report
