"""Session fixtures shared by every test: small generated physics samples.

Samples come from :func:`skjet.datasets.generate_jets` with a fixed ``random_state``, cached
under ``SKJET_DATA_HOME``. Under pytest-xdist a file lock makes one worker generate while the
others wait and then read the cache.
"""

from __future__ import annotations

import os

import matplotlib
import numpy as np
import pytest

# Tests and docstring examples draw figures without a display.
matplotlib.use("Agg")

# The JetClass checkpoints of the project's shared data folder (beside the repository);
# tests that need them skip with a reason where it is absent (a user's clone).
PRETRAINED_DIR = os.path.join(os.path.dirname(__file__), "..", "shared", "data", "pretrained")
if os.path.isdir(PRETRAINED_DIR):
    os.environ.setdefault("SKJET_PRETRAINED_DIR", os.path.abspath(PRETRAINED_DIR))

# Small enough for CI on 2 cores, large enough for medians and AUCs to be stable.
N_TOP_QCD = int(os.environ.get("SKJET_TEST_N_TOP_QCD", "800"))
N_FIVE_CLASS = int(os.environ.get("SKJET_TEST_N_FIVE_CLASS", "300"))


def _generate(**kwargs):
    try:
        from skjet.datasets import generate_jets
    except (ImportError, AttributeError) as exc:  # generator or its extra not installed
        pytest.skip(f"skjet.datasets.generate_jets unavailable: {exc}")
    from filelock import FileLock

    from skjet.datasets import get_data_home

    lock = FileLock(str(get_data_home() / "test-fixtures.lock"))
    with lock:
        return generate_jets(random_state=0, progress=False, cache=True, n_jobs=1, **kwargs)


@pytest.fixture(scope="session")
def top_qcd_sample():
    """Top vs QCD jets, 550-650 GeV, R=0.8: the Top Quark Tagging Reference layout."""
    return _generate(processes=("top", "qcd"), n_jets=N_TOP_QCD)


@pytest.fixture(scope="session")
def five_class_sample():
    """g, q, t, w, z jets around 1 TeV: the hls4ml-style task."""
    return _generate(
        processes=("g", "q", "t", "w", "z"), n_jets=N_FIVE_CLASS, pt_range=(900, 1100)
    )


@pytest.fixture
def one_torch_thread():
    """One torch thread for the test: on a loaded 2-core machine, more threads spin-wait
    for seconds per batch. Use with ``pytestmark = pytest.mark.usefixtures(...)``."""
    torch = pytest.importorskip("torch")
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def _mass_correlated_jets(n=1600, seed=0):
    """Toy top vs QCD: the mass separates the classes strongly, a second feature weakly.

    Returns ``(X, y, mass)`` with X = (mass / 100, feature), for the decorrelation tests.
    """
    rng = np.random.default_rng(seed)
    y = np.repeat(["qcd", "top"], n // 2)
    top = y == "top"
    mass = np.where(top, rng.normal(170, 25, n), rng.exponential(60, n) + 20)
    X = np.c_[mass / 100, rng.normal(size=n) + 1.5 * top].astype(np.float32)
    return X, y, mass


@pytest.fixture
def mass_correlated_jets():
    """The factory :func:`_mass_correlated_jets` (``n``, ``seed``)."""
    return _mass_correlated_jets
