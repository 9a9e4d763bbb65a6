# The two commands: `make run` (portal with demo data) and `make test` (lint + whole suite,
# on SQLite and again on PostgreSQL). Everything they need is installed from here.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PG_URL ?= postgres://postgres@127.0.0.1:5432/madoguchi
# The settings refuse the built-in secret key whenever DEBUG is off: steps that sign nothing
# that outlives them get a throwaway one (`make run` keeps its own in var/secret-key).
THROWAWAY_KEY = DJANGO_SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')"

.PHONY: run test setup browser-deps server-deps lint check-deploy test-sqlite test-postgres bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "madoguchi needs Python 3.11 or newer ($(PYTHON) is $$($(PYTHON) --version))"; exit 1; }
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || { \
		echo "installing python3-venv with apt-get"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq python3-venv >/dev/null; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

# Debian's Chromium (Playwright cannot download a browser here) and Japanese fonts.
browser-deps:
	@if ! command -v chromium >/dev/null || ! dpkg -s fonts-noto-cjk >/dev/null 2>&1; then \
		echo "installing chromium and fonts-noto-cjk with apt-get"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	fi

# Debian's FreeRADIUS and Dovecot with their SQLite and PostgreSQL drivers: the server tests
# (pytest -m servers) run them on loopback with the configuration in deploy/.
SERVER_PACKAGES := freeradius freeradius-utils freeradius-postgresql dovecot-core dovecot-sqlite dovecot-pgsql
server-deps:
	@installed="$$(dpkg-query -W -f='$${Status}\n' $(SERVER_PACKAGES) 2>/dev/null | grep -c 'ok installed$$')"; \
	if [ "$$installed" != "$(words $(SERVER_PACKAGES))" ]; then \
		echo "installing $(SERVER_PACKAGES) with apt-get"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(SERVER_PACKAGES) >/dev/null; \
	fi

run: setup
	bin/run-local

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

check-deploy: setup
	$(THROWAWAY_KEY) $(BIN)/python manage.py makemigrations --check --dry-run >/dev/null
	env $$(grep -v '^#' docs/production.env | xargs) $(THROWAWAY_KEY) \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

# The suite runs in one process per core (pytest-xdist; each has its own test database).
PYTEST := $(BIN)/pytest -n auto --maxprocesses=4

test-sqlite: setup browser-deps server-deps
	env -u DATABASE_URL $(PYTEST)

test-postgres: setup browser-deps server-deps
	@url="$${DATABASE_URL:-$(PG_URL)}"; \
	if $(BIN)/python bin/pg-reachable "$$url"; then \
		echo "== PostgreSQL: $$url"; DATABASE_URL="$$url" $(PYTEST); \
	elif [ -n "$$REQUIRE_POSTGRES" ]; then \
		echo "PostgreSQL is required (REQUIRE_POSTGRES=1) but $$url is not reachable"; exit 1; \
	else \
		echo "PostgreSQL not reachable at $$url: skipped (set REQUIRE_POSTGRES=1 to fail instead)"; \
	fi

test: lint check-deploy test-sqlite test-postgres

# bench/run.py on a temporary SQLite database, then the fan-out (bench/delivery.py) on a
# throw-away PostgreSQL database of the DATABASE_URL server against Postfix's smtp-sink,
# unpacked from Debian's package with `apt-get download` (nothing installed).
# N=1000000 make bench: the full run (default N=200000).
bench: setup
	$(THROWAWAY_KEY) $(BIN)/python bench/run.py
	DATABASE_URL="$${DATABASE_URL:-$(PG_URL)}" $(THROWAWAY_KEY) $(BIN)/python bench/delivery.py

clean:
	rm -rf $(VENV) var
