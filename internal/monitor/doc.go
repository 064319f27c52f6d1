// Package monitor watches a live capture — a file that grows, or the ring
// of files dumpcap rotates — and raises WARN/CRITICAL alerts while traffic
// is still being captured.
//
// Records enter from a capture.Follower, in order across rotations, and go
// through one pipeline.Pipeline for the whole run, so flow and detector
// state carries from file to file (a TCP connection spans files). The
// pipeline's events go to events.jsonl and to an Alerter, which counts them
// per category (and with per-flow windows, per flow) in a sliding window of
// capture time and compares the counts with thresholds. Alerts leave as one
// line each on the Options.Out writer (human text or JSON) and as event
// records of type "alert" in alerts.jsonl; when the run ends the session
// gets flows.jsonl, summary.json and monitor-summary.json, which lists the
// packets read from each file in reading order.
package monitor
