# tcpviz — see README.md.
GO      ?= go
BIN     := bin/tcpviz
SAMPLE  ?= samples/rec_tbf_bulk.pcapng
DEMO    := artifacts/demo

.PHONY: all build demo test vet samples clean

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
