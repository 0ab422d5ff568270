# `make book` builds the site; `make test` runs every check CI runs. Both set up `.venv` first.
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
CHAPTERS = $(shell $(BIN)/python -c "import sys; sys.path.insert(0, '.'); import tangle; print(*tangle.Project('.').chapters())" 2>/dev/null)
LINTED := tangle tests micrograd book/code_so_far.py benchmarks

.PHONY: book test tangle check-tangle lint pytest strict-book wheel clean

book: $(VENV)/.book
	$(BIN)/jupyter-book build . --all -W -n --keep-going
	@echo "Open the book: file://$(CURDIR)/_build/html/index.html"

test: check-tangle lint pytest strict-book wheel

tangle: $(VENV)/.book
	$(BIN)/python -m tangle

check-tangle: $(VENV)/.book
	$(BIN)/python -m tangle --check

lint: $(VENV)/.dev
	$(BIN)/ruff check $(wildcard $(LINTED))
	$(BIN)/ruff format --check $(wildcard $(LINTED))

# The tests, and every chapter as a notebook in a fresh kernel (nbmake runs `.ipynb` files
# only, each in its own folder: the converted copies sit beside the chapters meanwhile).
pytest: $(VENV)/.dev
	trap 'rm -f $(CHAPTERS:.md=.ipynb)' EXIT; \
	$(BIN)/jupytext --quiet --to ipynb $(CHAPTERS) && \
	$(BIN)/python -m pytest tests $(CHAPTERS:.md=.ipynb) --nbmake

strict-book: $(VENV)/.book
	rm -rf _build/html _build/jupyter_execute
	$(BIN)/jupyter-book build . --all -W -n --keep-going

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
	rm -rf _build $(VENV) .micrograd.new .micrograd.old
