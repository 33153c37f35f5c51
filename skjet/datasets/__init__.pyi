"""Types of the lazily imported public names of skjet.datasets (see __init__.py).

Type checkers read this file instead of ``__init__.py``, whose ``__getattr__`` they
would see as returning ``Any``; listed in ``__all__``, the imports are re-exported, and
tests/test_stubs.py keeps them equal to the package's ``__all__``.
"""

from ._base import clear_data_home, get_data_home
from ._detector import PARTICLE_FEATURES, Detector
from ._generate import generate_jets
from ._hls4ml import fetch_hls4ml, load_hls4ml
from ._jetclass import load_jetclass
from ._pfnano import load_pfnano
from ._root import load_root
from ._stream import (
    iter_pfnano,
    partial_fit_pfnano,
    partial_fit_top_tagging,
    transform_top_tagging,
)
from ._top_tagging import (
    fetch_top_tagging,
    iter_top_tagging,
    load_top_tagging,
    save_top_tagging,
)

__all__ = [
    "Detector",
    "PARTICLE_FEATURES",
    "clear_data_home",
    "fetch_hls4ml",
    "fetch_top_tagging",
    "generate_jets",
    "get_data_home",
    "iter_pfnano",
    "iter_top_tagging",
    "load_hls4ml",
    "load_jetclass",
    "load_pfnano",
    "load_root",
    "load_top_tagging",
    "partial_fit_pfnano",
    "partial_fit_top_tagging",
    "save_top_tagging",
    "transform_top_tagging",
]
