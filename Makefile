# Yiwang — two commands: `make run` and `make test` (see README.md).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: run test lint typecheck pytest pytest-services messages bench clean

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

var:
	mkdir -p var

## make run: set up and serve the platform with the demo district on SQLite, in demo mode (YIWANG_DEMO=true:
## the "演示环境" banner, the demo SMS outbox and the demo accounts; never for real people)
run: export YIWANG_DEMO = true
run: $(BIN)/.installed var
	$(BIN)/yiwang migrate --no-input
	$(BIN)/yiwang createcachetable
	$(BIN)/yiwang collectstatic --no-input --verbosity 0
	$(BIN)/yiwang demo load
	PORT=$(PORT) HTTPS_ONLY=false $(BIN)/yiwang serve

## make test: lint, type-check, and the whole suite on SQLite (and on PostgreSQL + Redis when reachable)
test: $(BIN)/.installed lint typecheck pytest pytest-services

lint: $(BIN)/.installed
	$(BIN)/ruff check yiwang tests bench
	$(BIN)/ruff format --check yiwang tests bench

typecheck: $(BIN)/.installed
	$(BIN)/mypy yiwang

pytest: $(BIN)/.installed var
	$(BIN)/pytest

# The same suite against the production services. Under CI=true they are required.
pytest-services: $(BIN)/.installed var
	@if $(BIN)/python -m yiwang.core.services_reachable "$(PG_URL)" "$(REDIS_URL)"; then \
		echo "== PostgreSQL + Redis reachable: running the suite on them =="; \
		DATABASE_URL="$(PG_URL)" QUEUE=redis REDIS_URL="$(REDIS_URL)" $(BIN)/pytest; \
	elif [ "$$CI" = "true" ]; then \
		echo "CI=true: PostgreSQL ($(PG_URL)) and Redis ($(REDIS_URL)) are required but unreachable" >&2; exit 1; \
	else \
		echo "== SKIPPED: PostgreSQL ($(PG_URL)) or Redis ($(REDIS_URL)) unreachable; suite ran on SQLite only =="; \
	fi

## make messages: refresh the translation catalogues after changing user-facing strings
messages: $(BIN)/.installed
	for app in yiwang/*/locale; do \
		(cd $$(dirname $$app) && DJANGO_SETTINGS_MODULE= ../../$(BIN)/django-admin makemessages -l zh_Hans \
			--no-obsolete --no-location --ignore 'migrations/*' && \
		 DJANGO_SETTINGS_MODULE= ../../$(BIN)/django-admin compilemessages) || exit 1; \
	done

bench: $(BIN)/.installed
	for b in bench/[!_]*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) var *.egg-info
