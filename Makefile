# make run    - the embedded demo: SQLite, no services needed (see README.md)
# make test   - the whole test suite
# make bench  - the benchmarks in bench/
# make messages - regenerate the translation catalogs in locale/ (needs GNU gettext)
# .venv is created and installed on first use and again whenever pyproject.toml changes.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench migrate lint messages clean distclean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed: make PYTHON=python3.11 ...")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check --progress-bar off -e ".[test]"
	touch $(STAMP)

# The embedded mode runs with DEBUG on; its SECRET_KEY comes from .env (below).
run migrate: export DEBUG ?= 1

# Local settings for the embedded mode, so that manage.py commands work outside
# `make run` too. Production takes its environment from docker/.env.example.
.env:
	@$(PYTHON) -c 'import secrets; print("# Written by make run: the embedded mode (see README).\nDEBUG=1\nSECRET_KEY=" + secrets.token_urlsafe(50))' > .env
	@echo "Wrote .env (DEBUG=1 and a random SECRET_KEY) for the embedded mode."

run: $(STAMP) .env
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo_setup
	$(PY) manage.py run_embedded

migrate: $(STAMP) .env
	$(PY) manage.py migrate --noinput

# Extra pytest arguments: make test ARGS="-k harness -x"
test: $(STAMP)
	$(PY) -m pytest $(ARGS)

bench: $(STAMP)
	@set -e; \
	if [ -f bench/__main__.py ]; then $(PY) -m bench $(ARGS); exit 0; fi; \
	found=; \
	for f in bench/bench_*.py; do \
		[ -e "$$f" ] || continue; found=1; \
		echo "== $$f"; $(PY) "$$f" $(ARGS); \
	done; \
	[ -n "$$found" ] || { echo "No benchmarks found (bench/__main__.py or bench/bench_*.py)."; exit 1; }

# Translations (README "Languages"): collect the strings of the code, templates and
# static/dashboard/*.js into locale/<lang>/LC_MESSAGES/{django,djangojs}.po, keeping what is
# translated; then translate new or changed entries (no empty or fuzzy ones: a test checks) and
# run it again to compile the .mo files, which are committed so `make run` needs no gettext.
LANGS := de cs
MESSAGES_IGNORE := --ignore=var --ignore=bench --ignore=tests --ignore=docker --ignore='*/tests' \
	--ignore=build --ignore='*.egg-info'

messages: $(STAMP)
	$(PY) manage.py makemessages $(addprefix -l ,$(LANGS)) -d django --add-location=file $(MESSAGES_IGNORE)
	$(PY) manage.py makemessages $(addprefix -l ,$(LANGS)) -d djangojs --add-location=file \
		$(MESSAGES_IGNORE) --ignore='static/widget/*'
	for po in locale/*/LC_MESSAGES/*.po; do msgfmt --check -o "$${po%.po}.mo" "$$po" || exit 1; done

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

clean:
	rm -rf var db.sqlite3 db.sqlite3-* *.egg-info build dist .pytest_cache .ruff_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
