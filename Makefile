# The two commands: `make run` and `make test`. Everything else here serves them.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
KC := $(BIN)/kiemchung
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test install dev lint typecheck importlint pytest browser-deps docs clean screenshots

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "kiemchung needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

install: $(VENV)/.installed

dev: $(VENV)/.dev-installed

run: install
	$(KC) migrate --noinput -v 0
	$(KC) seed_demo
	$(KC) run

browser-deps:
	@missing=""; command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v xgettext >/dev/null 2>&1 || missing="$$missing gettext"; \
	tesseract --list-langs 2>/dev/null | grep -qx vie || missing="$$missing tesseract-ocr tesseract-ocr-vie"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian packages for the tests:$$missing"; \
	    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >/dev/null; \
	  else echo "Not installed and cannot be installed here:$$missing (the tests that need them skip)"; fi; \
	fi

lint: dev
	$(BIN)/ruff check src tests

typecheck: dev
	$(BIN)/mypy

importlint: dev
	$(BIN)/lint-imports

pytest: dev browser-deps
	bash scripts/run-tests.sh

# Known vulnerabilities with a fixed release fail the run; an unreachable advisory service is
# reported and does not (KIEMCHUNG_AUDIT_REQUIRED=1 makes it fail too). See docs/SETUP.md.
.PHONY: audit
audit: dev
	$(BIN)/python scripts/audit-deps.py

test: lint typecheck importlint audit pytest

docs: install
	$(KC) settings --markdown > docs/SETTINGS.md

# The README's pictures (docs/screenshots/), taken from the demo by the browser suite.
screenshots: dev browser-deps
	CI=true KIEMCHUNG_README_SHOTS=docs/screenshots bash scripts/run-tests.sh tests/browser/test_readme_screenshots.py -q

clean:
	rm -rf $(VENV) var test-artifacts
