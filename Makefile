# mvgen: the README's two commands are `make run` and `make test`.
SHELL := /bin/bash
GO    ?= go
BIN   := bin/mvgen
DATA  ?= ./mvgen-data
ADDR  ?= 127.0.0.1:8080

.PHONY: run test chaos deps build lint bench fuzz clean

## run: install what is missing, build, create a demo key on first run, serve on the embedded default
run: deps build
	@DATA="$(DATA)" ADDR="$(ADDR)" BIN="$(BIN)" ./scripts/run.sh

## test: install what is missing (ffmpeg, fonts, Chromium, PostgreSQL), run every test on SQLite and
## PostgreSQL (the fault suite at its small size included), then every fuzz target briefly
test: deps
	$(GO) vet ./...
	CGO_ENABLED=0 $(GO) build -o /dev/null ./cmd/mvgen # a build without libx264 (ffmpeg encoders) compiles too
	@dsn="$${MVGEN_TEST_POSTGRES:-}"; [ -n "$$dsn" ] || dsn=$$(./scripts/postgres.sh) || exit 1; \
	echo "MVGEN_TEST_POSTGRES=$$dsn go test -count=1 -timeout 30m ./..."; \
	MVGEN_TEST_POSTGRES="$$dsn" $(GO) test -count=1 -timeout 30m ./...
	@$(MAKE) --no-print-directory fuzz FUZZTIME=$${MVGEN_TEST_FUZZTIME:-20000x}

## fuzz: run every fuzz target for FUZZTIME each (their seed corpora also run in `make test`).
## FUZZTIME counts executions (Nx): a duration (10s) can fail a target with "context deadline
## exceeded" when it ends while a worker is busy, a race in Go's fuzzing coordinator before Go
## 1.27 (golang/go#75804), which flaked CI once; a count has no deadline.
FUZZTIME ?= 200000x
FUZZ_TARGETS := ./webhook:FuzzVerify ./webhook:FuzzParseEvent ./internal/blob/s3:FuzzParseURL \
	./internal/delivery:FuzzParseRetryAfter ./internal/render/source:FuzzReadCoverHeader ./internal/render/source:FuzzParseProbe \
	./internal/netguard:FuzzControl ./internal/netguard:FuzzCheckURL ./internal/link:FuzzCheck \
	./internal/receiver:FuzzHandler ./internal/receiver:FuzzOrigin ./internal/receiver:FuzzLinkTask \
	./internal/api:FuzzRequestDecoding ./internal/lyrics:FuzzParseLRC ./internal/lyrics:FuzzParseTimestamped \
	./internal/upstream:FuzzParseRecord ./client:FuzzParseTime ./client:FuzzParseContentRange
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "go test $${t%%:*} -fuzz ^$${t##*:}\$$ -fuzztime $(FUZZTIME)"; \
		$(GO) test "$${t%%:*}" -run '^$$' -fuzz "^$${t##*:}\$$" -fuzztime $(FUZZTIME); \
	done

## chaos: the fault suite at full size (50 tasks, 5 SIGKILLs on SQLite and on PostgreSQL, 30 s outages)
chaos: deps
	@dsn="$${MVGEN_TEST_POSTGRES:-}"; [ -n "$$dsn" ] || dsn=$$(./scripts/postgres.sh) || exit 1; \
	MVGEN_CHAOS=full MVGEN_TEST_POSTGRES="$$dsn" $(GO) test -count=1 -timeout 90m -v \
		-run 'TestFault|TestCrashLimit|TestSlowSource' ./internal/server/ | grep -E '^(---|FAIL|ok|PASS)|fault figures'

## deps: ffmpeg, fonts and Go modules
deps:
	@./scripts/deps.sh

## build: bin/mvgen; VERSION names the release `mvgen version` prints (make build VERSION=1.4.0), and the
## commit comes from git (go build stamps it itself, except in a git worktree, where .git is a file)
VERSION ?= dev
LDFLAGS = -X main.version=$(VERSION) -X main.commit=$(shell git rev-parse HEAD 2>/dev/null) \
	-X main.modified=$(shell git status --porcelain 2>/dev/null | grep -q . && echo true || echo false)
build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/mvgen

## lint: gofmt, go vet, staticcheck
lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt: files above need formatting"; exit 1; }
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

## bench: render speed, callback latency and throughput, API throughput, idle memory
bench: deps
	@./scripts/bench.sh

clean:
	rm -rf bin
