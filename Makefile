# RightsSearch: `make run` sets up and serves, `make test` runs the whole test suite
# (`make test-fast`: the part that needs no model, in about a minute).
# Both create the virtual environment themselves and reuse it (and the data) on later runs.

PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
DATA   ?= data
HOST   ?= 127.0.0.1
PORT   ?= 8000
# JSON Lines files to import instead of crawling, e.g. IMPORT="../shared/data/corpora/*.jsonl"
IMPORT ?=
# What `make run` crawls when IMPORT is empty: every profile in corpus/sources.toml, a few hundred
# articles a run (each run resumes where the last one stopped).
CRAWL_ARGS ?= --max-pages 300

export HF_HUB_OFFLINE := 1
export RIGHTSSEARCH_DATA := $(DATA)

.PHONY: run test test-fast setup setup-dev browser axe

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

setup: $(VENV)/.installed

setup-dev: $(VENV)/.installed-dev

# Headless Chromium for the browser tests, from Debian's packages.
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  (apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null)

# axe-core for the accessibility checks of the browser tests, at the version package-lock.json pins.
axe: node_modules/axe-core/axe.min.js

node_modules/axe-core/axe.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	touch $@

run: setup
	@if [ -n "$(IMPORT)" ]; then $(PY) -m corpus import $(IMPORT); \
	 else $(PY) -m corpus crawl $(CRAWL_ARGS); fi
	$(PY) -m indexer update
	$(PY) -m search_app --host $(HOST) --port $(PORT)

# pytest exits 5 when it collected no test: that fails the run like a failed test does.
PYTEST_EXIT = rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing on purpose" >&2; exit 1; fi; \
	  exit $$rc

test: setup-dev browser axe
	$(PY) -m pytest $(PYTEST_ARGS); $(PYTEST_EXIT)

# Everything that needs neither the model nor a browser (tests not marked slow or browser): about a minute.
test-fast: setup-dev
	$(PY) -m pytest -m "not slow and not browser" $(PYTEST_ARGS); $(PYTEST_EXIT)
