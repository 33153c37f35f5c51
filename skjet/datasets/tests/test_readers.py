"""Tests of the data readers: Top Quark Tagging HDF5, hls4ml tables, ROOT trees, downloads."""

from __future__ import annotations

import hashlib
import io
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from skjet.datasets import (
    _download,
    _hls4ml,
    _top_tagging,
    fetch_hls4ml,
    fetch_top_tagging,
    iter_top_tagging,
    load_hls4ml,
    load_root,
    load_top_tagging,
    save_top_tagging,
)
from skjet.datasets._top_tagging import top_tagging_columns

# The project's shared data folder sits beside the repository; SKJET_SHARED_DATA points
# elsewhere (a git worktree, a CI cache).
ROOT_DATA = (
    Path(os.environ.get("SKJET_SHARED_DATA", Path(__file__).resolve().parents[3] / ".." / "shared"))
    / "data"
    / "root"
)


def _public_frame(n: int, rng, n_real: int = 30) -> pd.DataFrame:
    """An 806-column frame exactly as in the public files: float32 x 804, int64 x 2."""
    cols = top_tagging_columns()
    values = np.zeros((n, 804), dtype=np.float32)
    k = rng.integers(1, n_real + 1, size=n)
    p = rng.normal(0, 50, size=(n, n_real, 3)).astype(np.float32)
    e = np.linalg.norm(p, axis=-1) + 0.1
    four = np.concatenate([e[..., None], p], axis=-1).astype(np.float32)
    four[np.arange(n_real)[None, :] >= k[:, None]] = 0.0  # zero padding
    values[:, : 4 * n_real] = four.reshape(n, -1)
    values[:, 800:] = rng.normal(0, 100, size=(n, 4))
    frame = pd.DataFrame(values, columns=cols[:804])
    frame["ttv"] = np.zeros(n, dtype=np.int64)
    frame["is_signal_new"] = rng.integers(0, 2, size=n).astype(np.int64)
    frame.index = 375 + 2 * np.arange(n)  # the public files keep a shuffled, non-trivial index
    return frame


@pytest.fixture
def public_file(tmp_path, rng):
    frame = _public_frame(257, rng)
    path = tmp_path / "train.h5"
    frame.to_hdf(path, key="table", format="fixed")
    return path, frame


def _expected(frame):
    X = frame[top_tagging_columns()[:800]].to_numpy().reshape(-1, 200, 4)
    return X, frame["is_signal_new"].to_numpy()


# ---------------------------------------------------------------- top tagging: reading


def test_load_public_fixed_layout(public_file):
    path, frame = public_file
    jets = load_top_tagging(path)
    X, y = _expected(frame)
    assert jets.constituents.shape == (257, 200, 4)
    assert jets.constituents.dtype == np.float32
    np.testing.assert_array_equal(jets.constituents, X)
    np.testing.assert_array_equal(jets.target, y)
    assert jets.target.dtype == np.int64
    assert jets.target_names.tolist() == ["qcd", "top"]
    np.testing.assert_array_equal(jets.truth, frame[["truthE", "truthPX", "truthPY", "truthPZ"]])
    np.testing.assert_array_equal(jets.ttv, frame["ttv"])
    X2, y2 = load_top_tagging(path, return_X_y=True)
    np.testing.assert_array_equal(X2, X)
    np.testing.assert_array_equal(y2, y)


@pytest.mark.parametrize("chunk_size", [1, 10, 100, 256, 257, 10_000])
@pytest.mark.parametrize("start,stop", [(None, None), (3, 200), (0, 1), (-50, None), (100, -7)])
def test_load_start_stop_chunks(public_file, chunk_size, start, stop):
    path, frame = public_file
    X, y = _expected(frame)
    got_X, got_y = load_top_tagging(path, start, stop, chunk_size=chunk_size, return_X_y=True)
    np.testing.assert_array_equal(got_X, X[start:stop])
    np.testing.assert_array_equal(got_y, y[start:stop])
    # the same rows as pandas' own start/stop
    ref = pd.read_hdf(path, "table", start=start, stop=stop)
    np.testing.assert_array_equal(got_y, ref["is_signal_new"].to_numpy())


def test_load_empty_range(public_file):
    path, _ = public_file
    X, y = load_top_tagging(path, start=100, stop=50, return_X_y=True)
    assert X.shape == (0, 200, 4) and y.shape == (0,)


def test_load_table_format_file(tmp_path, rng):
    frame = _public_frame(123, rng)
    path = tmp_path / "table.h5"
    frame.to_hdf(path, key="table", format="table")
    jets = load_top_tagging(path, start=5, stop=120, chunk_size=17)
    X, y = _expected(frame)
    np.testing.assert_array_equal(jets.constituents, X[5:120])
    np.testing.assert_array_equal(jets.target, y[5:120])
    np.testing.assert_array_equal(jets.truth, frame.iloc[5:120, 800:804].to_numpy())


def test_load_permuted_columns_and_float64_block(tmp_path, rng):
    frame = _public_frame(40, rng)
    cols = list(frame.columns)
    shuffled = frame[[cols[i] for i in rng.permutation(len(cols))]].copy()
    shuffled["PX_7"] = shuffled["PX_7"].astype(np.float64)  # a second float block
    path = tmp_path / "perm.h5"
    shuffled.to_hdf(path, key="table", format="fixed")
    X, y = _expected(frame)
    got_X, got_y = load_top_tagging(path, chunk_size=9, return_X_y=True)
    np.testing.assert_array_equal(got_X, X)
    np.testing.assert_array_equal(got_y, y)


def test_load_fewer_constituents_without_truth_or_ttv(tmp_path, rng):
    cols = [f"{f}_{i}" for i in range(3) for f in ("E", "PX", "PY", "PZ")]
    frame = pd.DataFrame(rng.normal(size=(6, 12)).astype(np.float32), columns=cols)
    frame["is_signal_new"] = [0, 1, 1, 0, 1, 0]
    path = tmp_path / "small.h5"
    frame.to_hdf(path, key="table")
    jets = load_top_tagging(path)
    assert jets.constituents.shape == (6, 3, 4)
    assert jets.truth is None and jets.ttv is None
    np.testing.assert_array_equal(jets.constituents.reshape(6, 12), frame[cols].to_numpy())


def test_iter_top_tagging_streams_all_rows(public_file):
    path, frame = public_file
    X, y = _expected(frame)
    chunks = list(iter_top_tagging(path, chunk_size=100))
    assert [c[0].shape[0] for c in chunks] == [100, 100, 57]
    np.testing.assert_array_equal(np.concatenate([c[0] for c in chunks]), X)
    np.testing.assert_array_equal(np.concatenate([c[1] for c in chunks]), y)
    part = list(iter_top_tagging(path, chunk_size=7, start=10, stop=30))
    assert [c[0].shape[0] for c in part] == [7, 7, 6]
    np.testing.assert_array_equal(np.concatenate([c[0] for c in part]), X[10:30])


# ---------------------------------------------------------------- top tagging: errors


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.h5"):
        load_top_tagging(tmp_path / "nope.h5")


def test_not_hdf5(tmp_path):
    path = tmp_path / "text.h5"
    path.write_text("not hdf5")
    with pytest.raises(ValueError, match="text.h5 is not an HDF5 file"):
        load_top_tagging(path)


def test_wrong_key_lists_keys(public_file):
    path, _ = public_file
    with pytest.raises(KeyError, match=r"no key 'jets'.*'/table'"):
        load_top_tagging(path, key="jets")


def test_missing_label_column(tmp_path, rng):
    frame = _public_frame(5, rng).drop(columns="is_signal_new")
    frame.to_hdf(tmp_path / "f.h5", key="table")
    with pytest.raises(ValueError, match=r"f\.h5.*'is_signal_new' is missing"):
        load_top_tagging(tmp_path / "f.h5")


def test_incomplete_quadruple_named(tmp_path, rng):
    frame = _public_frame(5, rng).drop(columns="PZ_199")
    frame.to_hdf(tmp_path / "f.h5", key="table")
    with pytest.raises(ValueError, match=r"f\.h5: 799 constituent columns.*divide into 4.*PZ_199"):
        load_top_tagging(tmp_path / "f.h5")


def test_extra_column_named(tmp_path, rng):
    frame = _public_frame(5, rng)
    frame["weight"] = 1.0
    frame.to_hdf(tmp_path / "f.h5", key="table")
    with pytest.raises(ValueError, match=r"f\.h5: unexpected column\(s\) weight"):
        load_top_tagging(tmp_path / "f.h5")


def test_incomplete_truth_named(tmp_path, rng):
    frame = _public_frame(5, rng).drop(columns="truthPZ")
    frame.to_hdf(tmp_path / "f.h5", key="table")
    with pytest.raises(ValueError, match=r"truth columns incomplete.*truthPZ"):
        load_top_tagging(tmp_path / "f.h5")


def test_no_constituent_columns(tmp_path):
    pd.DataFrame({"a": [1.0], "is_signal_new": [1]}).to_hdf(tmp_path / "f.h5", key="table")
    with pytest.raises(ValueError, match=r"f\.h5: no constituent columns"):
        load_top_tagging(tmp_path / "f.h5")


@pytest.mark.parametrize("fmt", ["fixed", "table"])
def test_non_numeric_column_named(tmp_path, rng, fmt):
    frame = _public_frame(5, rng)
    frame["E_3"] = "x"
    frame.to_hdf(tmp_path / "f.h5", key="table", format=fmt)
    with pytest.raises(ValueError, match=r"f\.h5: non-numeric column\(s\) E_3"):
        load_top_tagging(tmp_path / "f.h5")


def test_nan_names_column_and_row(tmp_path, rng):
    frame = _public_frame(30, rng)
    frame.iloc[21, frame.columns.get_loc("PY_2")] = np.nan
    path = tmp_path / "f.h5"
    frame.to_hdf(path, key="table")
    with pytest.raises(
        ValueError, match=r"f\.h5: NaN or infinite values in column\(s\) PY_2 \(first at row 21\)"
    ):
        load_top_tagging(path, chunk_size=8)
    jets = load_top_tagging(path, allow_nan=True)
    assert np.isnan(jets.constituents[21, 2, 2])
    assert np.isfinite(np.delete(jets.constituents.reshape(-1), 21 * 800 + 2 * 4 + 2)).all()


def test_bad_labels(tmp_path, rng):
    frame = _public_frame(10, rng)
    frame.loc[frame.index[4], "is_signal_new"] = 2
    frame.to_hdf(tmp_path / "f.h5", key="table")
    with pytest.raises(
        ValueError,
        match=r"is_signal_new must be 0 \(QCD\) or 1 \(top\); found \[2\] \(first at row 4\)",
    ):
        load_top_tagging(tmp_path / "f.h5")


@pytest.mark.parametrize("fmt", ["fixed", "table"])
@pytest.mark.parametrize("column", ["is_signal_new", "ttv"])
@pytest.mark.parametrize("value", [0.7, np.nan])
def test_float_label_or_ttv_column_rejected(tmp_path, rng, fmt, column, value):
    # read into int64, a float column turned 0.7 into 0 silently and NaN into -2**63
    frame = _public_frame(10, rng)
    frame[column] = frame[column].astype(np.float64)
    frame.loc[frame.index[3], column] = value
    frame.to_hdf(tmp_path / "f.h5", key="table", format=fmt)
    with pytest.raises(
        ValueError, match=rf"f\.h5: column '{column}' must hold integers.*got dtype float64"
    ):
        load_top_tagging(tmp_path / "f.h5")


@pytest.mark.parametrize("fmt", ["fixed", "table"])
def test_bool_label_column_accepted(tmp_path, rng, fmt):
    frame = _public_frame(10, rng)
    frame["is_signal_new"] = frame["is_signal_new"].astype(bool)
    frame.to_hdf(tmp_path / "f.h5", key="table", format=fmt)
    jets = load_top_tagging(tmp_path / "f.h5")
    np.testing.assert_array_equal(jets.target, frame["is_signal_new"].to_numpy().astype(int))


def test_nan_truth_named(tmp_path, rng):
    frame = _public_frame(12, rng)
    frame.iloc[9, frame.columns.get_loc("truthPX")] = np.inf
    frame.to_hdf(tmp_path / "f.h5", key="table")
    with pytest.raises(ValueError, match=r"column\(s\) truthPX \(first at row 9\)"):
        load_top_tagging(tmp_path / "f.h5", chunk_size=5)
    assert np.isinf(load_top_tagging(tmp_path / "f.h5", allow_nan=True).truth[9, 1])


def test_series_under_key_rejected(tmp_path):
    pd.Series([1.0, 2.0]).to_hdf(tmp_path / "s.h5", key="table")
    with pytest.raises(ValueError, match="holds series, not a pandas DataFrame"):
        load_top_tagging(tmp_path / "s.h5")


@pytest.mark.parametrize("chunk_size", [0, -1, 2.5, "10"])
def test_bad_chunk_size(public_file, chunk_size):
    with pytest.raises(ValueError, match=r"'chunk_size' parameter of \w+ must be an int in the range \[1, inf\)"):
        load_top_tagging(public_file[0], chunk_size=chunk_size)


# ---------------------------------------------------------------- top tagging: writing


def test_save_matches_pandas_layout(tmp_path, rng):
    n, m = 131, 37
    X = rng.normal(size=(n, m, 4)).astype(np.float32)
    y = np.where(rng.random(n) < 0.5, "top", "qcd")
    truth = rng.normal(size=(n, 4))
    path = tmp_path / "saved.h5"
    save_top_tagging(path, X, y, truth=truth, ttv=np.arange(n) % 3, chunk_size=50)
    frame = pd.read_hdf(path, "table")
    assert list(frame.columns) == top_tagging_columns()
    assert frame.dtypes.iloc[:804].eq(np.float32).all()
    assert frame["ttv"].dtype == np.int64 and frame["is_signal_new"].dtype == np.int64
    np.testing.assert_array_equal(frame.iloc[:, : 4 * m].to_numpy(), X.reshape(n, -1))
    assert (frame.iloc[:, 4 * m : 800].to_numpy() == 0).all()  # padded to 200
    np.testing.assert_array_equal(frame.iloc[:, 800:804].to_numpy(), truth.astype(np.float32))
    np.testing.assert_array_equal(frame["ttv"], np.arange(n) % 3)
    np.testing.assert_array_equal(frame["is_signal_new"], (y == "top").astype(int))
    np.testing.assert_array_equal(frame.index, np.arange(n))
    # pandas' start/stop on our file
    np.testing.assert_array_equal(
        pd.read_hdf(path, "table", start=40, stop=60).index, np.arange(40, 60)
    )


def test_save_load_round_trip(tmp_path, rng):
    X = rng.normal(size=(64, 200, 4)).astype(np.float32)
    y = rng.integers(0, 2, 64)
    path = tmp_path / "rt.h5"
    save_top_tagging(path, X.reshape(64, 800), y, complevel=4, chunk_size=10)
    jets = load_top_tagging(path, chunk_size=7)
    np.testing.assert_array_equal(jets.constituents, X)
    np.testing.assert_array_equal(jets.target, y)
    np.testing.assert_array_equal(jets.truth, np.zeros((64, 4)))
    np.testing.assert_array_equal(jets.ttv, np.zeros(64))


def test_save_labels_case_and_bool(tmp_path):
    path = tmp_path / "l.h5"
    save_top_tagging(path, np.ones((3, 1, 4)), ["TOP", "Qcd", "top"])
    assert load_top_tagging(path).target.tolist() == [1, 0, 1]
    save_top_tagging(path, np.ones((2, 1, 4)), np.array([True, False]))
    assert load_top_tagging(path).target.tolist() == [1, 0]


@pytest.mark.parametrize(
    "X,y,match",
    [
        (np.ones((2, 3, 4)), ["top", "w"], r"label\(s\) \['w'\]"),
        (np.ones((2, 3, 4)), [0, 3], r"value\(s\) \[3\]"),
        (np.ones((2, 3, 4)), [0], "one label per jet"),
        (np.ones((2, 10)), [0, 1], "10 columns, which does not divide into"),
        (np.ones((2, 3, 3)), [0, 1], r"shape \(n_jets, n_constituents, 4\)"),
        (np.ones((2, 201, 4)), [0, 1], "at most 200"),
        (np.ones((0, 3, 4)), [], "empty"),
        (np.full((2, 3, 4), np.nan), [0, 1], "X contains NaN"),
        (np.array([[["a"] * 4]]), [0], "numeric"),
    ],
)
def test_save_errors(tmp_path, X, y, match):
    path = tmp_path / "bad.h5"
    with pytest.raises(ValueError, match=match):
        save_top_tagging(path, X, y)
    assert not path.exists()


def test_save_bad_truth_and_complevel(tmp_path):
    with pytest.raises(ValueError, match=r"truth must be numeric of shape \(2, 4\)"):
        save_top_tagging(tmp_path / "b.h5", np.ones((2, 1, 4)), [0, 1], truth=np.ones((2, 3)))
    with pytest.raises(ValueError, match="complevel"):
        save_top_tagging(tmp_path / "b.h5", np.ones((2, 1, 4)), [0, 1], complevel=12)


# ---------------------------------------------------------------- downloads


def test_download_file_url_and_checksum(tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(b"jets" * 1000)
    digest = hashlib.md5(src.read_bytes()).hexdigest()
    dst = _download.download(
        src.as_uri(), tmp_path / "cache" / "a.bin", checksum=f"md5:{digest}", size=4000
    )
    assert dst.read_bytes() == src.read_bytes()
    sha = hashlib.sha256(src.read_bytes()).hexdigest()
    assert _download.download(src.as_uri(), tmp_path / "b.bin", checksum=f"sha256:{sha}").is_file()


def test_download_mismatch_caches_nothing(tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(b"corrupted")
    dst = tmp_path / "cache" / "a.bin"
    with pytest.raises(OSError, match="MD5 checksum of .* expected 0+; .*Nothing was cached"):
        _download.download(src.as_uri(), dst, checksum="0" * 32)
    with pytest.raises(OSError, match="is 9 bytes, expected 10"):
        _download.download(src.as_uri(), dst, size=10)
    assert not dst.exists()
    assert list(dst.parent.iterdir()) == []  # no stray temporary file either
    with pytest.raises(ValueError, match="Unsupported checksum algorithm"):
        _download.download(src.as_uri(), dst, checksum="crc32:00")


def test_download_unreachable(tmp_path):
    with pytest.raises(OSError, match="Could not download"):
        _download.download((tmp_path / "absent").as_uri(), tmp_path / "x")
    assert not (tmp_path / "x").exists()


def _serve(tmp_path, monkeypatch) -> Path:
    """A local folder standing in for Zenodo: <served>/record.json and <served>/<file>."""
    served = tmp_path / "served" / str(_top_tagging.ZENODO_RECORD)
    served.mkdir(parents=True)
    monkeypatch.setattr(
        _top_tagging, "ZENODO_API_URL", (tmp_path / "served").as_uri() + "/{record}/record.json"
    )
    monkeypatch.setattr(
        _top_tagging, "ZENODO_FILE_URL", (tmp_path / "served").as_uri() + "/{record}/{filename}"
    )
    return served


def test_fetch_top_tagging_with_fake_zenodo(tmp_path, rng, monkeypatch):
    frame = _public_frame(20, rng)
    served = _serve(tmp_path, monkeypatch)
    frame.to_hdf(served / "val.h5", key="table")
    data = (served / "val.h5").read_bytes()
    record = {
        "files": [
            {"key": "val.h5", "size": len(data), "checksum": "md5:" + hashlib.md5(data).hexdigest()}
        ]
    }
    (served / "record.json").write_text(json.dumps(record))
    home = tmp_path / "home"
    with pytest.raises(OSError, match="not cached and download_if_missing=False"):
        fetch_top_tagging("val", data_home=home, download_if_missing=False)
    jets = fetch_top_tagging("val", data_home=home, stop=15, progress=False)
    np.testing.assert_array_equal(jets.target, frame["is_signal_new"].to_numpy()[:15])
    assert (home / "top_tagging" / "val.h5").is_file()
    # cached: served file gone, still loads
    (served / "val.h5").unlink()
    assert fetch_top_tagging("val", data_home=home, return_X_y=True)[0].shape == (20, 200, 4)
    with pytest.raises(ValueError, match=r"'subset' parameter of fetch_top_tagging must be a str among"):
        fetch_top_tagging("training", data_home=home)


def test_fetch_top_tagging_checksum_mismatch(tmp_path, rng, monkeypatch):
    served = _serve(tmp_path, monkeypatch)
    _public_frame(5, rng).to_hdf(served / "test.h5", key="table")
    record = {
        "files": [
            {
                "key": "test.h5",
                "size": (served / "test.h5").stat().st_size,
                "checksum": "md5:" + "0" * 32,
            }
        ]
    }
    (served / "record.json").write_text(json.dumps(record))
    with pytest.raises(OSError, match="checksum"):
        fetch_top_tagging("test", data_home=tmp_path / "home", progress=False)
    assert not (tmp_path / "home" / "top_tagging" / "test.h5").exists()


def test_zenodo_file_info_formats():
    assert _download.zenodo_file_info(
        {"files": [{"key": "a", "size": 3, "checksum": "md5:ab"}]}, "a"
    ) == ("md5:ab", 3)
    legacy = {"files": [{"filename": "a", "filesize": 4, "checksum": "cd"}]}
    assert _download.zenodo_file_info(legacy, "a") == ("cd", 4)
    with pytest.raises(OSError, match=r"no file 'b'; it lists \['a'\]"):
        _download.zenodo_file_info(legacy, "b")


def test_download_error_mid_read_names_url_and_closes_bar(tmp_path, monkeypatch):
    import tqdm.auto

    class Response(io.BytesIO):
        headers = {"Content-Length": "100"}

        def read(self, size=-1):
            if self.tell() >= 30:
                raise ConnectionResetError("connection reset by peer")
            return super().read(30)

    bars = []

    class Bar:
        def __init__(self, **kwargs):
            self.closed = False
            bars.append(self)

        def update(self, n):
            pass

        def close(self):
            self.closed = True

    monkeypatch.setattr(tqdm.auto, "tqdm", Bar)
    monkeypatch.setattr(
        _download.urllib.request, "urlopen", lambda url, timeout: Response(b"x" * 100)
    )
    dst = tmp_path / "cache" / "f"
    with pytest.raises(
        OSError, match=r"Download of https://example.org/f failed after 30 bytes: connection reset"
    ):
        _download.download("https://example.org/f", dst, progress=True)
    assert len(bars) == 1 and bars[0].closed
    assert not dst.exists() and list(dst.parent.iterdir()) == []


def test_download_with_monkeypatched_urlopen(tmp_path, monkeypatch):
    payload = b"x" * 10

    class Response(io.BytesIO):
        headers = {"Content-Length": "10"}

    monkeypatch.setattr(_download.urllib.request, "urlopen", lambda url, timeout: Response(payload))
    out = _download.download(
        "https://example.org/f", tmp_path / "f", checksum=hashlib.md5(payload).hexdigest()
    )
    assert out.read_bytes() == payload


# ---------------------------------------------------------------- hls4ml


def _hls4ml_frame(n: int, rng, target="jet_type", labels=("g", "q", "t", "W", "Z")) -> pd.DataFrame:
    frame = pd.DataFrame(rng.normal(size=(n, 16)).astype(np.float32), columns=_hls4ml.FEATURE_NAMES)
    frame["multiplicity"] = rng.integers(1, 80, size=n)
    frame[target] = rng.choice(labels, size=n)
    return frame


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".csv.gz"])
def test_load_hls4ml(tmp_path, rng, suffix):
    frame = _hls4ml_frame(50, rng)
    path = tmp_path / f"hls4ml{suffix}"
    if suffix == ".parquet":
        frame.to_parquet(path)
    else:
        frame.to_csv(path, index=False)
    jets = load_hls4ml(path)
    assert list(jets.data.columns) == _hls4ml.FEATURE_NAMES
    assert (jets.data.dtypes == np.float64).all()
    np.testing.assert_allclose(
        jets.data.to_numpy(), frame[_hls4ml.FEATURE_NAMES].to_numpy(), rtol=1e-6
    )
    assert isinstance(jets.target.dtype, pd.CategoricalDtype)
    assert list(jets.target.cat.categories) == ["g", "q", "t", "w", "z"]
    assert jets.target.tolist() == frame["jet_type"].str.lower().tolist()
    assert isinstance(jets.target_names, np.ndarray)  # as every reader and generate_jets
    assert jets.target_names.tolist() == ["g", "q", "t", "w", "z"]
    assert list(jets.frame.columns) == [*_hls4ml.FEATURE_NAMES, "jet_type"]
    X, y = load_hls4ml(path, return_X_y=True, dtype=np.float32)
    assert X.shape == (50, 16) and (X.dtypes == np.float32).all() and y.name == "jet_type"


def test_load_hls4ml_column_order_and_class_column(tmp_path, rng):
    frame = _hls4ml_frame(20, rng, target="class", labels=(" w ", "z", "g"))
    frame = frame[list(reversed(frame.columns))]
    frame.to_parquet(tmp_path / "a.parquet")
    jets = load_hls4ml(tmp_path / "a.parquet")
    assert list(jets.data.columns) == _hls4ml.FEATURE_NAMES
    assert set(jets.target) <= {"w", "z", "g"}


@pytest.mark.parametrize(
    "edit,match",
    [
        (lambda f: f.drop(columns="zlogz"), r"missing feature column\(s\) \['zlogz'\]"),
        (lambda f: f.assign(extra=1.0), r"unexpected column\(s\) \['extra'\]"),
        (lambda f: f.drop(columns="jet_type"), "no target column"),
        (lambda f: f.assign(**{"class": "g"}), "both 'jet_type' and 'class'"),
        (lambda f: f.assign(mass_mmdt="heavy"), r"non-numeric feature column\(s\) \{'mass_mmdt'"),
        (
            lambda f: f.assign(c2_b1_mmdt=np.where(np.arange(len(f)) < 3, np.nan, 1.0)),
            r"\{'c2_b1_mmdt': 3\}",
        ),
        (lambda f: f.assign(jet_type=["h"] + ["g"] * (len(f) - 1)), r"unknown label\(s\) \['h'\]"),
        (lambda f: f.assign(jet_type=[None] + ["g"] * (len(f) - 1)), r"1 missing label\(s\)"),
        (lambda f: f.iloc[:0], "no rows"),
    ],
)
def test_load_hls4ml_errors(tmp_path, rng, edit, match):
    path = tmp_path / "bad.parquet"
    edit(_hls4ml_frame(10, rng)).to_parquet(path)
    with pytest.raises(ValueError, match=r"bad\.parquet: .*" + match):
        load_hls4ml(path)


def test_load_hls4ml_file_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="absent.parquet"):
        load_hls4ml(tmp_path / "absent.parquet")
    (tmp_path / "t.h5").write_text("")
    with pytest.raises(ValueError, match=r"t\.h5: unsupported file type \.h5"):
        load_hls4ml(tmp_path / "t.h5")
    (tmp_path / "broken.parquet").write_text("not parquet")
    with pytest.raises(ValueError, match=r"broken\.parquet: could not be read as a table"):
        load_hls4ml(tmp_path / "broken.parquet")


def test_fetch_hls4ml_uses_openml(tmp_path, rng, monkeypatch):
    import sklearn.datasets

    frame = _hls4ml_frame(12, rng, target="class")
    frame["class"] = frame["class"].astype("category")
    calls = {}

    def fake_fetch_openml(**kwargs):
        calls.update(kwargs)
        from sklearn.utils import Bunch

        return Bunch(frame=frame)

    monkeypatch.setattr(sklearn.datasets, "fetch_openml", fake_fetch_openml)
    jets = fetch_hls4ml(data_home=tmp_path)
    assert calls["data_id"] == 42468
    assert Path(calls["data_home"]) == tmp_path / "openml"
    assert jets.target.name == "jet_type"
    assert jets.target.tolist() == frame["class"].astype(str).str.lower().tolist()
    assert list(jets.data.columns) == _hls4ml.FEATURE_NAMES


# ---------------------------------------------------------------- ROOT


def _real(name: str) -> Path:
    path = ROOT_DATA / name
    if not path.is_file():
        pytest.skip(
            f"real ROOT test file {name} not found at {ROOT_DATA} (the shared data folder is absent)"
        )
    return path


def test_root_flat_real_zmumu():
    events = load_root(_real("uproot-Zmumu.root"), "events")
    assert events.frame.shape == (2304, 20)
    assert events.jagged == {} and events.constituents is None
    assert set(events.frame["Type"]) <= {"GG", "GT", "TT"}
    f = events.frame
    # the stored dimuon mass agrees with the four-momenta
    m = np.sqrt(
        np.maximum(
            (f.E1 + f.E2) ** 2 - (f.px1 + f.px2) ** 2 - (f.py1 + f.py2) ** 2 - (f.pz1 + f.pz2) ** 2,
            0,
        )
    )
    np.testing.assert_allclose(m, f.M, rtol=1e-3, atol=1e-3)


def test_root_jagged_real_hzz():
    path = _real("uproot-HZZ.root")
    events = load_root(path, "events", branches=["NJet", "Jet_Px", "Jet_ID", "MET_px"])
    assert list(events.frame.columns) == ["NJet", "MET_px"]
    np.testing.assert_array_equal(events.counts["Jet_Px"], events.frame["NJet"])
    m = int(events.frame["NJet"].max())
    assert events.jagged["Jet_Px"].shape == (2421, m)
    assert events.jagged["Jet_ID"].dtype == bool
    pad = np.arange(m)[None, :] >= events.counts["Jet_Px"][:, None]
    assert (events.jagged["Jet_Px"][pad] == 0).all()
    import awkward as ak
    import uproot

    with uproot.open(path) as f:
        raw = f["events"]["Jet_Px"].array(library="ak")
    np.testing.assert_array_equal(events.jagged["Jet_Px"][~pad], ak.to_numpy(ak.flatten(raw)))

    jets = load_root(
        path,
        "events",
        branches=["NJet"],
        stack=["Jet_E", "Jet_Px", "Jet_Py", "Jet_Pz"],
        max_constituents=3,
    )
    assert jets.constituents.shape == (2421, 3, 4) and jets.constituents.dtype == np.float32
    np.testing.assert_array_equal(jets.constituents[..., 1], events.jagged["Jet_Px"][:, :3])
    assert jets.stack_names == ["Jet_E", "Jet_Px", "Jet_Py", "Jet_Pz"]


def test_root_real_nanoaod():
    path = _real("nanoAOD_2015_CMS_Open_Data_ttbar.root")
    with pytest.raises(ValueError, match="branch 'HTXS_Higgs_y' holds 200 NaN"):
        load_root(path, "Events")
    events = load_root(path, "Events", allow_nan=True, entry_start=10, entry_stop=60)
    assert len(events.frame) == 50 and events.frame.shape[1] + len(events.jagged) == 947
    sel = load_root(path, "Events", branches=["nJet", "Jet_pt", "Jet_btagDeepB"])
    np.testing.assert_array_equal(sel.counts["Jet_pt"], sel.frame["nJet"])
    with pytest.raises(KeyError, match=r"no tree 'events'.*\['Events'\]"):
        load_root(path, "events")
    with pytest.raises(KeyError, match=r"no branch\(es\) \['Jet_ptt'\].*Jet_pt"):
        load_root(path, "Events", branches=["Jet_ptt"])


def test_root_real_nanoaod_reads_only_what_is_asked():
    # stack alone: only its branches are read, not the NaN branch HTXS_Higgs_y.
    path = _real("nanoAOD_2015_CMS_Open_Data_ttbar.root")
    momentum = ["Jet_pt", "Jet_eta", "Jet_phi", "Jet_mass"]
    jets = load_root(path, "Events", stack=momentum, coordinates="pt_eta_phi_m")
    assert list(jets.frame.columns) == [] and sorted(jets.jagged) == sorted(momentum)
    raw = load_root(path, "Events", stack=momentum)
    pt, eta, phi, m = (raw.constituents[..., i].astype(np.float64) for i in range(4))
    px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
    e = np.sqrt(px**2 + py**2 + pz**2 + m**2)
    np.testing.assert_allclose(jets.constituents, np.stack([e, px, py, pz], -1), rtol=1e-5, atol=1e-3)
    assert (jets.constituents[raw.constituents[..., 0] == 0] == 0).all()  # padding stays zero
    # a label branch is read too, and returned as target
    labelled = load_root(path, "Events", branches=["nJet"], label="run")
    assert list(labelled.frame.columns) == ["nJet"]
    assert labelled.target.shape == (200,) and list(labelled.target_names) == sorted(
        set(labelled.target.tolist())
    )


@pytest.fixture
def written_root(tmp_path):
    import awkward as ak
    import uproot

    path = tmp_path / "events.root"
    columns = {
        "met": np.array([10.0, 20.0, 30.0]),
        "nlep": np.array([1, 0, 2], dtype=np.int32),
        "Jet_pt": ak.Array([[50.0, 30.0, 5.0], [], [40.0]]),
        "Jet_eta": ak.Array([[0.1, -0.2, 1.0], [], [2.0]]),
        "Lep_pt": ak.Array([[25.0], [], [30.0, 10.0]]),
    }
    with uproot.recreate(path) as f:
        # mktree writes a TTree (plain assignment writes an RNTuple in recent uproot)
        f.mktree(
            "events", {k: v.type.content for k, v in ((k, ak.Array(v)) for k, v in columns.items())}
        )
        f["events"].extend(columns)
        f.mktree("other", {"x": np.float64})
        f["other"].extend({"x": np.array([1.0])})
        f["ntuple"] = columns  # an RNTuple
    return path


@pytest.mark.parametrize("name", ["events", "ntuple"])
def test_root_label_and_coordinates(written_root, name):
    jets = load_root(written_root, name, label="nlep", stack=["Jet_pt", "Jet_eta"])
    assert jets.target.tolist() == [1, 0, 2] and jets.target_names.tolist() == [0, 1, 2]
    assert list(jets.frame.columns) == [] and sorted(jets.jagged) == ["Jet_eta", "Jet_pt"]
    kept = load_root(written_root, name, branches=["met", "nlep"], label="nlep")
    assert list(kept.frame.columns) == ["met", "nlep"]  # named in branches too: kept
    with pytest.raises(ValueError, match="label branch 'Jet_pt' must hold one value per entry"):
        load_root(written_root, name, label="Jet_pt")
    with pytest.raises(ValueError, match="coordinates='pt_eta_phi_m' needs the four momentum"):
        load_root(written_root, name, stack=["Jet_pt", "Jet_eta"], coordinates="pt_eta_phi_m")


@pytest.mark.parametrize("name", ["events", "ntuple"])
def test_root_written_file(written_root, name):
    events = load_root(written_root, name, branches=["met", "nlep", "Jet_pt", "Jet_eta", "Lep_pt"])
    assert events.frame["met"].tolist() == [10.0, 20.0, 30.0]
    assert events.frame["nlep"].dtype == np.int32
    np.testing.assert_array_equal(events.jagged["Jet_pt"], [[50, 30, 5], [0, 0, 0], [40, 0, 0]])
    np.testing.assert_array_equal(events.jagged["Lep_pt"], [[25, 0], [0, 0], [30, 10]])
    np.testing.assert_array_equal(events.counts["Jet_pt"], [3, 0, 1])
    stacked = load_root(
        written_root, name, branches=[], stack=["Jet_pt", "Jet_eta"], max_constituents=4
    )
    assert stacked.constituents.shape == (3, 4, 2)
    np.testing.assert_allclose(stacked.constituents[0, :, 1], [0.1, -0.2, 1.0, 0.0], rtol=1e-6)
    assert stacked.frame.shape == (3, 0)


def test_root_errors(written_root, tmp_path):
    import awkward as ak
    import uproot

    with pytest.raises(FileNotFoundError, match="absent.root"):
        load_root(tmp_path / "absent.root", "events")
    (tmp_path / "text.root").write_text("not root")
    with pytest.raises(ValueError, match="text.root could not be opened as a ROOT file"):
        load_root(tmp_path / "text.root", "events")
    with pytest.raises(
        KeyError,
        match=r"events.root: no tree 'tree'; the file holds the TTree\(s\) \['events', 'ntuple', 'other'\]",
    ):
        load_root(written_root, "tree")
    with pytest.raises(
        ValueError, match="cannot stack 'Jet_pt' and 'Lep_pt'.*first: entry 0, 3 vs 1"
    ):
        load_root(written_root, "events", stack=["Jet_pt", "Lep_pt"])
    with pytest.raises(ValueError, match=r"stack needs jagged branches; \['met'\]"):
        load_root(written_root, "events", stack=["met", "Jet_pt"])
    for bad in (0, True):  # a bool is no number of constituents
        with pytest.raises(ValueError, match=r"'max_constituents' parameter of load_root must "
                           r"be an int in the range \[1, inf\) or None"):
            load_root(written_root, "events", max_constituents=bad)
    with pytest.raises(TypeError, match="list of branch names"):
        load_root(written_root, "events", branches="met")
    with pytest.raises(ValueError, match=r"events.root:events: stack names a branch twice"):
        load_root(written_root, "events", stack=["Jet_pt", "Jet_eta", "Jet_pt"])
    with pytest.raises(ValueError, match=r"stack names a branch twice"):
        # checked before the file is opened
        load_root(tmp_path / "text.root", "events", stack=["Jet_pt", "Jet_pt"])
    hist_path = tmp_path / "hist.root"
    with uproot.recreate(hist_path) as f:
        f["h"] = np.histogram([1.0, 2.0, 2.5], bins=3)
        f.mktree("t", {"x": np.float64})
    with pytest.raises(ValueError, match=r"hist.root: 'h' is a .*, not a TTree; TTrees: \['t'\]"):
        load_root(hist_path, "h")
    nan_path = tmp_path / "nan.root"
    with uproot.recreate(nan_path) as f:
        f["t"] = {"Jet_pt": ak.Array([[1.0, np.nan], []]), "x": np.array([1.0, 2.0])}
        f["v"] = {"x": np.array([1.0, np.inf])}
    with pytest.raises(ValueError, match="nan.root:t: branch 'Jet_pt' holds 1 NaN"):
        load_root(nan_path, "t")
    assert np.isnan(load_root(nan_path, "t", allow_nan=True).jagged["Jet_pt"][0, 1])
    with pytest.raises(ValueError, match="nan.root:v: branch 'x' holds 1 NaN or infinite"):
        load_root(nan_path, "v")
