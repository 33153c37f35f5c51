"""Jet samples: the Pythia8 + FastJet generator and readers of the public formats."""

from ..utils._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    {
        "generate_jets": "._generate",
        "Detector": "._detector",
        "PARTICLE_FEATURES": "._detector",
        "get_data_home": "._base",
        "clear_data_home": "._base",
        "load_top_tagging": "._top_tagging",
        "iter_top_tagging": "._top_tagging",
        "save_top_tagging": "._top_tagging",
        "fetch_top_tagging": "._top_tagging",
        "load_hls4ml": "._hls4ml",
        "fetch_hls4ml": "._hls4ml",
        "load_root": "._root",
        "load_pfnano": "._pfnano",
        "load_jetclass": "._jetclass",
        "transform_top_tagging": "._stream",
        "partial_fit_top_tagging": "._stream",
        "iter_pfnano": "._stream",
        "partial_fit_pfnano": "._stream",
    },
)
