package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// fmtFloat formats v in the fewest digits that read back as v.
func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// count formats n with thin thousands separators: 1 000 000.
func count(n uint64) string {
	s := strconv.FormatUint(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString("\u202f")
		}
		b.WriteRune(c)
	}
	return b.String()
}

// duration formats seconds in the largest unit that keeps a whole number
// where it can: 500 µs, 20 ms, 1.5 s, 2 h 5 min.
func duration(s float64) string {
	switch {
	case s <= 0:
		return "0 s"
	case s < 1e-3:
		return fmtFloat(roundSig(s*1e6, 4)) + " µs"
	case s < 1:
		return fmtFloat(roundSig(s*1e3, 4)) + " ms"
	case s < 120:
		return fmtFloat(roundSig(s, 4)) + " s"
	case s < 7200:
		return fmt.Sprintf("%d min %d s", int(s)/60, int(math.Round(s))%60)
	}
	return fmt.Sprintf("%d h %d min", int(s)/3600, int(s)%3600/60)
}

// size formats a byte count: 6.76 MB.
func size(n uint64) string {
	div, unit := scaled(float64(n), "bytes", "kB", "MB", "GB", "TB")
	if div == 1 {
		return fmt.Sprintf("%d bytes", n)
	}
	return fmtFloat(roundSig(float64(n)/div, 3)) + " " + unit
}

// list joins names as prose: "a", "a and b", "a, b and c".
func list(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// ms formats milliseconds for the tables: 3 decimals, "–" when absent.
func ms(v float64, ok bool) string {
	if !ok {
		return "–"
	}
	return strconv.FormatFloat(v, 'f', 3, 64)
}

// plural is "1 flow", "2 flows".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return count(uint64(n)) + " " + noun + "s"
}

// shown says how many of total things a chart or table holds: "the only
// flow", "all 3 flows", "50 of the 1 200 flows".
func shown(n, total int, noun string) string {
	switch {
	case n == 1 && total == 1:
		return "the only " + noun
	case n == total:
		return "all " + plural(n, noun)
	}
	return count(uint64(n)) + " of the " + plural(total, noun)
}
