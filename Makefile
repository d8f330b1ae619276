# The two commands a new machine needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# axe-core (npm) for the accessibility audit, tests/test_browser_a11y.py.
A11Y       := tests/a11y
A11Y_STAMP := $(A11Y)/node_modules/.installed

.PHONY: demo test bench install migrate messages check backup restore stop clean guide-screenshots

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11 or newer is needed"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,demo]'
	touch $(STAMP)

# Without npm nothing is installed, and the accessibility audit fails saying so.
$(A11Y_STAMP): $(A11Y)/package.json $(A11Y)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix $(A11Y) --no-audit --no-fund --loglevel=error && touch $(A11Y_STAMP); \
	else \
	  echo "npm is not installed: the accessibility audit (tests/test_browser_a11y.py) will fail; install Node.js and npm"; \
	fi

install: $(STAMP) $(A11Y_STAMP)

# The demo: embedded PostgreSQL and Redis under .local/, demo data, web + worker + beat.
demo: $(STAMP)
	DEMO_MODE=1 $(BIN)/python manage.py run_demo

test: $(STAMP) $(A11Y_STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The user guide's screenshots (/guide/): tests/test_browser_guide.py shoots each role's pages in
# each interface language and writes them into cluster_platform/static/guide/<language>/ (without
# the variable it only checks them).
guide-screenshots: $(STAMP)
	GUIDE_SCREENSHOTS=write $(BIN)/python -m pytest -p no:randomly tests/test_browser_guide.py

# The benchmark (bench/run.py): gunicorn on loopback driven by wrk (installed with apt-get when
# missing; without it a built-in driver), on a seeded database of its own per scale, reused by
# later runs. Prints the table and writes bench/results.md. Default: national scale (the first
# run seeds for about ten minutes). E.g. make bench BENCH_ARGS="--scale region --duration 5".
BENCH_ARGS ?=
bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

migrate: $(STAMP)
	$(BIN)/python manage.py migrate

# Extract into every catalogue but the generated uz_Cyrl (makemessages takes all locales but the
# excluded one; strings gone from the code are dropped, git keeps them), generate it from the
# Latin uz, compile all.
messages: $(STAMP)
	$(BIN)/python manage.py makemessages --exclude=uz_Cyrl --ignore=.venv --ignore=.local --no-obsolete
	$(BIN)/python manage.py transliterate_catalogue
	$(BIN)/python manage.py compilemessages --ignore=.venv

check: $(STAMP)
	$(BIN)/python manage.py check

# The database and MEDIA_ROOT into one archive in BACKUP_DIR (default backups/).
backup: $(STAMP)
	$(BIN)/python manage.py backup

# ARCHIVE=path/to/archive.tar into an empty database and MEDIA_ROOT; without ARCHIVE, the
# newest archive in BACKUP_DIR.
restore: $(STAMP)
	$(BIN)/python manage.py restore $(if $(ARCHIVE),"$(ARCHIVE)")

# Stop the embedded PostgreSQL and Redis that `make test` or a manage.py command left running.
stop:
	test ! -x $(BIN)/python || $(BIN)/python -c 'from cluster_platform import embedded; embedded.stop_redis(); embedded.stop_postgres()'

clean: stop
	rm -rf $(VENV)
