# The two commands a user needs: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench install system constraints clean

# Debian packages the suite and the demo use: Chromium (rendering, screenshots, browser
# tests; a Playwright browser download cannot work here), a CJK font, redis-server (the
# two-process scrapy-redis test) and antiword (.doc/.wps annual reports). Installed when run
# as root; otherwise one line says exactly what is missing.
SYSTEM_PACKAGES := chromium fonts-wqy-zenhei redis-server antiword

# constraints.txt pins what the suite last passed with, so a fresh machine (and CI) gets the
# same Scrapy, bs4, Twisted... as the last green run, not whatever was released overnight.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

system:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	fc-list 2>/dev/null | grep -qi "wqy\|noto.*cjk" || missing="$$missing fonts-wqy-zenhei"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	command -v antiword >/dev/null || missing="$$missing antiword"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else \
	  echo "missing Debian packages:$$missing (as root: apt-get install$$missing); tests that need them will say so"; \
	fi

demo: $(STAMP) system
	$(BIN)/zwgk demo --db demo/zwgk.db

test: $(STAMP) system
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
