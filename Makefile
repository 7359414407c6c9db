# Two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-10)

.PHONY: install demo test lint imports architecture typecheck unit bench mutation clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Re-installs whenever pyproject.toml changes (the stamp carries its hash).
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

DATA := ../shared/data

# The decisions demo, the Pierce County replay, then a desk built from nothing with those
# bookings replayed as events: it prints the URL and a token, and serves when run in a terminal.
demo: install
	$(BIN)/detainer-desk demo
	@if [ -d $(DATA)/pierce ]; then $(BIN)/detainer-desk replay $(DATA)/pierce \
	  --policy actual --policy denver@2017-09-28 --policy texas@2017-09-28 && \
	  $(BIN)/detainer-desk replay $(DATA)/travis --mapping travis \
	  --policy actual --policy texas@2016-06-01 --policy texas@2017-09-28 && \
	  $(BIN)/detainer-desk demo-desk $(DATA)/pierce --home .detainer-desk-demo \
	  $$( [ -t 0 ] && echo --serve ); fi

# Browser tests drive Debian's chromium; install it when missing (CI runs as root).
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@(command -v apt-get >/dev/null && (apt-get install -y -q chromium >/dev/null 2>&1 || \
	  (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1))) || \
	  echo "warning: could not install chromium: the browser tests will say they did not run"

lint: install
	$(BIN)/ruff check src tests bench conftest.py
	$(BIN)/ruff format --check src tests bench conftest.py

# The layers written down in pyproject.toml ([tool.importlinter]), checked on every import.
imports: install
	$(BIN)/lint-imports --no-logo

# docs/architecture.md's picture, drawn again from the contracts and the import graph.
architecture: install
	$(BIN)/python docs/draw_layers.py

typecheck: install
	$(BIN)/mypy

unit: install $(CHROMIUM)
	$(BIN)/pytest -q

test: lint imports typecheck unit

bench: install
	$(BIN)/python -m bench.run

# Mutation testing of the core, one module at a time with its own tests (not part of `make test`;
# minutes per module on 2 cores). `make mutation MODULES="law.hold_limit desk.outbox"` runs some.
mutation: install
	$(BIN)/python -m tests.mutation $(MODULES)

clean:
	rm -rf $(VENV) build mutants .detainer-desk-demo *.egg-info src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
