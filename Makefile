# The two commands of the README: `make run` and `make test`. Both can run again at any time.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
# The address in links of mail sent by jobs: where `make run` serves, unless SERVER_NAME says otherwise.
SERVER_NAME ?= $(HOST):$(PORT)
FLASK = WUTONG_ENV=development SERVER_NAME=$(SERVER_NAME) $(BIN)/flask --app incubator

.PHONY: run test lint install install-dev catalogues update-catalogues chromium bench-http bench-instructions

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

catalogues: $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d incubator/translations

install: $(VENV)/.installed catalogues

install-dev: $(VENV)/.installed-dev catalogues

## Install, migrate the embedded SQLite database, load the demo, start the scheduler and serve http://$(HOST):$(PORT)
## (default http://127.0.0.1:5000; choose with `make run PORT=8000 HOST=0.0.0.0 SERVER_NAME=host.lan:8000`)
run: install
	$(FLASK) db upgrade
	$(FLASK) demo load
	@$(FLASK) scheduler & scheduler=$$!; trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
		$(FLASK) run --host $(HOST) --port $(PORT)

# Debian's Chromium and ChromeDriver for the end-to-end tests (installed when running as root).
chromium:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
		else \
			echo "Chromium not found: run 'sudo apt-get install chromium chromium-driver' for the browser tests"; \
		fi; \
	fi

## Install and run the whole test suite (SQLite, and PostgreSQL when reachable; required with CI=true)
test: install-dev chromium lint
	$(BIN)/python -m pytest -n auto $(PYTEST_ARGS)

## Lint: ruff over the whole tree (see ruff.toml), then the import contracts between packages (see .importlinter)
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports

## After changing user-facing strings: extract them and update both catalogues
update-catalogues: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 --no-location --sort-output --ignore-dirs '.* __pycache__' \
		--project Wutong -o incubator/translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching -i incubator/translations/messages.pot -d incubator/translations
	$(BIN)/python -m incubator.core.catalogues fill-english incubator/translations/en/LC_MESSAGES/messages.po

## Whole-request HTTP benchmark against a bare-Flask floor (PostgreSQL on 127.0.0.1; installs wrk when root)
bench-http: install
	$(BIN)/python bench/served.py $(BENCH_ARGS)

## The same pages counted in instructions per request (valgrind's callgrind; the same count whatever the load)
bench-instructions: install
	$(BIN)/python bench/instructions.py --served $(BENCH_ARGS)
