# tcpviz — see README.md.
GO      ?= go
BIN     := bin/tcpviz
SAMPLE  ?= samples/rec_tbf_bulk.pcapng
DEMO    := artifacts/demo
# The ECharts library `tcpviz report` embeds (go:embed) and inlines into every
# page; downloaded from the npm registry, not committed.
ECHARTS := internal/report/assets/echarts.min.js

.PHONY: all build demo test vet samples clean fuzz echarts

all: build

# One static binary, to copy onto a jump host: without cgo. pflag and gopacket
# import net, which with cgo links the C library's resolver dynamically
# (cmd/tcpviz's TestMakeBuildIsStatic checks the result).
build: $(ECHARTS)
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN) ./cmd/tcpviz

# Fetch echarts@VERSION (pinned, checksummed) from the npm registry; again
# when scripts/fetch-echarts.sh changes its pin.
echarts: $(ECHARTS)
$(ECHARTS): scripts/fetch-echarts.sh
	bash scripts/fetch-echarts.sh $@

# Set-up command 1: build, analyse a shipped sample, print its summary and
# write its HTML report.
demo: build
	$(BIN) parse-pcap --in $(SAMPLE) --out $(DEMO)
	$(BIN) summary --in $(DEMO)
	$(BIN) report --in $(DEMO)

# Set-up command 2: the whole test suite (what .ci/run runs).
test: vet $(ECHARTS)
	$(GO) test -count=1 ./...

vet: $(ECHARTS)
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
fuzz: $(ECHARTS)
	@set -e; for f in $$(grep -l '^func Fuzz' $$(git ls-files 'internal/*_test.go' 2>/dev/null || find internal -name '*_test.go')); do \
	  pkg=./$$(dirname $$f); \
	  for fn in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' $$f); do \
	    echo "== $$fn in $$pkg for $(FUZZTIME)"; \
	    $(GO) test $$pkg -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 10s; \
	  done; \
	done

# Speed against tshark on the same generated capture, memory on a 10x longer
# one, and the Go benchmarks (README "Speed"). Captures are cached in bench/
# (git-ignored; ~1 GB and ~10 GB). Settings: BENCH_RUNS (5), BENCH_PACKETS
# (1M), BENCH_REPEAT (10), BENCH_SEED (1), BENCH_GOTEST=0 skips the Go
# benchmarks, BENCH_TSHARK_10X=1 runs tshark on the long capture too.
.PHONY: bench bench-profile pgo
bench: build
	GO=$(GO) TCPVIZ=$(BIN) bash scripts/bench.sh

# CPU profile of the whole parse-pcap pipeline (1 worker) over the 1x bench
# capture: bench/cpu.prof, top functions printed.
bench-profile:
	GO=$(GO) bash scripts/bench.sh profile

# Refresh cmd/tcpviz/default.pgo, the CPU profile go build optimises the
# binary with (profile-guided optimisation), from the bench captures.
pgo:
	GO=$(GO) bash scripts/bench.sh pgo

# The live-ring lab (needs root; part of `make test` when run as root): a real
# dumpcap ring of a real lossy transfer followed by the monitor, with packet
# counts checked against capinfos and alert latency logged.
.PHONY: lab-monitor
lab-monitor:
	$(GO) test -count=1 -v -run '^TestMonitorLiveRing$$' ./internal/monitor
