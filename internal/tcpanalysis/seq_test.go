package tcpanalysis

import "testing"

func TestSeqWraparound(t *testing.T) {
	tests := []struct {
		a, b           Seq
		lt, le, gt, ge bool
		diff           int32
	}{
		{a: 1, b: 2, lt: true, le: true, diff: -1},
		{a: 2, b: 2, le: true, ge: true, diff: 0},
		{a: 0xffffffff, b: 0, lt: true, le: true, diff: -1},          // just before the wrap
		{a: 0, b: 0xffffffff, gt: true, ge: true, diff: 1},           // just after it
		{a: 0xfffffff0, b: 0x10, lt: true, le: true, diff: -0x20},    // across it
		{a: 0x7fffffff, b: 0, gt: true, ge: true, diff: 0x7fffffff},  // half the space ahead
		{a: 0x80000001, b: 0, lt: true, le: true, diff: -0x7fffffff}, // more than half: behind
		{a: 100, b: 0xffffff9c, gt: true, ge: true, diff: 200},       // 100 vs -100
		{a: 0xffffff9c, b: 100, lt: true, le: true, diff: -200},
	}
	for _, tt := range tests {
		if got := tt.a.LT(tt.b); got != tt.lt {
			t.Errorf("%#x.LT(%#x) = %v, want %v", uint32(tt.a), uint32(tt.b), got, tt.lt)
		}
		if got := tt.a.LE(tt.b); got != tt.le {
			t.Errorf("%#x.LE(%#x) = %v, want %v", uint32(tt.a), uint32(tt.b), got, tt.le)
		}
		if got := tt.a.GT(tt.b); got != tt.gt {
			t.Errorf("%#x.GT(%#x) = %v, want %v", uint32(tt.a), uint32(tt.b), got, tt.gt)
		}
		if got := tt.a.GE(tt.b); got != tt.ge {
			t.Errorf("%#x.GE(%#x) = %v, want %v", uint32(tt.a), uint32(tt.b), got, tt.ge)
		}
		if got := tt.a.Diff(tt.b); got != tt.diff {
			t.Errorf("%#x.Diff(%#x) = %d, want %d", uint32(tt.a), uint32(tt.b), got, tt.diff)
		}
	}
	if got := Seq(0xfffffffe).Add(5); got != 3 {
		t.Errorf("0xfffffffe.Add(5) = %d, want 3", got)
	}
}
