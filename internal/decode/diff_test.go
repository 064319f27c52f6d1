package decode_test

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
)

// diffValues lists the exported fields in which got differs from want, as
// "-path: want" / "+path: got" line pairs, or returns "" when they agree. It
// stands in for cmp.Diff, which this module does not depend on.
func diffValues(want, got any) string {
	var b strings.Builder
	diffValue(&b, "", reflect.ValueOf(want), reflect.ValueOf(got))
	return b.String()
}

func diffValue(b *strings.Builder, path string, w, g reflect.Value) {
	switch w.Kind() {
	case reflect.Struct:
		if w.Type().PkgPath() == "net/netip" {
			break // netip.Addr and friends are compared whole
		}
		for i := 0; i < w.NumField(); i++ {
			f := w.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			name := f.Name
			if path != "" {
				name = path + "." + name
			}
			diffValue(b, name, w.Field(i), g.Field(i))
		}
		return
	case reflect.Slice:
		if w.Type().Elem().Kind() == reflect.Uint8 {
			if !bytes.Equal(w.Bytes(), g.Bytes()) {
				fmt.Fprintf(b, "-%s: %s\n+%s: %s\n", path, short(w.Bytes()), path, short(g.Bytes()))
			}
			return
		}
		if !reflect.DeepEqual(w.Interface(), g.Interface()) {
			fmt.Fprintf(b, "-%s: %v\n+%s: %v\n", path, w.Interface(), path, g.Interface())
		}
		return
	}
	if !reflect.DeepEqual(w.Interface(), g.Interface()) {
		fmt.Fprintf(b, "-%s: %v\n+%s: %v\n", path, w.Interface(), path, g.Interface())
	}
}

// short formats bytes as hex, eliding the middle of long slices.
func short(p []byte) string {
	if p == nil {
		return "nil"
	}
	if len(p) > 24 {
		return fmt.Sprintf("%x…%x (%d bytes)", p[:12], p[len(p)-4:], len(p))
	}
	return fmt.Sprintf("%x", p)
}
