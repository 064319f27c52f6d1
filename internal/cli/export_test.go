package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExportCSV(t *testing.T) {
	dir := t.TempDir()
	ev := `{"schema":1,"ts":"2024-01-01T00:00:00.000000001Z","ts_epoch":1704067200.000000001,"frame":7,"type":"dup_ack","severity":"info","flow":"10.0.0.1:1 -> 10.0.0.2:2","stream":0,"proto":"tcp","src_ip":"10.0.0.1","src_port":1,"dst_ip":"10.0.0.2","dst_port":2,"seq":1,"ack":2,"len":0,"extra":{"dup_ack_count":1,"sack":[[1,2]]}}
{"schema":1,"ts":"2024-01-01T00:00:01Z","ts_epoch":1704067201,"frame":9,"type":"loss_infer","severity":"warn","flow":"10.0.0.1:1 -> 10.0.0.2:2","stream":0,"proto":"tcp","src_ip":"10.0.0.1","src_port":1,"dst_ip":"10.0.0.2","dst_port":2,"seq":1,"ack":2,"len":0,"extra":{"reason":"say \"hi\", twice\nplease"}}
`
	fl := `{"proto":"tcp","stream":0,"src_ip":"10.0.0.1","src_port":1,"dst_ip":"10.0.0.2","dst_port":2,"first_ts":1704067200,"last_ts":1704067201,"rtt_ms":{"samples":3,"min":1.5},"events":{"dup_ack":1}}
`
	if err := os.WriteFile(filepath.Join(dir, "events.jsonl"), []byte(ev), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "flows.jsonl"), []byte(fl), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"export", "--in", dir, "--format", "csv"}, IO{Out: &out, ErrOut: &errOut})
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	want := filepath.Join(dir, "events.csv") + "\n" + filepath.Join(dir, "flows.csv") + "\n"
	if out.String() != want {
		t.Errorf("stdout = %q, want %q", out.String(), want)
	}
	read := func(name string) [][]string {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, err := csv.NewReader(f).ReadAll()
		if err != nil {
			t.Fatalf("%s is not valid RFC 4180: %v", name, err)
		}
		return rows
	}
	evs := read("events.csv")
	if got := strings.Join(evs[0], ","); got != "schema,ts,ts_epoch,frame,type,severity,flow,stream,proto,src_ip,src_port,dst_ip,dst_port,seq,ack,len,extra.dup_ack_count,extra.reason,extra.sack" {
		t.Errorf("events header = %s", got)
	}
	if len(evs) != 3 || evs[1][3] != "7" || evs[1][18] != "[[1,2]]" || evs[2][17] != "say \"hi\", twice\nplease" {
		t.Errorf("events rows = %q", evs[1:])
	}
	fls := read("flows.csv")
	if got := strings.Join(fls[0], ","); got != "proto,stream,src_ip,src_port,dst_ip,dst_port,first_ts,last_ts,events.dup_ack,rtt_ms.min,rtt_ms.samples" {
		t.Errorf("flows header = %s", got)
	}
	if fls[1][9] != "1.5" || fls[1][6] != "1704067200" {
		t.Errorf("flows row = %q", fls[1])
	}

	code = run(context.Background(), []string{"export", "--in", dir, "--format", "xml"}, IO{Out: &out, ErrOut: &errOut})
	if code != ExitUsage {
		t.Errorf("--format xml exit %d, want %d", code, ExitUsage)
	}
}
