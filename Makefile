# deltalake.aws: the two commands are `make demo` and `make test`; everything else is a step of those.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
VERSION := $(shell sed -n 's/^version: *//p' galaxy.yml)
BUILD := build
TARBALL := $(BUILD)/deltalake-aws-$(VERSION).tar.gz
COLLECTIONS := $(BUILD)/collections
export ANSIBLE_COLLECTIONS_PATH := $(abspath $(COLLECTIONS))
export ANSIBLE_NOCOLOR := 1
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: demo test venv collection units sanity integration lint pytest molecule reliability reliability-fast docs changelog bench clean

## demo: set up everything, deploy the example lake into the local emulator, show idempotence, stop
demo: collection
	tests/ci/demo.sh

## test: everything CI runs
test: units sanity lint integration pytest molecule reliability-fast

venv: $(BIN)/.installed
$(BIN)/.installed: requirements-dev.txt requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-dev.txt -r requirements.txt
	touch $@

## collection: build the collection tarball and install it from that tarball into build/collections
collection: venv
	mkdir -p $(BUILD)
	$(BIN)/ansible-galaxy collection build --force --output-path $(BUILD) .
	$(BIN)/ansible-galaxy collection install --force --no-deps $(TARBALL) -p $(COLLECTIONS)

units: venv
	cd "$$(tests/ci/tree.sh)" && ansible-test units --local --python 3.11 --color no

sanity: venv
	cd "$$(tests/ci/tree.sh)" && ansible-test sanity --venv --python 3.11 --color no

integration: venv
	tests/ci/integration-shards.sh 2

lint: collection
	$(BIN)/ansible-lint --profile production
	$(BIN)/antsibull-changelog lint

pytest: collection
	$(BIN)/pytest -q -n 2 --dist load tests/emulator tests/e2e

## molecule: examples/full.yml converged, re-converged (idempotence), verified by reading AWS back, torn down
molecule: collection
	tests/ci/with-emulator.sh $(BIN)/molecule test

## bench: benchmark against the emulator and the amazon.aws baseline (slow, not in test); BENCH_ARGS="--repeat 1"
bench: collection
	$(BIN)/python bench/run.py --collections $(abspath $(COLLECTIONS)) $(BENCH_ARGS)

## reliability: the reliability and security suite (faults, crashes, check mode, read-only drift, bad input, data
## safety, secrets, posture), one line per area with its figures (docs/reliability.md)
reliability: collection
	$(BIN)/python tests/reliability/run.py

## reliability-fast: its slice in make test (a small lake, fewer trials; about 2 minutes)
reliability-fast: collection
	$(BIN)/python tests/reliability/run.py --fast

## docs: regenerate the generated documentation (module reference, lake configuration page) from the code
docs: collection
	$(BIN)/python docs/tools/reference.py $(abspath $(COLLECTIONS))
	$(BIN)/python docs/tools/lake_variables.py > docs/lake-configuration.md

## changelog: preview the next release's changelog in build/CHANGELOG.rst (antsibull-changelog release in a copy)
changelog: venv
	$(BIN)/python docs/tools/changelog_preview.py $(BUILD)/CHANGELOG.rst

clean:
	rm -rf $(BUILD) tests/output .ansible
