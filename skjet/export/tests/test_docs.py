"""The code of the user-guide page "Deploying a tagger" runs as printed."""

from __future__ import annotations

import re

import pytest

from .conftest import page_blocks, run_block

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_the_page_has_the_onnx_and_hls4ml_blocks():
    onnx_block, hls_block = page_blocks()
    assert "to_onnx" in onnx_block and "InferenceSession" in onnx_block
    assert "to_hls4ml" in hls_block and "precision_scan" in hls_block


def test_onnx_block(top_qcd_sample, tmp_path, monkeypatch):
    # the fixture has generated (and cached) the sample the page asks for
    pytest.importorskip("onnxruntime")
    monkeypatch.chdir(tmp_path)
    namespace, printed = run_block(page_blocks()[0])
    assert (tmp_path / "tagger.onnx").stat().st_size > 0
    assert namespace["proba"].shape == (5, 2)
    assert float(printed.strip()) <= 1e-5


def test_hls4ml_block(hls4ml_page):
    namespace, printed = hls4ml_page
    scan = namespace["scan"]
    assert scan["precision"].tolist() == ["ap_fixed<8,6>", "ap_fixed<16,6>"]
    assert re.fullmatch(r"float 0\.\d{3}, firmware 0\.\d{3}\n", printed)
    # the 16-bit point of the scan is the firmware compiled in the block
    assert scan["accuracy"].iloc[1] == pytest.approx(namespace["firmware"].score(
        namespace["X_test"], namespace["y_test"]))
