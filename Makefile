# One-command set-up: every target below builds .venv from the pinned lock file first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test docs bench lock clean

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m openbmd.warmup  # numba's cache and the fly-out tables', warm: the first command pays no compilation
	touch $(STAMP)

demo: setup
	mkdir -p out
	$(BIN)/python -m openbmd.demo out

test: setup
	$(BIN)/python -m pytest -n 2 -q

# The documentation site, offline (nothing fetched): site/index.html.
docs: setup
	$(BIN)/python -m mkdocs build --strict

bench: setup
	mkdir -p out
	$(BIN)/python -m bench out/bench.json

# Re-pin after changing dependencies in pyproject.toml.
lock:
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m pip freeze --all --exclude-editable | grep -v -e '^openbmd' -e '^pip==' > requirements.lock

clean:
	rm -rf $(VENV) out site
