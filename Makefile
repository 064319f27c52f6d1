# tcpviz — see README.md.
GO      ?= go
BIN     := bin/tcpviz
SAMPLE  ?= samples/rec_tbf_bulk.pcapng
DEMO    := artifacts/demo

.PHONY: all build demo test vet samples clean fuzz

all: build

build:
	$(GO) build -trimpath -o $(BIN) ./cmd/tcpviz

# Set-up command 1: build, analyse a shipped sample, print its summary.
demo: build
	$(BIN) parse-pcap --in $(SAMPLE) --out $(DEMO)
	$(BIN) summary --in $(DEMO)

# Set-up command 2: the whole test suite (what .ci/run runs).
test: vet
	$(GO) test -count=1 ./...

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	$(GO) vet ./...

# Regenerate the scripted samples (deterministic).
samples:
	$(GO) run ./scripts/gensamples -out samples

clean:
	rm -rf bin artifacts/session_* $(DEMO)

# Every native fuzz test in the tree, each for FUZZTIME (go test -fuzz runs one
# target at a time). Inputs that fail are kept under the package's
# testdata/fuzz/ and replayed by every plain `go test`.
FUZZTIME ?= 1m
fuzz:
	@set -e; for f in $$(grep -l '^func Fuzz' $$(git ls-files 'internal/*_test.go' 2>/dev/null || find internal -name '*_test.go')); do \
	  pkg=./$$(dirname $$f); \
	  for fn in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' $$f); do \
	    echo "== $$fn in $$pkg for $(FUZZTIME)"; \
	    $(GO) test $$pkg -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME); \
	  done; \
	done

# The live-ring lab (needs root; part of `make test` when run as root): a real
# dumpcap ring of a real lossy transfer followed by the monitor, with packet
# counts checked against capinfos and alert latency logged.
.PHONY: lab-monitor
lab-monitor:
	$(GO) test -count=1 -v -run '^TestMonitorLiveRing$$' ./internal/monitor
