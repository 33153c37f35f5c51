"""Optional dependencies, imported on first use with a message that names the extra."""

from __future__ import annotations

import importlib
from types import ModuleType

# Which ``pip install skjet[extra]`` provides each optional module.
_EXTRAS = {
    "pythia8mc": "generate",
    "fastjet": "generate",
    "weaver": "taggers",
    "mplhep": "plot",
    "dask": "dask",
    "distributed": "dask",
    "onnx": "export",
    "onnxruntime": "export",
    "skl2onnx": "export",
    "onnxmltools": "export",
    "onnxscript": "export",
    "hls4ml": "hls4ml",
}


def import_optional(name: str, *, purpose: str | None = None) -> ModuleType:
    """Import an optional dependency or raise an ImportError naming the extra to install.

    Parameters
    ----------
    name : str
        Module name, e.g. ``"fastjet"``.
    purpose : str, optional
        What needs it, used in the message (e.g. ``"generate_jets"``).

    Returns
    -------
    module : ModuleType

    Examples
    --------
    >>> np = import_optional("numpy")
    >>> np.__name__
    'numpy'
    """
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        extra = _EXTRAS.get(name)
        what = f"{purpose} needs" if purpose else "This feature needs"
        hint = (
            f'pip install "skjet[{extra}]"' if extra else f"pip install {name}"
        )
        raise ImportError(f"{what} the optional dependency {name!r}; install it with: {hint}") from exc
