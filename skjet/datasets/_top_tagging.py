"""Reader and writer of the Top Quark Tagging Reference Dataset layout.

The public files (Zenodo record 2603256: ``train.h5``, ``val.h5``, ``test.h5``) hold one
pandas DataFrame under the key ``"table"``, written in pandas' *fixed* HDF5 format: the
group ``/table`` holds ``axis0`` (the 806 column names), ``axis1`` (the row index) and one
``block<i>_items`` / ``block<i>_values`` pair per dtype (float32: ``E_0, PX_0, PY_0, PZ_0,
..., PZ_199, truthE, truthPX, truthPY, truthPZ``; int64: ``ttv, is_signal_new``), each
``block<i>_values`` a 2-D array of shape (n_rows, n_items).

The reader slices those block arrays directly with PyTables, one chunk of rows at a time,
into preallocated output arrays, so the 806-column DataFrame is never built. PyTables
(rather than h5py) is used because it decodes every compression filter pandas can write
(blosc, lzo, bzip2), and pandas' own ``read_hdf`` needs it anyway. Files written with
``to_hdf(..., format="table")`` are read through ``pandas.HDFStore.select`` in chunks.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from numbers import Integral
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ..preprocessing._reshape import FOUR_MOMENTUM_NAMES
from ..utils._sklearn_compat import NumberInterval, StrOptions, validate_params
from ..utils._typing import ArrayLike, DatasetReturn
from ..utils._validation import check_float32_range, is_finite
from ._base import atomic_path, get_data_home
from ._download import download, read_json, zenodo_file_info
from ._files import reading

N_CONSTITUENTS = 200
FEATURES = FOUR_MOMENTUM_NAMES  # column prefixes E_i, PX_i, PY_i, PZ_i
TRUTH_COLUMNS = ("truthE", "truthPX", "truthPY", "truthPZ")
TTV_COLUMN = "ttv"
LABEL_COLUMN = "is_signal_new"
TARGET_NAMES = ("qcd", "top")
DEFAULT_CHUNK_SIZE = 10_000  # ~32 MB of float32 per chunk of the 804-column block

ZENODO_RECORD = 2603256
ZENODO_API_URL = "https://zenodo.org/api/records/{record}"
ZENODO_FILE_URL = "https://zenodo.org/records/{record}/files/{filename}?download=1"
SUBSETS = ("train", "val", "test")

_CONSTITUENT_RE = re.compile(r"^(E|PX|PY|PZ)_(\d+)$")

_DESCR = """Top Quark Tagging Reference Dataset layout (Kasieczka, Plehn et al., Zenodo 2603256).

14 TeV hadronic top jets (signal) and QCD jets (background), Pythia8 + Delphes, anti-kT R=0.8,
pT in [550, 650] GeV, |eta| < 2. The leading 200 constituent four-momenta (E, px, py, pz)
sorted by pT, zero-padded; `is_signal_new` is 1 for top and 0 for QCD.
"""


def top_tagging_columns(n_constituents: int = N_CONSTITUENTS) -> list[str]:
    """The column names of the layout, in file order.

    Examples
    --------
    >>> cols = top_tagging_columns()
    >>> len(cols), cols[:5], cols[-2:]
    (806, ['E_0', 'PX_0', 'PY_0', 'PZ_0', 'E_1'], ['ttv', 'is_signal_new'])
    """
    cols = [f"{f}_{i}" for i in range(n_constituents) for f in FEATURES]
    return cols + list(TRUTH_COLUMNS) + [TTV_COLUMN, LABEL_COLUMN]


def _names(columns, limit: int = 10) -> str:
    columns = list(columns)
    shown = ", ".join(columns[:limit])
    return shown + (f", ... ({len(columns)} in all)" if len(columns) > limit else "")


@dataclass
class _Layout:
    """Which columns hold what; the order of ``constituents`` is (i, feature)-major."""

    constituents: list[str]
    truth: list[str] | None
    ttv: str | None

    @property
    def n_constituents(self) -> int:
        return len(self.constituents) // 4


def _check_columns(path, columns: list[str], dtypes: dict[str, np.dtype]) -> _Layout:
    """Validate the column set and dtypes; name every problem and the file."""
    present = set(columns)
    indices = sorted({int(hit.group(2)) for c in columns if (hit := _CONSTITUENT_RE.match(c))})
    if not indices:
        raise ValueError(
            f"{path}: no constituent columns E_0, PX_0, PY_0, PZ_0, ... found; this is not the "
            f"Top Quark Tagging layout. Columns: {_names(columns)}."
        )
    m = indices[-1] + 1
    expected = [f"{f}_{i}" for i in range(m) for f in FEATURES]
    n_found = sum(1 for c in columns if _CONSTITUENT_RE.match(c))
    missing = [c for c in expected if c not in present]
    if missing:
        raise ValueError(
            f"{path}: {n_found} constituent columns do not form complete (E, PX, PY, PZ) "
            f"quadruples for constituents 0..{m - 1} (a count that does not divide into 4, "
            f"or a gap); missing: {_names(missing)}."
        )
    if LABEL_COLUMN not in present:
        raise ValueError(f"{path}: the label column {LABEL_COLUMN!r} is missing.")
    truth_present = [c for c in TRUTH_COLUMNS if c in present]
    if truth_present and len(truth_present) != len(TRUTH_COLUMNS):
        absent = [c for c in TRUTH_COLUMNS if c not in present]
        raise ValueError(f"{path}: truth columns incomplete; missing: {absent}.")
    known = set(expected) | set(TRUTH_COLUMNS) | {TTV_COLUMN, LABEL_COLUMN}
    extra = [c for c in columns if c not in known]
    if extra:
        raise ValueError(
            f"{path}: unexpected column(s) {_names(extra)}; the Top Quark Tagging layout has "
            "only E_i, PX_i, PY_i, PZ_i, truthE, truthPX, truthPY, truthPZ, ttv and is_signal_new."
        )
    non_numeric = [c for c in columns if np.dtype(dtypes[c]).kind not in "biuf"]
    if non_numeric:
        raise ValueError(
            f"{path}: non-numeric column(s) {_names(non_numeric)} "
            f"(dtype {np.dtype(dtypes[non_numeric[0]])})."
        )
    # Labels and the ttv flag are read into int64 buffers: a float column would be
    # truncated silently (0.7 -> 0) and a NaN would become a huge negative integer.
    for c in (LABEL_COLUMN, TTV_COLUMN):
        if c in present and np.dtype(dtypes[c]).kind not in "biu":
            raise ValueError(
                f"{path}: column {c!r} must hold integers (or booleans), got dtype "
                f"{np.dtype(dtypes[c])}; convert it with .astype('int64') after checking "
                "that every value is a whole number."
            )
    return _Layout(
        constituents=expected,
        truth=list(TRUTH_COLUMNS) if truth_present else None,
        ttv=TTV_COLUMN if TTV_COLUMN in present else None,
    )


def _as_index(positions: np.ndarray):
    """A slice when ``positions`` is a contiguous ascending run (a memcpy instead of a gather)."""
    if len(positions) and np.array_equal(
        positions, np.arange(positions[0], positions[0] + len(positions))
    ):
        return slice(int(positions[0]), int(positions[0]) + len(positions))
    return positions


class _FixedFrame:
    """A pandas fixed-format frame read block by block with PyTables."""

    def __init__(self, path, group):
        attrs = group._v_attrs
        self.path = path
        self.blocks = []
        columns, dtypes = [], {}
        for i in range(int(attrs.nblocks)):
            items = [
                v.decode() if isinstance(v, bytes) else str(v)
                for v in getattr(group, f"block{i}_items").read()
            ]
            values = getattr(group, f"block{i}_values")
            # strings and objects are stored as a VLArray of pickles: flag, never decode
            numeric = values.atom.kind in ("int", "uint", "float", "bool")
            dtype = values.atom.dtype if numeric else np.dtype(object)
            if numeric and (values.ndim != 2 or values.shape[1] != len(items)):
                raise ValueError(
                    f"{path}: block{i}_values has shape {values.shape}, expected "
                    f"(n_rows, {len(items)}); the file is not a pandas fixed-format frame."
                )
            self.blocks.append((items, values))
            columns += items
            dtypes.update(dict.fromkeys(items, dtype))
        self.columns, self.dtypes = columns, dtypes
        self.n_rows = int(self.blocks[0][1].shape[0]) if self.blocks else 0

    def plan(self, layout: _Layout) -> None:
        # For every block: the outputs it feeds, as (name, source columns, target columns).
        targets = {"X": layout.constituents, "y": [LABEL_COLUMN]}
        if layout.truth:
            targets["truth"] = layout.truth
        if layout.ttv:
            targets["ttv"] = [layout.ttv]
        self._plan = []
        for items, values in self.blocks:
            where = {c: j for j, c in enumerate(items)}
            feeds = []
            for name, cols in targets.items():
                dst = np.array([k for k, c in enumerate(cols) if c in where], dtype=np.intp)
                if len(dst):
                    src = np.array([where[cols[k]] for k in dst], dtype=np.intp)
                    feeds.append((name, _as_index(src), _as_index(dst)))
            if feeds:
                self._plan.append((values, feeds))

    def read_into(self, start: int, stop: int, out: dict[str, np.ndarray]) -> None:
        for values, feeds in self._plan:
            buf = values.read(start, stop)
            for name, src, dst in feeds:
                out[name][:, dst] = buf[:, src]


class _TableFrame:
    """A pandas ``format="table"`` frame, read with ``HDFStore.select`` in row ranges."""

    def __init__(self, path, store: pd.HDFStore, key: str):
        self.path, self.store, self.key = path, store, key
        head = store.select(key, start=0, stop=0)
        self.columns = [str(c) for c in head.columns]
        self.dtypes = {str(c): t for c, t in head.dtypes.items()}
        self.n_rows = int(store.get_storer(key).nrows)

    def plan(self, layout: _Layout) -> None:
        self._targets = {"X": layout.constituents, "y": [LABEL_COLUMN]}
        if layout.truth:
            self._targets["truth"] = layout.truth
        if layout.ttv:
            self._targets["ttv"] = [layout.ttv]

    def read_into(self, start: int, stop: int, out: dict[str, np.ndarray]) -> None:
        frame = self.store.select(self.key, start=start, stop=stop)
        for name, cols in self._targets.items():
            out[name][:] = frame[cols].to_numpy()


class _Reader:
    """Open a file, find the frame under ``key``, check its columns; a context manager."""

    def __init__(self, path, key: str = "table"):
        import tables

        self.path = Path(path)
        self.key = key
        if not self.path.is_file():
            raise FileNotFoundError(f"{self.path}: no such file.")
        if not tables.is_hdf5_file(str(self.path)):
            raise ValueError(
                f"{self.path} is not an HDF5 file (the Top Quark Tagging layout is HDF5)."
            )
        with reading(self.path, "HDF5"):
            self._handle = tables.open_file(str(self.path), "r")
        self._store = None
        try:
            with reading(self.path, "HDF5"):
                self.frame = self._open_frame(tables)
            self.layout = _check_columns(self.path, self.frame.columns, self.frame.dtypes)
            self.frame.plan(self.layout)
        except BaseException:
            self.close()
            raise

    def _open_frame(self, tables):
        node_path = "/" + self.key.strip("/")
        try:
            group = self._handle.get_node(node_path)
        except tables.NoSuchNodeError:
            keys = [
                g._v_pathname
                for g in self._handle.walk_groups()
                if "pandas_type" in g._v_attrs._v_attrnames
            ]
            raise KeyError(
                f"{self.path}: no key {self.key!r}; the file holds the pandas key(s) {keys or 'none'}."
            ) from None
        pandas_type = getattr(group._v_attrs, "pandas_type", None)
        if isinstance(pandas_type, bytes):
            pandas_type = pandas_type.decode()
        if pandas_type == "frame":
            return _FixedFrame(self.path, group)
        if pandas_type == "frame_table":
            self._handle.close()
            self._store = pd.HDFStore(str(self.path), mode="r")
            return _TableFrame(self.path, self._store, self.key)
        raise ValueError(
            f"{self.path}: key {self.key!r} holds {pandas_type or 'no pandas object'}, "
            "not a pandas DataFrame."
        )

    def allocate(self, n: int) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {
            "X": np.empty((n, 4 * self.layout.n_constituents), dtype=np.float32),
            "y": np.empty((n, 1), dtype=np.int64),
        }
        if self.layout.truth:
            out["truth"] = np.empty((n, 4), dtype=np.float32)
        if self.layout.ttv:
            out["ttv"] = np.empty((n, 1), dtype=np.int64)
        return out

    def read_into(self, start: int, stop: int, out: dict[str, np.ndarray], allow_nan: bool) -> None:
        with reading(self.path, "HDF5"):
            self.frame.read_into(start, stop, out)
        if not allow_nan:
            for name, cols in (("X", self.layout.constituents), ("truth", self.layout.truth)):
                if name in out and not is_finite(out[name]):
                    finite = np.isfinite(out[name])
                    bad = ~finite.all(axis=0)
                    rows = np.flatnonzero(~finite.all(axis=1))
                    raise ValueError(
                        f"{self.path}: NaN or infinite values in column(s) "
                        f"{_names(np.asarray(cols)[bad].tolist())} (first at row {start + rows[0]}). "
                        "Pass allow_nan=True to read them as they are."
                    )
        y = out["y"]
        bad = (y != 0) & (y != 1)
        if bad.any():
            rows = np.flatnonzero(bad[:, 0])
            raise ValueError(
                f"{self.path}: {LABEL_COLUMN} must be 0 (QCD) or 1 (top); found "
                f"{np.unique(y[bad]).tolist()} (first at row {start + rows[0]})."
            )

    def chunks(self, starts, stop: int, chunk_size: int, allow_nan: bool, out=None, offset=None):
        """Read rows ``[a, min(a + chunk_size, stop))`` for each ``a`` of ``starts``, in order.

        Yields ``(a, b, X, y)``: constituents (b - a, m, 4) and labels (b - a,). Without
        ``out`` every chunk is a fresh allocation. With ``out`` (from :meth:`allocate`) the
        rows go into ``out`` at ``a - offset``, or, if ``offset`` is None, at its start:
        a buffer reused for every chunk, so each yield is valid only until the next.
        """
        m = self.layout.n_constituents
        for a in starts:
            a = int(a)
            b = min(a + chunk_size, stop)
            if out is None:
                views = self.allocate(b - a)
            else:
                at = 0 if offset is None else a - offset
                views = {k: v[at : at + b - a] for k, v in out.items()}
            self.read_into(a, b, views, allow_nan)
            yield a, b, views["X"].reshape(b - a, m, 4), views["y"][:, 0]

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
        if self._handle.isopen:
            self._handle.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# The chunk_size constraint of every function that reads or writes chunk by chunk.
CHUNK_SIZE = NumberInterval(Integral, 1, None, closed="left")


def _bunch(reader: _Reader, out: dict[str, np.ndarray]) -> Bunch:
    m = reader.layout.n_constituents
    return Bunch(
        constituents=out["X"].reshape(-1, m, 4),
        target=out["y"][:, 0],
        target_names=np.array(TARGET_NAMES),
        truth=out.get("truth"),
        ttv=out["ttv"][:, 0] if "ttv" in out else None,
        feature_names=list(FEATURES),
        filename=str(reader.path),
        DESCR=_DESCR,
    )


@validate_params({"chunk_size": [CHUNK_SIZE]}, prefer_skip_nested_validation=True)
def load_top_tagging(
    path: str | os.PathLike,
    start: int | None = None,
    stop: int | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    *,
    key: str = "table",
    allow_nan: bool = False,
    return_X_y: bool = False,
) -> DatasetReturn:
    """Load jets from a file in the Top Quark Tagging Reference Dataset layout.

    Reads the constituent columns ``E_i, PX_i, PY_i, PZ_i`` straight into a
    (n_jets, n_constituents, 4) float32 array, ``chunk_size`` rows at a time, without
    building the 806-column DataFrame: peak memory is the returned arrays plus one chunk.

    Parameters
    ----------
    path : path-like
        An HDF5 file written by pandas, fixed format (the public ``train.h5``, ``val.h5``,
        ``test.h5`` and :func:`save_top_tagging`'s output) or ``format="table"``.
    start, stop : int, optional
        Row range, with Python slice semantics (as ``pandas.read_hdf``).
    chunk_size : int, default=10000
        Rows read per step. Only memory use depends on it, not the result.
    key : str, default="table"
        The key of the frame in the file.
    allow_nan : bool, default=False
        By default NaN or infinite constituent or truth values raise a ValueError that
        names the column; True returns them unchanged.
    return_X_y : bool, default=False
        Return ``(constituents, target)`` instead of a Bunch.

    Returns
    -------
    data : Bunch
        - ``constituents``: float32 array (n_jets, 200, 4) of (E, px, py, pz), sorted by
          pT, zero-padded (the skjet constituent convention).
        - ``target``: int64 array, ``is_signal_new``: 1 for top, 0 for QCD.
        - ``target_names``: ``["qcd", "top"]``, so ``target_names[target]`` gives names.
        - ``truth``: float32 (n_jets, 4) truth top four-momentum (truthE, truthPX, truthPY,
          truthPZ), or None if the file lacks those columns.
        - ``ttv``: int64 (n_jets,) train/test/validation flag, or None.
        - ``feature_names``, ``filename``, ``DESCR``.
    (constituents, target) : tuple if ``return_X_y``.

    Raises
    ------
    FileNotFoundError
        No such file.
    KeyError
        No frame under ``key``; the message lists the keys present.
    ValueError
        Not HDF5; missing, extra or non-numeric columns; incomplete (E, PX, PY, PZ)
        quadruples; NaN; labels other than 0/1. Each message names the file.

    See Also
    --------
    iter_top_tagging : stream the same file chunk by chunk.
    save_top_tagging : write arrays in this layout.
    fetch_top_tagging : download the public files.

    Examples
    --------
    >>> import tempfile, pathlib, numpy as np
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "jets.h5"
    >>> X = np.zeros((3, 200, 4), dtype=np.float32); X[:, 0] = [100.0, 60.0, 0.0, 80.0]
    >>> save_top_tagging(path, X, ["top", "qcd", "top"])
    >>> jets = load_top_tagging(path)
    >>> jets.constituents.shape, jets.target.tolist(), jets.target_names[jets.target].tolist()
    ((3, 200, 4), [1, 0, 1], ['top', 'qcd', 'top'])
    """
    chunk_size = int(chunk_size)
    with _Reader(path, key) as reader:
        lo, hi, _ = slice(start, stop).indices(reader.frame.n_rows)
        hi = max(hi, lo)
        out = reader.allocate(hi - lo)
        for _ in reader.chunks(range(lo, hi, chunk_size), hi, chunk_size, allow_nan, out, lo):
            pass
        bunch = _bunch(reader, out)
    if return_X_y:
        return bunch.constituents, bunch.target
    return bunch


@validate_params({"chunk_size": [CHUNK_SIZE]}, prefer_skip_nested_validation=True)
def iter_top_tagging(
    path: str | os.PathLike,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    *,
    start: int | None = None,
    stop: int | None = None,
    key: str = "table",
    allow_nan: bool = False,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Stream ``(constituents, target)`` chunks from a Top Quark Tagging layout file.

    Each chunk is a fresh float32 array (chunk, 200, 4) and an int64 array (chunk,) of
    ``is_signal_new``; the last chunk holds the remainder. Parameters and errors as in
    :func:`load_top_tagging`; the file's columns are checked before the first chunk.

    Examples
    --------
    >>> import tempfile, pathlib, numpy as np
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "jets.h5"
    >>> save_top_tagging(path, np.ones((5, 10, 4)), [0, 1, 0, 1, 1])
    >>> [X.shape[0] for X, y in iter_top_tagging(path, chunk_size=2)]
    [2, 2, 1]
    """
    chunk_size = int(chunk_size)
    with _Reader(path, key) as reader:
        lo, hi, _ = slice(start, stop).indices(reader.frame.n_rows)
        for _, _, X, y in reader.chunks(range(lo, hi, chunk_size), hi, chunk_size, allow_nan):
            yield X, y


def _encode_labels(y, n: int) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != n:
        raise ValueError(f"y must be 1-D with one label per jet ({n}), got shape {y.shape}.")
    if y.dtype.kind in "OUS":
        names = np.char.lower(y.astype(str))
        known = np.isin(names, TARGET_NAMES)
        if not known.all():
            raise ValueError(
                f"y holds label(s) {sorted(set(y[~known].tolist()))[:10]}; the Top Quark Tagging "
                "layout stores only 'top' (1) and 'qcd' (0)."
            )
        return (names == "top").astype(np.int64)
    if y.dtype.kind not in "biuf":
        raise ValueError(f"y must hold 0/1 or 'qcd'/'top', got dtype {y.dtype}.")
    bad = (y != 0) & (y != 1)
    if bad.any():
        raise ValueError(
            f"y holds value(s) {np.unique(y[bad]).tolist()[:10]}; is_signal_new must be 0 (QCD) "
            "or 1 (top)."
        )
    return y.astype(np.int64)


def _flat_constituents(X) -> np.ndarray:
    X = np.asarray(X)
    if X.dtype.kind not in "biuf":
        raise ValueError(f"X must be numeric, got dtype {X.dtype}.")
    if X.ndim == 2:
        if X.shape[1] % 4:
            raise ValueError(
                f"X has {X.shape[1]} columns, which does not divide into (E, PX, PY, PZ) "
                "quadruples; a flat X needs 4 * n_constituents columns."
            )
        X = X.reshape(X.shape[0], -1, 4)
    if X.ndim != 3 or X.shape[2] != 4:
        raise ValueError(
            f"X must have shape (n_jets, n_constituents, 4) of (E, px, py, pz), got {X.shape}."
        )
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"X is empty: shape {X.shape}.")
    if X.shape[1] > N_CONSTITUENTS:
        raise ValueError(
            f"X has {X.shape[1]} constituents; the layout stores at most {N_CONSTITUENTS}. "
            f"Truncate explicitly (X[:, :{N_CONSTITUENTS}]) if that is what you want."
        )
    return X


@validate_params(
    {
        "key": [str],
        "chunk_size": [CHUNK_SIZE],
        "complevel": [NumberInterval(Integral, 0, 9, closed="both")],
    },
    prefer_skip_nested_validation=True,
)
def save_top_tagging(
    path: str | os.PathLike,
    X: ArrayLike,
    y: ArrayLike,
    truth: ArrayLike | None = None,
    ttv: ArrayLike | None = None,
    *,
    key: str = "table",
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    complevel: int = 0,
) -> None:
    """Write jets in the Top Quark Tagging Reference Dataset layout.

    The file is what ``pandas.DataFrame.to_hdf(path, key="table", format="fixed")``
    writes for the 806-column frame (``pandas.read_hdf(path, "table")`` reads it back),
    but filled ``chunk_size`` rows at a time, so the frame is never built in memory.
    The file appears only when complete.

    Parameters
    ----------
    path : path-like
        Output file; replaced if it exists.
    X : array-like of shape (n_jets, n_constituents, 4) or (n_jets, 4 * n_constituents)
        (E, px, py, pz), ``n_constituents <= 200``; zero-padded to 200.
    y : array-like of shape (n_jets,)
        0/1 (``is_signal_new``) or the strings ``"qcd"``/``"top"`` (any case).
    truth : array-like of shape (n_jets, 4), optional
        Truth top four-momentum; zeros if omitted.
    ttv : int or array-like of shape (n_jets,), optional
        Train/test/validation flag stored as is; 0 if omitted.
    key : str, default="table"
    chunk_size : int, default=10000
    complevel : int, default=0
        zlib compression level (0 to 9); zero-padded jets compress well.

    Raises
    ------
    ValueError
        Wrong shapes, more than 200 constituents, a column count that does not divide
        into 4, NaN or infinite values, values beyond the float32 range (they would be
        stored as infinity), labels other than 0/1/"qcd"/"top".

    Examples
    --------
    >>> import tempfile, pathlib, numpy as np, pandas as pd
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "jets.h5"
    >>> save_top_tagging(path, np.ones((2, 3, 4)), ["qcd", "top"])
    >>> frame = pd.read_hdf(path, "table")
    >>> frame.shape, frame["is_signal_new"].tolist()
    ((2, 806), [0, 1])
    """
    import tables

    chunk_size = int(chunk_size)
    X = _flat_constituents(X)
    n, m = X.shape[:2]
    labels = _encode_labels(y, n)
    if truth is None:
        truth = np.zeros((n, 4), dtype=np.float32)
    truth = np.asarray(truth)
    if truth.shape != (n, 4) or truth.dtype.kind not in "biuf":
        raise ValueError(
            f"truth must be numeric of shape ({n}, 4), got {truth.shape} {truth.dtype}."
        )
    ttv = np.broadcast_to(np.asarray(0 if ttv is None else ttv), (n,))
    if ttv.dtype.kind not in "biu":
        raise ValueError(f"ttv must hold integers, got dtype {ttv.dtype}.")
    for name, arr in (("X", X), ("truth", truth)):
        if not is_finite(arr):
            raise ValueError(f"{name} contains NaN or infinite values; clean it before saving.")
        # The file stores float32: refuse what the cast would turn into infinity (and the
        # readers then refuse), before anything is written.
        check_float32_range(arr, name=f"save_top_tagging: {name}")

    columns = top_tagging_columns()
    n_float = 4 * N_CONSTITUENTS + 4
    # pandas writes the group, its attributes and the column/items indices for a one-row
    # frame; the row-sized arrays are then replaced by full-size ones filled chunk by chunk.
    template = pd.DataFrame(np.zeros((1, n_float), dtype=np.float32), columns=columns[:n_float])
    template[TTV_COLUMN] = np.zeros(1, dtype=np.int64)
    template[LABEL_COLUMN] = np.zeros(1, dtype=np.int64)
    filters = tables.Filters(complevel=int(complevel), complib="zlib") if complevel else None
    with atomic_path(path) as tmp:
        template.to_hdf(tmp, key=key, format="fixed", mode="w")
        with tables.open_file(str(tmp), "a") as handle:
            group = handle.get_node("/" + key.strip("/"))
            nodes = {}
            for i in range(int(group._v_attrs.nblocks)):
                items = [v.decode() for v in getattr(group, f"block{i}_items").read()]
                nodes[items[0]] = f"block{i}_values"
            float_node, int_node = nodes["E_0"], nodes[TTV_COLUMN]
            full = {}
            for name, width, dtype in (
                (float_node, n_float, np.float32),
                (int_node, 2, np.int64),
                ("axis1", None, np.int64),
            ):
                old = getattr(group, name)
                shape = (n,) if width is None else (n, width)
                chunkshape = (min(n, chunk_size),) + shape[1:]
                new = handle.create_carray(
                    group,
                    name + "_new",
                    tables.Atom.from_dtype(np.dtype(dtype)),
                    shape,
                    filters=filters,
                    chunkshape=chunkshape,
                )
                old._v_attrs._f_copy(new)
                old._f_remove()
                new._f_rename(name)
                full[name] = new
            full["axis1"][:] = np.arange(n, dtype=np.int64)
            block = np.zeros((min(n, chunk_size), n_float), dtype=np.float32)
            for a in range(0, n, chunk_size):
                b = min(a + chunk_size, n)
                buf = block[: b - a]
                buf[:, : 4 * m] = X[a:b].reshape(b - a, 4 * m)
                buf[:, 4 * m : 4 * N_CONSTITUENTS] = 0.0
                buf[:, 4 * N_CONSTITUENTS :] = truth[a:b]
                full[float_node][a:b] = buf
                full[int_node][a:b] = np.column_stack([ttv[a:b], labels[a:b]])


@validate_params(
    {
        "subset": [StrOptions(set(SUBSETS))],
        "chunk_size": [CHUNK_SIZE],
        "data_home": [str, os.PathLike, None],
        "download_if_missing": ["boolean"],
        "return_X_y": ["boolean"],
        "progress": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def fetch_top_tagging(
    subset: str = "train",
    data_home: str | os.PathLike | None = None,
    *,
    download_if_missing: bool = True,
    start: int | None = None,
    stop: int | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    return_X_y: bool = False,
    progress: bool = True,
) -> DatasetReturn:
    """Download (once) and load a subset of the Top Quark Tagging Reference Dataset.

    The files come from Zenodo record 2603256 (1.2M training, 400k validation and 400k
    test jets). The expected MD5 checksum and size are read from the record's metadata
    (Zenodo's API) and verified before the file enters the cache
    ``<data_home>/top_tagging/<subset>.h5``; a failed check caches nothing.

    Parameters
    ----------
    subset : {"train", "val", "test"}, default="train"
    data_home : path-like, optional
        See :func:`skjet.datasets.get_data_home`.
    download_if_missing : bool, default=True
        If False and the file is not cached, raise OSError instead of downloading.
    start, stop, chunk_size, return_X_y
        Passed to :func:`load_top_tagging`.
    progress : bool, default=True
        Show a download progress bar.

    Returns
    -------
    As :func:`load_top_tagging`.

    Examples
    --------
    >>> jets = fetch_top_tagging("val", stop=1000)  # doctest: +SKIP
    >>> jets.constituents.shape  # doctest: +SKIP
    (1000, 200, 4)
    """
    filename = f"{subset}.h5"
    path = get_data_home(data_home) / "top_tagging" / filename
    if not path.is_file():
        if not download_if_missing:
            raise OSError(f"{path} is not cached and download_if_missing=False.")
        record = read_json(ZENODO_API_URL.format(record=ZENODO_RECORD))
        checksum, size = zenodo_file_info(record, filename)
        download(
            ZENODO_FILE_URL.format(record=ZENODO_RECORD, filename=filename),
            path,
            checksum=checksum,
            size=size,
            progress=progress,
        )
    return load_top_tagging(path, start, stop, chunk_size, return_X_y=return_X_y)
