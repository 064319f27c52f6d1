package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestDeterministic generates every capture twice and checks the bytes are
// identical, and identical to the copies in samples/ (regenerate those with
// go run ./scripts/genrtp -out samples when the generator changes).
func TestDeterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	names, err := generate(a)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := generate(b); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		x, err := os.ReadFile(filepath.Join(a, n))
		if err != nil {
			t.Fatal(err)
		}
		y, err := os.ReadFile(filepath.Join(b, n))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(x, y) {
			t.Errorf("%s: two runs differ", n)
		}
		committed, err := os.ReadFile(filepath.Join("..", "..", "samples", n))
		if err != nil {
			t.Errorf("%s: %v", n, err)
			continue
		}
		if !bytes.Equal(x, committed) {
			t.Errorf("samples/%s is stale: run go run ./scripts/genrtp -out samples", n)
		}
	}
}
