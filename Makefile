# `make book` builds the site; `make test` runs every check CI runs. Both set up `.venv` first.
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
LINTED := tangle tests micrograd book/code_so_far.py book/flipbook.py book/_ext scripts benchmarks

.PHONY: book test tangle check-tangle lint pytest strict-book site-tests chromium wheel clean

book: $(VENV)/.book
	$(BIN)/jupyter-book build . --all -W -n --keep-going
	@echo "The book is at file://$(CURDIR)/_build/html/index.html"
	@if [ -n "$$DISPLAY" ] || [ "$$(uname)" = Darwin ]; then \
		$(BIN)/python -m webbrowser -t "file://$(CURDIR)/_build/html/index.html"; fi

# The chapters under pytest, the strict build and the wheel each keep one core busy, so they
# run two at a time; GNU make 4 keeps each one's output together (make 3.81 interleaves it).
# The site tests come last: they need the build, and their Binder session installs the
# package from this folder, as building the wheel does.
test: check-tangle lint
	$(MAKE) --jobs=2 $(if $(filter 3.%,$(MAKE_VERSION)),,--output-sync=target) \
		pytest strict-book wheel
	$(MAKE) site-tests

tangle: $(VENV)/.book
	$(BIN)/python -m tangle

check-tangle: $(VENV)/.book
	$(BIN)/python -m tangle --check

lint: $(VENV)/.dev
	$(BIN)/ruff check $(wildcard $(LINTED))
	$(BIN)/ruff format --check $(wildcard $(LINTED))

# The tests, and every chapter as a notebook in a fresh kernel (nbmake runs `.ipynb` only).
# tests/site needs the built book: `site-tests` runs it, after `strict-book`.
pytest: $(VENV)/.dev
	$(BIN)/python scripts/chapters_as_notebooks.py .nbmake
	$(BIN)/python -m pytest tests .nbmake --nbmake --ignore=tests/site

strict-book: $(VENV)/.book
	rm -rf _build/html _build/jupyter_execute
	$(BIN)/jupyter-book build . --all -W -n --keep-going

# The built site in headless Chromium (screenshots in _build/screenshots/), and a Binder
# session simulated here: every chapter run in JupyterLab. Run it after `strict-book`.
site-tests: $(VENV)/.dev chromium
	$(BIN)/python -m pytest tests/site

# Debian's Chromium, installed if missing (Playwright's own browser download needs a CDN).
# Elsewhere, install Chromium or Chrome and set CHROMIUM to its path.
chromium:
	@if [ -z "$$CHROMIUM" ] && ! command -v chromium >/dev/null; then \
		if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && apt-get install -y -qq chromium; \
		else \
			echo "The site tests need Chromium: install it (Debian: apt-get install" \
				"chromium), or set CHROMIUM to the path of Chromium or Chrome."; \
			exit 1; \
		fi; \
	fi

# The wheel, installed into a fresh environment for each Python, tested from outside the repo.
wheel: $(VENV)/.dev
	$(BIN)/python scripts/test_wheel.py

$(VENV)/.book: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.book
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

clean:
	rm -rf _build $(VENV) .nbmake .micrograd.new .micrograd.old
