# Beyond the Gradient — two commands: `make lab` and `make test`.
# Both create the pinned environment in .venv on first use (Python 3.11).

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

# pytest options for the whole suite: unit/property tests and strict nbval.
NBVAL  := --nbval --nbval-sanitize-with sanitize.cfg --nbval-cell-timeout=300
TESTS  := tests notebooks exercises/source

# JupyterLab flags: no browser where there is no display; root needs --allow-root.
LAB_FLAGS := $(if $(DISPLAY)$(filter Darwin,$(shell uname -s)),,--no-browser) \
             $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: env lab test test-portable unit lint notebooks benchmarks release grade hub hub-test slides handouts site browser-test clean

env: $(STAMP)

$(STAMP): requirements.txt requirements-grading.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-grading.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

lab: $(STAMP)
	@echo "JupyterLab serves the whole course; without a browser, open the printed URL and notebooks/00_welcome.ipynb."
	$(VENV)/bin/jupyter lab --ServerApp.root_dir="$(CURDIR)" notebooks/00_welcome.ipynb $(LAB_FLAGS)

test: $(STAMP)
	MPLBACKEND=Agg $(PY) -m pytest $(TESTS) $(NBVAL)

# Strict nbval under each BLAS kernel a student's machine may pick (the machine's own, Haswell, generic
# Prescott) and under one and two BLAS threads: stored outputs must not depend on any of them.
test-portable: $(STAMP)
	$(PY) tests/portable_nbval.py

unit: $(STAMP)
	MPLBACKEND=Agg $(PY) -m pytest tests

# Lint: ruff (pyproject.toml [tool.ruff]) and the layer contracts of hvplib (pyproject.toml [tool.importlinter]).
LINT_STAMP := $(VENV)/.installed-lint
$(LINT_STAMP): $(STAMP) requirements-lint.txt
	$(PY) -m pip install --quiet -r requirements-lint.txt
	touch $(LINT_STAMP)

lint: $(LINT_STAMP)
	$(VENV)/bin/ruff check hvplib tests benchmarks slides
	$(VENV)/bin/lint-imports --no-cache

notebooks: $(STAMP)
	MPLBACKEND=Agg $(PY) -m pytest notebooks $(NBVAL)

benchmarks: $(STAMP)
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $(PY) benchmarks/hvp_cost.py

# Instructor: regenerate the student versions in exercises/release/ from exercises/source/.
release: $(STAMP)
	PATH=$(abspath $(VENV))/bin:$$PATH $(PY) exercises/grading release

# Instructor: grade a folder <SUBMISSIONS>/<student>/<assignment>/*.ipynb into a CSV score table.
#   make grade SUBMISSIONS=path/to/submitted [OUT=grades.csv]
grade: $(STAMP)
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=path/to/submitted [OUT=grades.csv]"; exit 2; }
	PATH=$(abspath $(VENV))/bin:$$PATH $(PY) exercises/grading grade $(SUBMISSIONS) -o $(or $(OUT),grades.csv)

# --- Slides, site and real-browser tests -----------------------------------------------------
# They need jupyter-book and Playwright on top of the pinned environment, and npm for the pinned JS.
EXTRAS := $(VENV)/.installed-extras
$(EXTRAS): $(STAMP) requirements-site.txt requirements-browser.txt
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-grading.txt \
	    -r requirements-site.txt -r requirements-browser.txt
	touch $(EXTRAS)

# Lecture slides: a reveal.js deck per chapter, from the stored outputs, into build/slides/ (opens offline);
# slides/plan.py decides from each notebook what goes on a slide and what to the speaker notes (key S).
slides: $(STAMP)
	$(PY) slides/build_slides.py

# Course site: chapters, exercises (student versions) and glossary as static HTML in build/site/.
site: $(EXTRAS)
	$(PY) site/build_site.py

# Lecture handouts: every deck printed to PDF (Reveal's print view in Chromium), one page per slide,
# into build/handouts/ (no network).
handouts: $(EXTRAS) slides
	$(PY) slides/build_handouts.py

# Real-browser tests (Chromium + Playwright); screenshots in build/screenshots/.
browser-test: $(EXTRAS) slides handouts site
	HVP_BROWSER_TESTS=1 $(PY) -m pytest tests/browser -v -rs --durations=5

# --- JupyterHub for a class (deploy/jupyterhub/README.md) -----------------------------------
HUB_DIR     := deploy/jupyterhub
HUB_STAMP   := $(VENV)/.hub-installed
PROXY_STAMP := $(HUB_DIR)/node_modules/.package-lock.json

$(HUB_STAMP): $(STAMP) requirements-hub.txt
	$(PY) -m pip install --quiet -r requirements-hub.txt
	touch $(HUB_STAMP)

$(PROXY_STAMP): $(HUB_DIR)/package.json $(HUB_DIR)/package-lock.json
	cd $(HUB_DIR) && npm ci --no-audit --no-fund
	touch $(PROXY_STAMP)

# Lecturer: the class hub on this machine, state in build/hub.
hub: $(HUB_STAMP) $(PROXY_STAMP)
	$(PY) $(HUB_DIR)/hubctl.py start

# JupyterHub end to end, as root: hub, three students on their own unix accounts, the isolation attacks,
# nbgrader's exchange, grades 10 / 0 / 5 (about three minutes).
hub-test: $(HUB_STAMP) $(PROXY_STAMP)
	HVP_HUB_TESTS=1 MPLBACKEND=Agg $(PY) -m pytest tests/hub -v -s

# Load, as root (not in CI): 30 students log in within a minute and run chapter 01 at once; report in
# build/hub-load.json (several minutes on two cores, every step bounded).
.PHONY: hub-load
hub-load: $(HUB_STAMP) $(PROXY_STAMP)
	MPLBACKEND=Agg $(PY) $(HUB_DIR)/load.py --students 30 --login-window 60 --json build/hub-load.json

clean:
	rm -rf $(VENV) build .pytest_cache .hypothesis $(HUB_DIR)/node_modules slides/node_modules site/node_modules
