package rtp

import "testing"

func TestSeqWraparound(t *testing.T) {
	tests := []struct {
		a, b           Seq
		diff           int
		lt, le, gt, ge bool
	}{
		{a: 1, b: 2, diff: -1, lt: true, le: true},
		{a: 2, b: 2, diff: 0, le: true, ge: true},
		{a: 0xffff, b: 0, diff: -1, lt: true, le: true}, // just before the wrap
		{a: 0, b: 0xffff, diff: 1, gt: true, ge: true},  // just after it
		{a: 0xfff0, b: 0x10, diff: -0x20, lt: true, le: true},
		{a: 0x10, b: 0xfff0, diff: 0x20, gt: true, ge: true},
		{a: 0x7fff, b: 0, diff: 0x7fff, gt: true, ge: true},    // half the space ahead
		{a: 0x8001, b: 0, diff: -0x7fff, lt: true, le: true},   // more than half: behind
		{a: 0x8000, b: 0, diff: -0x8000, lt: true, le: true},   // exactly half: behind
		{a: 30000, b: 0, diff: 30000, gt: true, ge: true},      // a 30000 jump is ahead
		{a: 30000, b: 40000, diff: -10000, lt: true, le: true}, // no wrap involved
	}
	for _, tt := range tests {
		if got := tt.a.Diff(tt.b); got != tt.diff {
			t.Errorf("%d.Diff(%d) = %d, want %d", tt.a, tt.b, got, tt.diff)
		}
		if got := tt.a.LT(tt.b); got != tt.lt {
			t.Errorf("%d.LT(%d) = %v, want %v", tt.a, tt.b, got, tt.lt)
		}
		if got := tt.a.LE(tt.b); got != tt.le {
			t.Errorf("%d.LE(%d) = %v, want %v", tt.a, tt.b, got, tt.le)
		}
		if got := tt.a.GT(tt.b); got != tt.gt {
			t.Errorf("%d.GT(%d) = %v, want %v", tt.a, tt.b, got, tt.gt)
		}
		if got := tt.a.GE(tt.b); got != tt.ge {
			t.Errorf("%d.GE(%d) = %v, want %v", tt.a, tt.b, got, tt.ge)
		}
	}
	for _, tt := range []struct {
		a    Seq
		n    int
		want Seq
	}{{0xfffe, 5, 3}, {0xffff, 1, 0}, {0, -1, 0xffff}, {100, 30000, 30100}} {
		if got := tt.a.Add(tt.n); got != tt.want {
			t.Errorf("%d.Add(%d) = %d, want %d", tt.a, tt.n, got, tt.want)
		}
	}
}

// TestWiresharkStep pins Wireshark's plain-integer rule around 2^16 and its
// differences from the modular order.
func TestWiresharkStep(t *testing.T) {
	tests := []struct {
		seq, last Seq
		step      Step
		behind    bool // WiresharkBehind, for packets out of timestamp sequence
	}{
		{seq: 6, last: 5, step: StepNext},
		{seq: 0, last: 0xffff, step: StepNext, behind: true}, // the wrap; behind when not in time
		{seq: 7, last: 5, step: StepJump},
		{seq: 1, last: 0xffff, step: StepJump, behind: true}, // 0 lost across the wrap
		{seq: 2, last: 0xfffe, step: StepJump, behind: true},
		{seq: 0xfe, last: 0xffff, step: StepJump, behind: true},   // last-seq = 0xff01 > 0xff00
		{seq: 0xff, last: 0xffff, step: StepBehind, behind: true}, // last-seq = 0xff00: taken as late
		{seq: 5, last: 5, step: StepBehind, behind: true},         // duplicate
		{seq: 3, last: 5, step: StepBehind, behind: true},         // late
		{seq: 40000, last: 0, step: StepJump},                     // modularly behind, ahead for Wireshark
		{seq: 30005, last: 5, step: StepJump},                     // a 30000 jump
		{seq: 0xffff, last: 0, step: StepJump},                    // an old packet from before the wrap
		{seq: 0, last: 0xfffe, step: StepJump, behind: true},
	}
	for _, tt := range tests {
		if got := tt.seq.WiresharkStep(tt.last); got != tt.step {
			t.Errorf("%d.WiresharkStep(%d) = %d, want %d", tt.seq, tt.last, got, tt.step)
		}
		if got := tt.seq.WiresharkBehind(tt.last); got != tt.behind {
			t.Errorf("%d.WiresharkBehind(%d) = %v, want %v", tt.seq, tt.last, got, tt.behind)
		}
	}
}
