"""The README's example runs as printed and gives a sensible R30 per fold."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import numpy as np
import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def _python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)


def test_readme_has_one_short_example():
    (block,) = _python_blocks(README.read_text())
    assert len([line for line in block.splitlines() if line.strip()]) <= 10


def test_readme_example_runs(top_qcd_sample):
    # The fixture has generated (and cached) the same sample the example asks for.
    pytest.importorskip("torch")
    (block,) = _python_blocks(README.read_text())
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, str(README), "exec"), {})
    scores = np.array([float(v) for v in re.findall(r"[\d.]+(?:e[+-]?\d+)?", out.getvalue())])
    assert scores.shape == (3,)
    # R30 of a working tagger on top vs QCD is far above the random guess 1/0.3.
    assert (scores > 1 / 0.3).all(), out.getvalue()
