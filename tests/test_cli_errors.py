"""Every error of the command is one line and a non-zero exit; --debug shows the traceback."""

from __future__ import annotations

import numpy as np
import pytest

from skjet import _cli
from skjet.__main__ import main
from skjet.datasets import save_top_tagging


@pytest.fixture
def truncated(tmp_path):
    X = np.zeros((50, 3, 4), dtype=np.float32)
    X[:, 0] = [10.0, 6.0, 8.0, 0.0]
    path = tmp_path / "jets.h5"
    save_top_tagging(path, X, np.arange(50) % 2)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # an interrupted download
    return path


def test_truncated_file_is_one_line(truncated, capsys, tmp_path):
    assert main(["compare", str(truncated), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"skjet compare: error: {truncated} is truncated or damaged" in err
    assert "download (or copy) it again" in err


def _boom(args):
    raise RuntimeError("something\ndeep inside")


@pytest.mark.parametrize("command", [["demo"], ["generate"], ["compare", "jets.h5"]])
def test_any_exception_is_one_line_with_its_type(command, monkeypatch, capsys):
    monkeypatch.setattr(_cli, f"_{command[0]}", _boom)
    assert main(command) == 1
    err = capsys.readouterr().err
    assert err == (
        f"skjet {command[0]}: error: RuntimeError: something deep inside "
        "(rerun with --debug for the traceback)\n"
    )
    with pytest.raises(RuntimeError, match="deep inside"):
        main([*command, "--debug"])


def test_key_error_message_is_not_quoted(monkeypatch, capsys):
    def missing(args):
        raise KeyError("jets.h5: no key 'table'")

    monkeypatch.setattr(_cli, "_compare", missing)
    assert main(["compare", "jets.h5"]) == 1
    assert capsys.readouterr().err == "skjet compare: error: jets.h5: no key 'table'\n"


def test_decorrelate_needs_constituents(tmp_path, capsys):
    table = tmp_path / "features.csv"  # an hls4ml-like table: jet features only
    table.write_text("j_mass_mmdt,label\n80.0,t\n")
    assert main(["compare", str(table), "--decorrelate", "mass"]) == 1
    err = capsys.readouterr().err
    assert "--decorrelate mass needs constituents" in err and err.count("\n") == 1
