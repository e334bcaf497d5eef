# The two commands of the README: `make grade` and `make test`. Both create .venv themselves.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: help venv test grade public stubs notebook data clean

help:
	@echo "make grade     grade the bundled example submissions and print the score table"
	@echo "make test      run the repository's tests (public tests on reference and stubs, sync, notebook)"
	@echo "make public    run the public tests against the reference (IMPL=assignments for the stubs)"
	@echo "make stubs     regenerate assignments/convolutions from solutions/convolutions"
	@echo "make notebook  regenerate assignments/convolutions.ipynb from scripts/make_notebook.py"
	@echo "make data      regenerate data/ (needs espeak-ng; installs librosa into .venv)"

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

venv: $(STAMP)

test: $(STAMP)
	$(PY) -m pytest

IMPL ?= solutions
public: $(STAMP)
	$(PY) -m pytest tests/public --impl $(IMPL)

grade: $(STAMP)
	$(PY) -m pytest tests/public --impl solutions -q

stubs: $(STAMP)
	$(PY) -m autograder assign

notebook: $(STAMP)
	$(PY) scripts/make_notebook.py

data: $(STAMP)
	$(PY) -m pip install -q -r requirements-data.txt
	$(PY) scripts/make_data.py

clean:
	rm -rf $(VENV) .pytest_cache dist out
