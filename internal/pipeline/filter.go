package pipeline

import (
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/tcpviz/tcpviz/internal/decode"
)

// Filter selects the packets a run analyses. The zero value selects all.
// Frames that do not match are still numbered, so frame numbers stay those
// of the capture file.
type Filter struct {
	Hosts []netip.Addr   // either endpoint is one of these
	Nets  []netip.Prefix // either endpoint is inside one of these
	Ports []uint16       // either port is one of these
	Proto string         // "tcp", "udp" or "rtp" ("" for any)
	Start int64          // ns since the epoch; 0 for no bound
	End   int64          // ns since the epoch; 0 for no bound
}

// Empty reports whether f selects everything.
func (f *Filter) Empty() bool {
	return len(f.Hosts) == 0 && len(f.Nets) == 0 && len(f.Ports) == 0 && f.Proto == "" && f.Start == 0 && f.End == 0
}

// match applies every criterion but "rtp", which needs the RTP tracker's
// verdict and is checked by the pipeline.
func (f *Filter) match(p *decode.Packet) bool {
	if f.Start != 0 && p.TS < f.Start || f.End != 0 && p.TS > f.End {
		return false
	}
	if len(f.Hosts) > 0 {
		ok := false
		for _, h := range f.Hosts {
			if p.Src == h || p.Dst == h {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	if len(f.Nets) > 0 {
		ok := false
		for _, n := range f.Nets {
			if p.Src.IsValid() && n.Contains(p.Src) || p.Dst.IsValid() && n.Contains(p.Dst) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	if len(f.Ports) > 0 {
		if p.Transport != decode.TransTCP && p.Transport != decode.TransUDP {
			return false
		}
		ok := false
		for _, port := range f.Ports {
			if p.SrcPort == port || p.DstPort == port {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	switch f.Proto {
	case "tcp":
		return p.Transport == decode.TransTCP
	case "udp", "rtp":
		return p.Transport == decode.TransUDP
	}
	return true
}

// String describes the filter for summary.json, e.g.
// "host 10.0.0.1 and port 443 and proto tcp".
func (f *Filter) String() string {
	var parts []string
	for _, h := range f.Hosts {
		parts = append(parts, "host "+h.String())
	}
	for _, n := range f.Nets {
		parts = append(parts, "net "+n.String())
	}
	for _, p := range f.Ports {
		parts = append(parts, "port "+strconv.Itoa(int(p)))
	}
	if f.Proto != "" {
		parts = append(parts, "proto "+f.Proto)
	}
	if f.Start != 0 {
		parts = append(parts, "start "+time.Unix(0, f.Start).UTC().Format(time.RFC3339Nano))
	}
	if f.End != 0 {
		parts = append(parts, "end "+time.Unix(0, f.End).UTC().Format(time.RFC3339Nano))
	}
	return strings.Join(parts, " and ")
}
