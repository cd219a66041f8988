# Sparrow build and test entry points. `make demo` and `make test` are the two
# commands README.md promises work on a fresh machine.
GO ?= go
STATICCHECK_VERSION ?= v0.8.2
DEMO_ADDR ?= 127.0.0.1:8080
# The engine's AVX-512 kernels are built with GOEXPERIMENT=simd (amd64 only;
# they check the CPU at run time and fall back to the portable code): the
# binaries that serve and benchmark use them, as docs/BENCHMARKS.md measured.
SIMD := $(if $(filter amd64,$(shell $(GO) env GOARCH)),GOEXPERIMENT=simd,)

.PHONY: demo test test-long lint check deps model bench build

build:
	$(GO) build ./...

# Index the bundled demo corpus with the bundled default model and serve it as
# index "demo" (DEMO_FLAGS adds searchd flags, e.g.
# DEMO_FLAGS='--opensearch-addr 127.0.0.1:9200'). Built in the default
# configuration (no GOEXPERIMENT), the one README's `go run` lines use, so
# those reuse this build instead of compiling everything again; the demo's 500
# documents do not need the SIMD kernels. -v names each package as it compiles:
# from a cold cache this is the ~2 minute step.
DEMO_FLAGS ?=
demo:
	@echo "demo: compiling indexer and searchd into .cache/bin (from a cold build cache about 2 minutes on 2 cores; packages listed as they compile)"
	$(GO) build -v -o .cache/bin/ ./cmd/indexer ./cmd/searchd
	.cache/bin/indexer build --corpus testdata/demo/corpus.jsonl --index .demo/demo --force
	@echo "demo: serving index \"demo\" on http://$(DEMO_ADDR)/ (Ctrl-C stops)"
	.cache/bin/searchd --data .demo --addr $(DEMO_ADDR) $(DEMO_FLAGS)

# Fetch what tests need from the registries (ONNX Runtime from npm, Chromium from Debian).
deps:
	bash scripts/deps.sh

# The SIMD kernels (GOEXPERIMENT=simd, AVX-512) and their portable fallbacks
# run the same tests: the default build covers the fallback, the second line the
# SIMD build of the packages that have kernels.
# scripts/compile-progress.sh compiles first with a line every few packages:
# go test itself is silent while it compiles (minutes from a cold cache), then
# prints one line per package as each finishes. docs/BENCHMARKS.md "Test suite
# time" has the measured times; the heavy suites run in full under test-long.
test: deps
	@bash scripts/compile-progress.sh -race ./...
	$(GO) test -race -count=1 -timeout 40m ./...
	@GOEXPERIMENT=simd bash scripts/compile-progress.sh -race ./scoring/... ./index/segment/...
	GOEXPERIMENT=simd $(GO) test -race -count=1 -timeout 20m ./scoring/... ./index/segment/...
	@bash scripts/compile-progress.sh ./encoder/...
	$(GO) test -count=1 -run 'Allocs' ./encoder/... # allocation counts: not under -race (its sync.Pool drops items)

# Heavy suites outside the fast path (SPARROW_TEST_LONG=1; no -race, full counts):
# the fault-injection trials (1,000 corruption trials, 200 kill -9 trials, 10 disk
# fills on a tmpfs when run as root, bm25 damage trials; docs/BENCHMARKS.md
# "Reliability"), the kill -9 tests of indexer build, searchd and collection, the
# generated malformed-request suite. The soak runs separately:
# SPARROW_SOAK=30m go test -run Soak ./index/
test-long:
	SPARROW_TEST_LONG=1 $(GO) test -count=1 -timeout 90m ./...

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	GOEXPERIMENT=simd $(GO) vet ./scoring/... ./index/segment/...
	@echo "lint: staticcheck $(STATICCHECK_VERSION) (its first run compiles it: about a minute)"
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

check: lint test

# Train the bundled default model on visible data only (never a test split).
model:
	bash scripts/train-default-model.sh

bench:
	$(SIMD) $(GO) run ./bench --docs 1000000 --queries 1000 --json docs/bench-1m.json
