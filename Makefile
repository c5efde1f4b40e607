# The two commands a user needs: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench install constraints clean

# constraints.txt pins what the suite last passed with, so a fresh machine (and CI) gets the
# same Scrapy, bs4, Twisted... as the last green run, not whatever was released overnight.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/zwgk demo --db demo/zwgk.db

test: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

# Benchmarks against LinkChecker, wget and a naive Scrapy spider (needs nginx, linkchecker, wget).
bench: $(STAMP)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# A deliberate upgrade: newest versions pyproject.toml allows, in a scratch venv. Then `make test`.
constraints:
	rm -rf .venv-upgrade
	$(PYTHON) -m venv .venv-upgrade
	.venv-upgrade/bin/pip install --quiet -e '.[test]'
	{ sed -n '1,/^$$/p' constraints.txt; .venv-upgrade/bin/pip freeze --exclude-editable; } > constraints.new
	mv constraints.new constraints.txt
	rm -rf .venv-upgrade
	touch pyproject.toml

clean:
	rm -rf $(VENV) demo .pytest_cache
