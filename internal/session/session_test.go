package session

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestCreateNamesAndSuffixes(t *testing.T) {
	base := t.TempDir()
	now := time.Date(2026, 11, 23, 9, 5, 7, 0, time.UTC)
	var got []string
	for i := 0; i < 3; i++ {
		d, err := Create(base, "", now)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, filepath.Base(d))
	}
	want := []string{"session_20261123_090507", "session_20261123_090507_2", "session_20261123_090507_3"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("directory %d = %s, want %s", i, got[i], want[i])
		}
	}
	explicit := filepath.Join(base, "x", "y")
	if d, err := Create(base, explicit, now); err != nil || d != explicit {
		t.Errorf("Create with --out = %q, %v", d, err)
	}
}

func TestCreateErrorNamesPathOnce(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Create("", filepath.Join(file, "sub"), time.Now())
	if err == nil {
		t.Fatal("creating a directory under a file succeeded")
	}
	if n := strings.Count(err.Error(), filepath.Join(file, "sub")); n != 1 || strings.Contains(err.Error(), "mkdir") {
		t.Errorf("error names the requested path %d times or leaks the syscall: %v", n, err)
	}
	if !strings.HasSuffix(err.Error(), file+": not a directory") {
		t.Errorf("error does not say which part of the path is wrong: %v", err)
	}
}

func TestResolve(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := Resolve(dir); err == nil || !strings.Contains(err.Error(), EventsFile) {
		t.Errorf("Resolve of a directory without events = %v", err)
	}
	ev := filepath.Join(dir, EventsFile)
	if err := os.WriteFile(ev, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{dir, ev} {
		d, e, err := Resolve(in)
		if err != nil || d != dir || e != ev {
			t.Errorf("Resolve(%s) = %s, %s, %v", in, d, e, err)
		}
	}
}
