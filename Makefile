# upstat — see README.md. `make demo` runs offline; `make test` runs every test.
GO       ?= go
PKGS     ?= ./...
CONFIG   ?=
LISTEN   ?= 127.0.0.1:8080
FUZZTIME ?= 30s
BENCHTIME ?= 1s
LOADTEST_ARGS ?=

.PHONY: all build dist verify-service run demo test lint bench fuzz loadtest bench-load bench-cluster bench-peers catalogue clean

all: lint test

# -buildvcs=auto stamps the revision (`upstat version`) even under a
# GOFLAGS=-buildvcs=false.
build:
	$(GO) build -buildvcs=auto -o bin/upstat ./cmd/upstat

# Release binaries: static (no cgo), -trimpath, for every DIST_TARGETS
# GOOS/GOARCH, into dist/ with SHA256SUMS. The version, revision and commit
# time come from the checkout (`upstat version`).
DIST_TARGETS ?= linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64
SHA256SUM    ?= sha256sum
dist:
	rm -rf dist
	mkdir -p dist
	@set -e; for t in $(DIST_TARGETS); do \
	  os=$${t%/*}; arch=$${t#*/}; ext=""; \
	  if [ "$$os" = windows ]; then ext=.exe; fi; \
	  out=dist/upstat-$$os-$$arch$$ext; echo "== $$out"; \
	  CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -buildvcs=auto -trimpath -ldflags '-s -w' -o $$out ./cmd/upstat; \
	done
	cd dist && $(SHA256SUM) upstat-* > SHA256SUMS
	@cat dist/SHA256SUMS

# systemd-analyze verify deploy/upstat.service, against a freshly built
# binary in place of /usr/local/bin/upstat (needs systemd).
verify-service:
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(GO) build -o "$$tmp/upstat" ./cmd/upstat && \
	sed "s#/usr/local/bin/upstat#$$tmp/upstat#g" deploy/upstat.service > "$$tmp/upstat.service" && \
	systemd-analyze verify "$$tmp/upstat.service" && echo "deploy/upstat.service: ok"

# Watch the built-in vendor set (or CONFIG=upstat.yaml) on the internet.
run:
	$(GO) run ./cmd/upstat serve --listen $(LISTEN) $(if $(CONFIG),--config $(CONFIG))

# Offline: simulated vendors that change every few seconds.
demo:
	$(GO) run ./cmd/upstat demo --listen $(LISTEN)

test:
	$(GO) test -race -count=1 $(PKGS)

lint:
	$(GO) vet $(PKGS)
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	@if command -v staticcheck >/dev/null 2>&1; then staticcheck $(PKGS); fi

bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) $(PKGS)

# Every native fuzz target for FUZZTIME each (not part of `make test`).
# Only packages whose tests declare a Fuzz function are listed (listing
# compiles the tests); every target runs even after a failure, and the
# failures are named at the end. A crasher lands in testdata/fuzz/.
fuzz:
	@failed=""; n=0; \
	for entry in $$($(GO) list -f '{{.ImportPath}}={{.Dir}}' $(PKGS)); do \
	  pkg=$${entry%%=*}; dir=$${entry#*=}; \
	  grep -qs '^func Fuzz' $$dir/*_test.go || continue; \
	  list=$$($(GO) test -list '^Fuzz' $$pkg) || { failed="$$failed $$pkg(build)"; continue; }; \
	  for fz in $$(echo "$$list" | grep '^Fuzz'); do \
	    n=$$((n+1)); echo "== $$pkg $$fz"; \
	    $(GO) test -run '^$$' -fuzz "^$$fz$$" -fuzztime $(FUZZTIME) $$pkg || failed="$$failed $$pkg.$$fz"; \
	  done; \
	done; \
	echo "fuzz: $$n targets"; \
	if [ -n "$$failed" ]; then echo "fuzz: FAILED:$$failed"; exit 1; fi

# upstat in-process under 200 API clients and 1,000 event streams for 60s
# (not part of `make test`); e.g. LOADTEST_ARGS="-duration 10s -json".
loadtest:
	$(GO) run ./cmd/upstat-loadtest $(LOADTEST_ARGS)

# Polling load: N simulated vendors on 127.0.0.1, upstat serve polling them
# every INTERVAL, API load, bare-client floor; table + JSON (not part of
# `make test`). Defaults are a short smoke run; the issue's target run:
#   make bench-load BENCH_N=10000 BENCH_INTERVAL=30s BENCH_DURATION=120s
BENCH_N        ?= 1000
BENCH_INTERVAL ?= 30s
BENCH_DURATION ?= 60s
BENCH_ARGS     ?=
bench-load:
	$(GO) build -buildvcs=auto -o bin/upstat ./cmd/upstat
	$(GO) build -o bin/upstat-bench ./cmd/upstat-bench
	bin/upstat-bench run -upstat bin/upstat -n $(BENCH_N) -interval $(BENCH_INTERVAL) -duration $(BENCH_DURATION) -out bench-load.json $(BENCH_ARGS)

# The same load on PostgreSQL: CLUSTER_REPLICAS `upstat serve` replicas
# sharing a fresh schema in CLUSTER_DSN (dropped afterwards), API load
# spread over them, then CLUSTER_KILLS kill -9 of a replica (restarted
# each time) with the takeover time (not part of `make test`).
CLUSTER_DSN      ?= postgres://root@127.0.0.1:5432/test?sslmode=disable
CLUSTER_REPLICAS ?= 3
CLUSTER_KILLS    ?= 10
CLUSTER_LEASE    ?= 5s
bench-cluster:
	$(GO) build -buildvcs=auto -o bin/upstat ./cmd/upstat
	$(GO) build -o bin/upstat-bench ./cmd/upstat-bench
	bin/upstat-bench run -upstat bin/upstat -storage '$(CLUSTER_DSN)' -replicas $(CLUSTER_REPLICAS) -kills $(CLUSTER_KILLS) \
	  -lease-ttl $(CLUSTER_LEASE) -n $(BENCH_N) -interval $(BENCH_INTERVAL) -duration $(BENCH_DURATION) -out bench-cluster.json $(BENCH_ARGS)

# Rebuild catalogue/vendors.yaml and ids.txt from the public lists in
# CATALOGUE_SOURCES and catalogue/overlay.yaml; prints the count and the
# per-kind tally. Fails if a published id vanished without being retired.
CATALOGUE_SOURCES ?= ../shared/catalogue-sources
catalogue:
	$(GO) run ./cmd/catalogue-build -sources $(CATALOGUE_SOURCES) -dir catalogue

# Peer comparison (not part of `make test`): upstat and the burst floor,
# then each peer binary given by path (skipped when absent; nothing is
# downloaded), one at a time against the same simulated Statuspage
# vendors, at each of PEERS_N; CPU per poll, RSS.
#   make bench-peers GATUS=/path/to/gatus EXPORTER=/path/to/exporter
PEERS_N        ?= 500,2000
PEERS_INTERVAL ?= 10s
PEERS_DURATION ?= 30s
GATUS          ?=
EXPORTER       ?=
PEERS_ARGS     ?=
bench-peers:
	$(GO) build -o bin/upstat ./cmd/upstat
	$(GO) build -o bin/upstat-bench ./cmd/upstat-bench
	bin/upstat-bench peers -upstat bin/upstat -n $(PEERS_N) -interval $(PEERS_INTERVAL) -duration $(PEERS_DURATION) \
	  $(if $(GATUS),-gatus $(GATUS)) $(if $(EXPORTER),-exporter $(EXPORTER)) -out bench-peers.json $(PEERS_ARGS)

clean:
	rm -rf bin dist artifacts
