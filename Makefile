# Beyond the Gradient — two commands: `make lab` and `make test`.
# Both create the pinned environment in .venv on first use (Python 3.11).

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

# pytest options for the whole suite: unit/property tests and strict nbval.
NBVAL  := --nbval --nbval-sanitize-with sanitize.cfg --nbval-cell-timeout=300
TESTS  := tests notebooks

# JupyterLab flags: no browser where there is no display; root needs --allow-root.
LAB_FLAGS := $(if $(DISPLAY)$(filter Darwin,$(shell uname -s)),,--no-browser) \
             $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: env lab test unit notebooks benchmarks clean

env: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

lab: $(STAMP)
	$(VENV)/bin/jupyter lab notebooks/00_welcome.ipynb $(LAB_FLAGS)

test: $(STAMP)
	MPLBACKEND=Agg $(PY) -m pytest $(TESTS) $(NBVAL)

unit: $(STAMP)
	MPLBACKEND=Agg $(PY) -m pytest tests

notebooks: $(STAMP)
	MPLBACKEND=Agg $(PY) -m pytest notebooks $(NBVAL)

benchmarks: $(STAMP)
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $(PY) benchmarks/hvp_cost.py

clean:
	rm -rf $(VENV) build .pytest_cache .hypothesis
