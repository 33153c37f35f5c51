"""The "Your own ROOT file" page runs as printed, on PFNano files the test writes."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import numpy as np
import pytest

PAGE = Path(__file__).resolve().parents[1] / "docs" / "root.md"


def test_root_page_example_runs(top_qcd_sample, tmp_path, monkeypatch):
    pytest.importorskip("torch")
    from skjet.datasets._pfnano import _write_pfnano
    from skjet.features import Substructure

    (block,) = re.findall(r"```python\n(.*?)```", PAGE.read_text(), flags=re.DOTALL)
    assert len([line for line in block.splitlines() if line.strip()]) <= 16
    for name in ("top", "qcd"):
        X = top_qcd_sample.constituents[np.flatnonzero(top_qcd_sample.target == name)[:250]]
        tau2, tau3, msd = Substructure(features=("tau2", "tau3", "sd_mass")).fit_transform(X).T
        _write_pfnano(
            tmp_path / f"{name}.root", X, jets_per_event=2,
            jet_branches={"tau2": tau2, "tau3": tau3, "msoftdrop": msd},
        )
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, str(PAGE), "exec"), {})
    printed = out.getvalue()
    assert "of 500 FatJet jets from 250 events (0 without jets) of 2 file(s)" in printed
    # Both approaches separate top from QCD: the table's AUC (third column) is far above 0.5.
    rows = [line.split("│") for line in printed.splitlines() if "│" in line]
    auc = {cells[1].strip(): float(cells[3].split("±")[0]) for cells in rows}
    assert set(auc) == {"XGBoost on FatJet branches", "Deep Sets on candidates"}, printed
    assert min(auc.values()) > 0.75, auc
