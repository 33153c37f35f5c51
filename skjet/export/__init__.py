"""Models out of Python: ONNX graphs for inference services, hls4ml for FPGA firmware.

:func:`to_onnx` turns a fitted classifier or Pipeline into one ONNX graph (raw input ->
class probabilities) for ONNX Runtime; :func:`to_hls4ml` turns a scaler + MLP pipeline into
an hls4ml model whose bit-accurate C++ emulation is a scikit-learn classifier.
"""

from ._onnx import onnx_session, to_onnx

__all__ = ["onnx_session", "to_onnx"]
