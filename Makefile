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

.PHONY: install test test-oldest demo lint bench clean docs

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

# The common checks against the oldest scikit-learn and skorch that pyproject.toml allows,
# read from its lower bounds. Their own venv holds only those two; a .pth file lends it
# every other package of $(VENV), so the step costs a two-wheel install, not a second set-up.
OLDEST_VENV ?= .venv-oldest
test-oldest: install
	test -x $(OLDEST_VENV)/bin/python || $(PYTHON) -m venv $(OLDEST_VENV)
	$(OLDEST_VENV)/bin/python -m pip install --quiet --no-deps \
		"scikit-learn==$$(grep -oP '"scikit-learn>=\K[0-9.]+' pyproject.toml)" \
		"skorch==$$(grep -oP '"skorch>=\K[0-9.]+' pyproject.toml)"
	echo "import site; site.addsitedir('$$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')')" \
		> "$$($(OLDEST_VENV)/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/skjet-main-venv.pth"
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \
		$(OLDEST_VENV)/bin/python -m pytest $(PYTEST_ARGS) -p no:cacheprovider tests/test_common.py

# The demo fine-tunes JetClass's ParticleNet; it downloads the checkpoint once. Machines
# without internet keep the checkpoints beside the clone, as the tests read them.
PRETRAINED_DIR := $(wildcard ../shared/data/pretrained)
demo: install
	$(if $(PRETRAINED_DIR),SKJET_PRETRAINED_DIR="$${SKJET_PRETRAINED_DIR:-$(abspath $(PRETRAINED_DIR))}") \
		$(PY) -m skjet demo

lint: install
	$(VENV)/bin/ruff check skjet tests benchmarks examples
	$(VENV)/bin/mypy  # configured in pyproject.toml: skjet/

bench: install
	$(PY) benchmarks/run_all.py

DOCS_STAMP := $(VENV)/.skjet-docs-installed
$(DOCS_STAMP): pyproject.toml | $(STAMP)
	$(PIP) install -e ".[docs]"
	touch $(DOCS_STAMP)

docs: install $(DOCS_STAMP)
	$(PY) -m sphinx -W --keep-going -b html docs docs/_build/html

clean:
	rm -rf $(VENV) $(OLDEST_VENV) .pytest_cache build dist
