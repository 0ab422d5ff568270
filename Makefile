# `make book` builds the site; `make test` runs every check CI runs. Both set up `.venv` first.
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
LINTED := tangle tests micrograd book/code_so_far.py book/_ext scripts benchmarks

.PHONY: book test tangle check-tangle lint pytest strict-book site-tests wheel clean

book: $(VENV)/.book
	$(BIN)/jupyter-book build . --all -W -n --keep-going
	@echo "The book is at file://$(CURDIR)/_build/html/index.html"
	@if [ -n "$$DISPLAY" ] || [ "$$(uname)" = Darwin ]; then \
		$(BIN)/python -m webbrowser -t "file://$(CURDIR)/_build/html/index.html"; fi

test: check-tangle lint pytest strict-book site-tests wheel

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
site-tests: $(VENV)/.dev
	$(BIN)/python -m pytest tests/site

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
