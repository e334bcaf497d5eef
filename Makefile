# The two commands of the README: `make grade` and `make test`. Both create .venv themselves.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: help venv test grade report bench mutation gpu-check release public build stubs examples goldens notebook data clean
.PHONY: image image-gpu base-image wheelhouse
.PHONY: check lint

help:
	@echo "make grade     grade the bundled example submissions and print the score table"
	@echo "make report    the class report of make grade's output: out/examples/report.html and report.json"
	@echo "make test      run the repository's tests (public tests on reference and stubs, sync, notebook)"
	@echo "make check     the everyday layer: unit tests and the fast repository tests (under 2 minutes)"
	@echo "make lint      ruff check (rules: [tool.ruff] in pyproject.toml)"
	@echo "make public    run the public tests against the reference (IMPL=assignments for the stubs)"
	@echo "make release   write dist/: the student template repo, Gradescope zip, otter and nbgrader material"
	@echo "make bench     time the full hidden suite per submission, with and without isolation,"
	@echo "               and with and without recognising misconceptions"
	@echo "make mutation  mutation-test the hidden checks on the solution regions (MUTATION_ARGS=--jobs 2)"
	@echo "make gpu-check on a GPU machine: the full hidden suite on CUDA (uses \$$GPU_PYTHON, default python3)"
	@echo "make build     regenerate what is generated: stubs, notebook and examples (WHAT=stubs ...,"
	@echo "               CHECK=1: only say what is stale); the four targets below are its parts"
	@echo "make stubs     regenerate assignments/convolutions from solutions/convolutions, and the"
	@echo "               parts tables of the READMEs and the handout from autograder/parts.toml"
	@echo "make examples  regenerate examples/submissions from solutions/ and tests/variants/"
	@echo "make goldens   regrade the examples and rewrite examples/expected_scores.json"
	@echo "make notebook  build assignments/convolutions.ipynb from handout/convolutions.py (jupytext)"
	@echo "make data      regenerate data/ (needs espeak-ng; installs librosa into .venv)"
	@echo "make image     build the CPU grader images (offline when need be; docs/containers.md)"
	@echo "make image-gpu build the CUDA grader images"
	@echo "make wheelhouse download the wheels the images install (build/wheelhouse/cpu)"
	@echo "make base-image build a Debian base image without a registry (root, debootstrap)"

$(STAMP): requirements.txt requirements-dev.txt requirements-grader.txt \
		requirements-instructor.txt requirements-frontends.txt
	@command -v bwrap >/dev/null || echo "note: bubblewrap is not installed; the grader refuses to grade until it is (apt-get install bubblewrap), unless you pass --isolation none (no isolation: only for code you trust)"
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

venv: $(STAMP)

# On every core (pytest-xdist: one module per worker, the longest first; tests/repo/conftest.py),
# then the tests that load the machine on purpose (marker serial), alone.
test: $(STAMP)
	$(PY) -m pytest -n auto -m "not serial"
	$(PY) -m pytest -m serial

# The everyday layer of `make test`: tests/unit and the tests of tests/repo not marked slow or
# docker (CONTRIBUTING.md, "Tests").
check: $(STAMP)
	$(PY) -m pytest -m "not slow and not docker"

lint: $(STAMP)
	$(PY) -m ruff check .

IMPL ?= solutions
public: $(STAMP)
	$(PY) -m pytest tests/public --impl $(IMPL)

grade: $(STAMP)
	$(PY) -m autograder grade examples/submissions/* --output out/examples

report: $(STAMP)
	$(PY) -m autograder report out/examples

release: $(STAMP)
	$(PY) -m autograder release

bench: $(STAMP)
	$(PY) scripts/bench.py
	$(PY) scripts/bench_recognition.py --rounds 2  # with and without recognising misconceptions
	$(PY) scripts/bench_docker.py  # --backend docker vs the sandbox; skips without an engine
	$(PY) scripts/bench_cluster.py  # grade --scheduler: throughput with 1 and 2 Dask workers
	$(PY) scripts/bench_slurm.py  # grade --cluster slurm vs the local pool; skips without Slurm
	$(PY) scripts/bench_report.py  # the class report of 2 000 submissions, under 30 s

# Every first-order mutant of the solutions' regions, graded on its part: kill rate per part,
# survivors in out/mutation/survivors.txt. About 6 minutes with one job (MUTATION_ARGS=--help).
MUTATION_ARGS ?=
mutation: $(STAMP)
	$(PY) scripts/mutation.py $(MUTATION_ARGS)

# Not .venv: its torch is a CPU build. The GPU machine's own Python and CUDA torch are used.
GPU_PYTHON ?= python3
GPU_CHECK_ARGS ?=
gpu-check:
	$(GPU_PYTHON) scripts/gpu_check.py $(GPU_CHECK_ARGS)

# The files generated from the sources (`python -m autograder build`): WHAT=stubs, notebook,
# examples or goldens (several: WHAT="stubs notebook"); default: stubs, notebook and examples.
# CHECK=1: only say what is stale (exit status 1 if anything is).
WHAT ?=
build: $(STAMP)
	$(PY) -m autograder build $(WHAT) $(if $(CHECK),--check)

stubs: $(STAMP)
	$(PY) -m autograder build stubs

examples: $(STAMP)
	$(PY) -m autograder build examples

# After a deliberate change of checks or points: the examples' scores, regraded (never by hand).
goldens: $(STAMP)
	$(PY) -m autograder build goldens

notebook: $(STAMP)
	$(PY) -m autograder build notebook

data: $(STAMP)
	$(PY) -m pip install -q -r requirements-data.txt
	$(PY) scripts/make_data.py

# Grader images (docs/containers.md): wheels downloaded on the host, installed with --no-index;
# the base is BASE if the engine has it or can pull it, else a Debian base built offline.
# BASE=... another base image (default python:<pinned>-slim-bookworm).
IMAGE_ARGS = $(if $(BASE),--base $(BASE))
image: $(STAMP)
	$(PY) scripts/docker/build_image.py --device cpu $(IMAGE_ARGS)

image-gpu: $(STAMP)
	$(PY) scripts/docker/build_image.py --device cuda $(IMAGE_ARGS)

wheelhouse: $(STAMP)
	$(PY) scripts/docker/wheelhouse.py --device cpu

base-image:
	PYTHON=$(PYTHON) scripts/docker/base_image.sh

clean:
	rm -rf $(VENV) .pytest_cache dist out
