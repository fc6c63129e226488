# mvgen: the README's two commands are `make run` and `make test`.
SHELL := /bin/bash
GO    ?= go
BIN   := bin/mvgen
DATA  ?= ./mvgen-data
ADDR  ?= 127.0.0.1:8080

.PHONY: run test deps build lint bench clean

## run: install what is missing, build, create a demo key on first run, serve on the embedded default
run: deps build
	@DATA="$(DATA)" ADDR="$(ADDR)" BIN="$(BIN)" ./scripts/run.sh

## test: install what is missing and run every test
test: deps
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 30m ./...

## deps: ffmpeg, fonts and Go modules
deps:
	@./scripts/deps.sh

build:
	$(GO) build -o $(BIN) ./cmd/mvgen

## lint: gofmt, go vet
lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt: files above need formatting"; exit 1; }
	$(GO) vet ./...

## bench: the renderer's speed on this machine
bench: deps
	$(GO) test -run '^$$' -bench . -benchtime 1x ./internal/render/

clean:
	rm -rf bin
