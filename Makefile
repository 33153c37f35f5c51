# Two commands set everything up on a fresh clone: `make demo` and `make test`.
# Each creates .venv when needed, installs skjet with its extras, then runs.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.skjet-installed
# torch is installed on its own first: `torch==2.13.0` takes a local CPU wheel
# where pip's find-links offer one, instead of the multi-GB CUDA build that a
# bare `torch` requirement pulls from the registry. Override for other set-ups,
# e.g. make TORCH_SPEC="torch --index-url <your CPU index>".
TORCH_SPEC ?= torch==2.13.0
EXTRAS ?= generate,test,dask,taggers,export,hls4ml
PYTEST_ARGS ?= -n 2

.PHONY: install test demo lint bench clean docs

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -c "import torch" 2>/dev/null || $(PIP) install $(TORCH_SPEC)
	$(PIP) install -e ".[$(EXTRAS)]"
	touch $(STAMP)

install: $(STAMP)

# One BLAS/OpenMP/torch thread per pytest worker: two workers on two cores, each
# asking for every core, stall on OpenMP spin-waits (seconds per xgboost fit).
test: install
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $(PY) -m pytest $(PYTEST_ARGS)

demo: install
	$(PY) -m skjet demo

lint: install
	$(VENV)/bin/ruff check skjet tests benchmarks examples

bench: install
	$(PY) benchmarks/run_all.py

DOCS_STAMP := $(VENV)/.skjet-docs-installed
$(DOCS_STAMP): pyproject.toml | $(STAMP)
	$(PIP) install -e ".[docs]"
	touch $(DOCS_STAMP)

docs: install $(DOCS_STAMP)
	$(PY) -m sphinx -W --keep-going -b html docs docs/_build/html

clean:
	rm -rf $(VENV) .pytest_cache build dist
