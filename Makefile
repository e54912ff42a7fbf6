# frappe — every target does its own set-up, so a fresh clone needs only `make run` or `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# System libraries: PortAudio for sounddevice; tmux drives the end-to-end test; jackd2 gives a
# paced (real-time) dummy sound server for the audio timing tests and benchmarks; postgresql
# gives initdb/pg_ctl for the room server the tests start (as root it runs as the system user
# frappe-pg, created by frappe on first use: initdb refuses root).
RUN_APT := libportaudio2
TEST_APT := libportaudio2 tmux jackd2 postgresql poppler-utils
# `make run` includes speech recognition (the trainer's draft generation, offline base model);
# `make run ASR=0` installs frappe without it (everything else works the same).
ASR ?= 1
RUN_EXTRAS := $(if $(filter 1,$(ASR)),[asr],)

.PHONY: run test bench lint sysdeps-run sysdeps-test bytecode clean help

help:
	@echo "make run    — installe tout (.venv, reconnaissance vocale comprise ; ASR=0 sans) et lance l'application"
	@echo "make test   — installe tout (+ dépendances de test) et lance la suite de tests"
	@echo "make bench  — mesures de performance"
	@echo "make lint   — ruff, mypy et les couches (import-linter)"

# Installs Debian packages when we are root with apt; otherwise says exactly what to install.
define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "frappe: installation des paquets système :$$missing"; \
		(DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null 2>&1 || \
		 (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing)) || \
		{ echo "frappe: échec de 'apt-get install$$missing'"; exit 1; }; \
	elif command -v dpkg >/dev/null 2>&1; then \
		echo "frappe: paquets système manquants :$$missing — installez-les : sudo apt-get install$$missing"; \
	else \
		echo "frappe: installez PortAudio (Fedora : sudo dnf install portaudio ; macOS : brew install portaudio)"; \
	fi
endef

sysdeps-run:
	$(call apt_install,$(RUN_APT))

sysdeps-test:
	$(call apt_install,$(TEST_APT))

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.run-installed-asr$(ASR): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.$(RUN_EXTRAS)'
	@touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test,dev,asr]'
	@touch $@ $(VENV)/.run-installed-asr0 $(VENV)/.run-installed-asr1

# The editable install leaves frappe's modules as sources, and with PYTHONDONTWRITEBYTECODE=1
# (common in CI and containers) Python then compiles all of them at every `frappe` command:
# a tenth of a second of each start-up. Compiled here as a wheel install would; a .pyc records
# its source's mtime and size, so one older than its source is never used (recompiled here on
# the next make, ~0.05 s when nothing changed).
bytecode: | $(BIN)/python
	$(BIN)/python -m compileall -q src benchmarks

run: sysdeps-run $(VENV)/.run-installed-asr$(ASR) bytecode
	$(BIN)/frappe

test: sysdeps-test $(VENV)/.test-installed bytecode
	$(BIN)/python -m pytest -q

bench: sysdeps-test $(VENV)/.test-installed bytecode
	$(BIN)/python -m benchmarks

lint: $(VENV)/.test-installed
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
