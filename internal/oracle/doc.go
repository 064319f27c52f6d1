// Package oracle compares tcpviz's TCP verdicts with Wireshark's, frame by
// frame. Wireshark's side comes from running tshark on a capture or from the
// corpus truth files (truth/<file>.tcpflags.tsv) made with tshark 4.0.17;
// tcpviz's side comes from the events the pipeline raises. The result is a
// confusion count per category, from which tests compute precision and recall.
package oracle
