# `make book` builds the site; `make test` runs every check CI runs. Both set up `.venv` first.
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
LINTED := tangle tests micrograd book/code_so_far.py book/flipbook.py book/_ext scripts \
	benchmarks
WORKFLOWS := $(wildcard .github/workflows/*.yml)

# uv installs from where pip would (scripts/uv_pip.py passes pip's configuration on), in
# seconds where pip takes minutes, and without byte-compiling every file (Python compiles a
# module the first time it is imported, and most never are). Only uv comes from pip.
UV_VERSION := 0.13.9
UV_PIP := $(BIN)/python scripts/uv_pip.py --python $(BIN)/python

.PHONY: book pdf colab test tangle check-tangle lint tests chapters strict-book strict-pdf \
	site-tests browser-tests installing-site-tests tests-then-wheel chromium latex wheel clean

# The execution cache of myst-nb (see `execute` in _config.yml).
EXECUTION_CACHE := _build/.jupyter_cache
# The Debian packages that build the PDF: XeLaTeX, the LaTeX packages Sphinx uses, the GNU
# FreeFont fonts, xindy for the index, and rsvg-convert for the SVG figures.
LATEX_PACKAGES := latexmk texlive-xetex texlive-latex-extra texlive-fonts-recommended \
	texlive-plain-generic fonts-freefont-otf xindy librsvg2-bin
PDF := _build/latex/micrograd-line-by-line.pdf
HAVE_LATEX := command -v xelatex >/dev/null && command -v latexmk >/dev/null \
	&& command -v xindy >/dev/null && command -v rsvg-convert >/dev/null
# One installation with apt at a time: CI starts those of TeX and Chromium early, in the
# background (.ci/run), and a target that needs one waits here until it is done.
APT_LOCK := /tmp/micrograd-book-apt.lock

book: $(VENV)/.book
	rm -rf $(EXECUTION_CACHE)
	$(BIN)/jupyter-book build . --all -W -n --keep-going
	@echo "The book is at file://$(CURDIR)/_build/html/index.html"
	@if [ -n "$$DISPLAY" ] || [ "$$(uname)" = Darwin ]; then \
		$(BIN)/python -m webbrowser -t "file://$(CURDIR)/_build/html/index.html"; fi

# The whole book as one PDF, beside the site (which links to it); the chapters run only if
# the execution cache does not hold them already.
pdf: $(VENV)/.book latex
	$(BIN)/jupyter-book build . --builder pdflatex --all -W -n --keep-going
	mkdir -p _build/html
	cp $(PDF) _build/html/
	@echo "The PDF is at $(CURDIR)/$(PDF)"

# Two jobs at a time, for the two cores CI has. First the checks that need only `.venv`.
# Then two lines of work: the package's tests, then the wheel, then the site tests that
# install the package (the Binder session builds it from this folder, as building the wheel
# does, so the two must not overlap); and the chapters under nbmake, then the strict build of
# the site from those same executions, then the browser's tests of the site, and only then
# the PDF: left free to start, it took the core the site tests that install were waiting for,
# and those, the longest job, ran last and alone. GNU make 4 keeps each job's output together
# (make 3.81 interleaves it). Every chapter runs twice: under nbmake, and in the Binder session.
test:
	$(MAKE) --jobs=2 $(OUTPUT_SYNC) check-tangle lint
	$(MAKE) --jobs=2 $(OUTPUT_SYNC) PDF_AFTER=browser-tests \
		browser-tests installing-site-tests strict-pdf

OUTPUT_SYNC := $(if $(filter 3.%,$(MAKE_VERSION)),,--output-sync=target)

tests-then-wheel: tests
	$(MAKE) wheel

browser-tests: strict-book chromium
	$(SITE_TESTS_IN_THE_BROWSER)

installing-site-tests: tests-then-wheel strict-book chromium
	$(SITE_TESTS_THAT_INSTALL)

tangle: $(VENV)/.book
	$(BIN)/python -m tangle

check-tangle: $(VENV)/.book
	$(BIN)/python -m tangle --check

# ruff on the Python; the workflows against GitHub's schema for them, then zizmor's security
# audits (offline: it looks nothing up about the actions they use).
lint: $(VENV)/.dev
	$(BIN)/ruff check $(wildcard $(LINTED))
	$(BIN)/ruff format --check $(wildcard $(LINTED))
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows $(WORKFLOWS)
	$(BIN)/zizmor --offline --quiet $(WORKFLOWS)

# Every test but those of the built site (tests/site, run by `site-tests`).
tests: $(VENV)/.dev
	$(BIN)/python -m pytest tests --ignore=tests/site

# Every chapter as a notebook in a fresh kernel (nbmake runs `.ipynb` only), its outputs
# written back, and then put where the book's builds find them.
chapters: $(VENV)/.dev
	$(BIN)/python scripts/chapters_as_notebooks.py .nbmake
	$(BIN)/python -m pytest .nbmake --nbmake --overwrite
	rm -rf $(EXECUTION_CACHE)
	$(BIN)/python scripts/seed_execution_cache.py .nbmake

strict-book: chapters
	rm -rf _build/html _build/jupyter_execute
	$(BIN)/jupyter-book build . --all -W -n --keep-going

# `PDF_AFTER` names what must be done first, if anything (see `test`).
strict-pdf: strict-book | $(PDF_AFTER)
	$(MAKE) pdf
	$(BIN)/python -m pytest tests/site/test_pdf.py

# The built site in headless Chromium, on a desktop and a phone (screenshots in
# _build/screenshots/), a Binder session simulated here (every chapter run in JupyterLab),
# and the Colab buttons: each leads to the notebook the publish workflow pushes, and one such
# notebook runs in a fresh environment like Colab's. Run it after `strict-book`.
site-tests: $(VENV)/.dev chromium
	$(SITE_TESTS_IN_THE_BROWSER)
	$(SITE_TESTS_THAT_INSTALL)

# In one process: it loads each page once on each screen for all of that page's checks, and
# pytest-xdist's workers would each load it again (two workers took half as long again, and
# twice the CPU, as one); Chromium uses more than one core by itself.
SITE_TESTS_IN_THE_BROWSER = $(BIN)/python -m pytest tests/site/test_site.py
SITE_TESTS_THAT_INSTALL = $(BIN)/python -m pytest tests/site --ignore=tests/site/test_site.py \
	--ignore=tests/site/test_pdf.py

# Debian's Chromium, installed if missing (Playwright's own browser download needs a CDN).
# Elsewhere, install Chromium or Chrome and set CHROMIUM to its path.
chromium:
	@if [ -z "$$CHROMIUM" ] && ! command -v chromium >/dev/null; then \
		if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
			exec 9>$(APT_LOCK) && flock 9 && \
			if ! command -v chromium >/dev/null; then \
				apt-get update -qq && apt-get install -y -qq chromium; \
			fi; \
		else \
			echo "The site tests need Chromium: install it (Debian: apt-get install" \
				"chromium), or set CHROMIUM to the path of Chromium or Chrome."; \
			exit 1; \
		fi; \
	fi

# TeX and the rest of what the PDF needs, installed if missing (as root on Debian).
latex:
	@if ! { $(HAVE_LATEX); }; then \
		if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
			exec 9>$(APT_LOCK) && flock 9 && \
			if ! { $(HAVE_LATEX); }; then \
				apt-get update -qq && \
				apt-get install -y -qq --no-install-recommends $(LATEX_PACKAGES); \
			fi; \
		else \
			echo "The PDF needs XeLaTeX, latexmk, xindy and rsvg-convert; on Debian:" \
				"apt-get install $(LATEX_PACKAGES)"; \
			exit 1; \
		fi; \
	fi

# The chapters as notebooks for Colab, made from the built site's executed chapters, and the
# wheels their first cell installs there, in _build/colab/: what the publish workflow pushes
# to the branch the site's Colab buttons lead to. Run it after `make book`.
colab: $(VENV)/.book
	$(BIN)/python scripts/colab_notebooks.py build _build/colab
# The wheel, installed into a fresh environment for each Python, tested from outside the repo.
wheel: $(VENV)/.dev
	$(BIN)/python scripts/test_wheel.py

$(VENV)/.uv-$(UV_VERSION):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --no-compile uv==$(UV_VERSION)
	touch $@

$(VENV)/.book: requirements.txt $(VENV)/.uv-$(UV_VERSION)
	$(UV_PIP) -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.book
	$(UV_PIP) -r requirements-dev.txt
	touch $@

clean:
	rm -rf _build $(VENV) .nbmake .micrograd.new .micrograd.old
