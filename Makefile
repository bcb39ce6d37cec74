# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
FLASK  := $(BIN)/flask --app app

.PHONY: install run dev test lint bench load browser translations clean-index

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

# Installs the project, its test tools and locust into .venv; cheap when nothing changed.
$(VENV)/.installed: $(BIN)/activate setup.cfg pyproject.toml
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,load]'
	touch $@

install: $(VENV)/.installed translations

translations: $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d app/translations >/dev/null

run: install
	$(FLASK) init-db
	$(FLASK) import-cases cases
	$(FLASK) check-index
	PORT=$(PORT) $(BIN)/gunicorn 'app:create_app()'

# Flask's development server with the reloader, for working on the code.
dev: install
	$(FLASK) init-db
	$(FLASK) import-cases cases
	$(FLASK) check-index
	$(FLASK) run --debug --port $(PORT)

# Debian's Chromium for the real-browser tests (needs root; skipped otherwise) and axe-core from
# package-lock.json for the accessibility test (needs npm).
browser:
	@scripts/ensure-chromium
	@scripts/ensure-axe

test: install browser
	$(BIN)/python -m pytest

# The linter (with a complexity limit) and the type check that .ci/run runs before the tests.
lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

# Pages over HTTP against gunicorn, worker memory, change propagation; corpora are kept in .bench/.
BENCH_SIZES ?= 1000 10000 50000
bench: install
	$(BIN)/python scripts/relevance.py
	$(BIN)/python scripts/bench.py --sizes $(BENCH_SIZES)

# locust, headless, against gunicorn on loopback: at most LOAD_TIME and LOAD_REQUESTS requests.
LOAD_SIZE     ?= 10000
LOAD_USERS    ?= 20
LOAD_TIME     ?= 60s
LOAD_REQUESTS ?= 30000
load: install
	$(BIN)/python scripts/load.py --size $(LOAD_SIZE) --users $(LOAD_USERS) --run-time $(LOAD_TIME) \
		--max-requests $(LOAD_REQUESTS)

clean-index:
	find search_index -mindepth 1 ! -name .gitkeep ! -name README.md -exec rm -rf {} +
