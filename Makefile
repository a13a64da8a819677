# Clearway. `make run` starts the daemon on its embedded demo default;
# `make test` is what CI runs (after .ci/run installs the client tools).
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
GO      ?= go
export CGO_ENABLED = 1
LDFLAGS := -X main.version=$(VERSION)
DEMO_KEYS := var/demo-keys
DEMO_PARTNERS := acme fastclear erp tms compliance
PURE_PACKAGES := ./internal/lifecycle/ ./internal/spine/ ./internal/readiness/ ./internal/validate/ \
	./internal/codelist/ ./internal/mapping/ ./internal/csvx/ ./internal/xlsx/ ./internal/x12/ ./internal/fixed/ \
	./internal/dashboard/ ./internal/chart/ ./internal/governance/ ./internal/notify/ ./internal/clearway/ ./internal/housekeep/ \
	./internal/replay/ ./internal/retention/

.PHONY: build run test bench lint demo-keys demo-users clean

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/clearway ./cmd/clearway

# Demo partners' client keys are made on first run, never committed.
demo-keys:
	@mkdir -p $(DEMO_KEYS)
	@for p in $(DEMO_PARTNERS); do \
	  [ -f $(DEMO_KEYS)/$$p ] || ssh-keygen -q -t ed25519 -N '' -C "$$p-demo" -f $(DEMO_KEYS)/$$p; \
	done

# Demo users, one per role, on first run; passwords in var/demo-users.txt.
demo-users: build demo-keys
	@scripts/demo-users.sh

run: build demo-keys demo-users
	./bin/clearway serve --config config/clearway.yaml

test:
	$(GO) vet ./...
	@test -z "$$(gofmt -l cmd internal mappings 2>/dev/null)" || { gofmt -l cmd internal mappings; echo "gofmt needed"; exit 1; }
	$(GO) test -race -count=1 -timeout 20m ./...
	# The store's suite again, on a throwaway PostgreSQL (docs/cluster.md).
	CLEARWAY_STORE=postgres $(GO) test -race -count=1 ./internal/sqlite/
	# The domain and parser packages are pure: their tests build without cgo.
	CGO_ENABLED=0 $(GO) test -count=1 $(PURE_PACKAGES)

bench: build
	$(GO) test -run '^$$' -bench . -benchmem ./...
	CLEARWAY_BIN=./bin/clearway scripts/bench-ingest.sh
	STORE=postgres CLEARWAY_BIN=./bin/clearway scripts/bench-ingest.sh
	RUNS=5 SIZE_MB=256 CLEARWAY_BIN=./bin/clearway scripts/bench-sftp.sh
	RUNS=5 SIZE_MB=256 CLEARWAY_BIN=./bin/clearway scripts/bench-sftp-s3.sh

lint:
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

clean:
	rm -rf bin
