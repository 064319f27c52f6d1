// Package event defines what tcpviz writes and reads back: detected events
// (events.jsonl), flow records (flows.jsonl) and the schema version.
//
// Analysers fill an Event value they own and hand it to a Sink; the JSONL
// writer appends it to its buffer without reflection or allocation, and the
// flow record writer writes what encoding/json would, several times faster
// (a record carries a timeline of up to 64 steps). Readers
// (summary, report) decode lines into Record, which also accepts the
// events.jsonl files of the Python tcpviz this project replaces.
package event
