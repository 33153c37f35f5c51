"""The code blocks of docs/deploying.md, run once per session and shared by the tests.

The hls4ml block trains the jet-exercise MLP and compiles its firmware at two precisions;
the hls4ml tests check those objects rather than compiling their own (each compilation
takes seconds).
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[3] / "docs" / "deploying.md"


def page_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", PAGE.read_text(), flags=re.DOTALL)


def run_block(block: str) -> tuple[dict, str]:
    import matplotlib.pyplot as plt

    namespace: dict = {}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, str(PAGE), "exec"), namespace)
    plt.close("all")
    return namespace, out.getvalue()


@pytest.fixture(scope="session")
def hls4ml_page(five_class_sample):
    """(namespace, printed output) of the page's hls4ml block; skips without hls4ml or g++."""
    pytest.importorskip("hls4ml")
    torch = pytest.importorskip("torch")
    from skjet.export import find_cxx_compiler

    if find_cxx_compiler() is None:
        pytest.skip("hls4ml's bit-accurate emulation compiles C++: no g++ (or $CXX) on PATH")
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return run_block(page_blocks()[1])
    finally:
        torch.set_num_threads(previous)
