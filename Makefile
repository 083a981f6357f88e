# Thin wrappers: the real work is in scripts/, which also runs without make (see README).
PYTHON ?= python3
VENV_PY := .venv/bin/python

.PHONY: setup run test test-long test-packaging bench package clean

setup:
	$(PYTHON) scripts/setup.py

run: setup
	.venv/bin/librarian $(ARGS)

test: setup
	$(VENV_PY) scripts/test.py $(PYTEST_ARGS)

# The long tier: real-part runs of a minute or more (training, whole corpora, kill and resume),
# then the GUI stall measurements, alone.
test-long: setup
	$(VENV_PY) scripts/test.py --long

# The packaging tier: builds the bundle and the .deb, installs, launches, uninstalls (root).
test-packaging: setup
	$(VENV_PY) scripts/test.py --packaging

bench: setup
	$(VENV_PY) -m bench.startup
	$(VENV_PY) -m bench.responsiveness
	$(VENV_PY) -m bench.embedding
	$(VENV_PY) -m bench.indexing
	$(VENV_PY) -m bench.retrieval ../shared/eval/qa/xquad-en-dev
	$(VENV_PY) -m bench.ocr

# The installable app in dist/: bundle, .deb and per-user archive on Linux (see packaging/).
package: setup
	$(VENV_PY) packaging/build.py $(ARGS)

clean:
	rm -rf .venv .pytest_cache .mypy_cache .ruff_cache build dist
