"""Models out of Python: ONNX graphs for inference services, hls4ml for FPGA firmware.

:func:`to_onnx` turns a fitted classifier or Pipeline into one ONNX graph (raw input ->
class probabilities) for ONNX Runtime. :func:`to_hls4ml` turns a scaler + MLP pipeline into
hls4ml firmware whose bit-accurate C++ emulation is a scikit-learn classifier
(:class:`HLS4MLClassifier`); :func:`precision_scan` measures accuracy and AUC against the
fixed-point bit width.
"""

from ._hls4ml import HLS4MLClassifier, find_cxx_compiler, fold_pipeline, precision_scan, to_hls4ml
from ._onnx import onnx_session, to_onnx

__all__ = [
    "HLS4MLClassifier",
    "find_cxx_compiler",
    "fold_pipeline",
    "onnx_session",
    "precision_scan",
    "to_hls4ml",
    "to_onnx",
]
