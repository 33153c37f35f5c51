"""Reader of the hls4ml LHC jet table: 16 high-level jet features and five jet classes."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import DTypeLike
from sklearn.utils import Bunch

from ..features._substructure import HLS4ML_FEATURES
from ..utils._typing import DatasetReturn
from ..utils._validation import is_finite
from ._base import get_data_home
from ._files import reading

# One definition of the 16 columns, shared with the transformer that computes them.
FEATURE_NAMES = list(HLS4ML_FEATURES)
TARGET_NAMES = ["g", "q", "t", "w", "z"]
TARGET_COLUMNS = ("jet_type", "class")
OPENML_ID = 42468  # "hls4ml_lhc_jets_hlf"

_DESCR = """hls4ml LHC jet dataset, high-level features (Duarte et al. 2018; OpenML 42468).

Jets of about 1 TeV from gluons (g), light quarks (q), top quarks (t), W and Z bosons (w, z),
described by 16 substructure observables (energy correlation functions on mMDT-groomed jets,
groomed mass, multiplicity). The full table holds 830,000 jets.
"""


def _frame_to_bunch(frame: pd.DataFrame, source: str, dtype, return_X_y: bool):
    """Check the columns, convert the features, normalise the labels; name every problem."""
    frame = frame.rename(columns=str)
    targets = [c for c in TARGET_COLUMNS if c in frame.columns]
    if not targets:
        raise ValueError(
            f"{source}: no target column; expected 'jet_type' (parquet/CSV) or 'class' "
            f"(OpenML). Columns: {list(frame.columns)}."
        )
    if len(targets) > 1:
        raise ValueError(f"{source}: both 'jet_type' and 'class' present; keep one target column.")
    target_col = targets[0]
    missing = [c for c in FEATURE_NAMES if c not in frame.columns]
    if missing:
        raise ValueError(f"{source}: missing feature column(s) {missing}.")
    extra = [c for c in frame.columns if c not in FEATURE_NAMES and c != target_col]
    if extra:
        raise ValueError(
            f"{source}: unexpected column(s) {extra}; the hls4ml table has the 16 features "
            f"{FEATURE_NAMES} and {target_col!r}."
        )
    if frame.columns.duplicated().any():
        raise ValueError(
            f"{source}: duplicated column(s) {sorted(set(frame.columns[frame.columns.duplicated()]))}."
        )
    if len(frame) == 0:
        raise ValueError(f"{source}: the table has no rows.")

    non_numeric = [
        c
        for c in FEATURE_NAMES
        if not pd.api.types.is_numeric_dtype(frame[c].dtype)
        or pd.api.types.is_bool_dtype(frame[c].dtype)
    ]
    if non_numeric:
        raise ValueError(
            f"{source}: non-numeric feature column(s) "
            f"{ {c: str(frame[c].dtype) for c in non_numeric} }."
        )
    data = frame[FEATURE_NAMES].astype(dtype)
    bad = [c for c in FEATURE_NAMES if not is_finite(data[c].to_numpy())]
    if bad:
        counts = {c: int((~np.isfinite(data[c].to_numpy())).sum()) for c in bad}
        raise ValueError(
            f"{source}: NaN or infinite values in feature column(s) {counts} (count per "
            "column); skjet does not drop rows silently: clean the table first."
        )

    raw = frame[target_col]
    if raw.isna().any():
        raise ValueError(f"{source}: {int(raw.isna().sum())} missing label(s) in {target_col!r}.")
    labels = raw.astype(str).str.strip().str.lower()
    unknown = sorted(set(labels.unique()) - set(TARGET_NAMES))
    if unknown:
        raise ValueError(
            f"{source}: unknown label(s) {unknown} in {target_col!r}; expected {TARGET_NAMES} "
            "(upper case accepted)."
        )
    target = pd.Series(
        pd.Categorical(labels, categories=TARGET_NAMES),
        index=data.index,
        name="jet_type",
    )
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        frame=pd.concat([data, target], axis=1),
        feature_names=list(FEATURE_NAMES),
        target_names=np.array(TARGET_NAMES),
        DESCR=_DESCR,
    )


def _reader(path: Path):
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in (".parquet", ".pq"):
        return pd.read_parquet
    if ".csv" in suffixes:  # .csv, .csv.gz, .csv.bz2 ...
        return pd.read_csv
    raise ValueError(
        f"{path}: unsupported file type {''.join(path.suffixes) or '(no suffix)'}; "
        "load_hls4ml reads .parquet/.pq and .csv (optionally compressed, e.g. .csv.gz)."
    )


def _check_float_dtype(dtype) -> np.dtype:
    """The features are real numbers: an integer or other dtype would truncate or fail."""
    try:
        out = np.dtype(dtype)
    except TypeError as exc:
        raise ValueError(f"dtype must be a numpy float dtype, got {dtype!r}.") from exc
    if out.kind != "f":
        raise ValueError(
            f"dtype must be a float dtype (np.float32 or np.float64), got {out}: the 16 "
            "features are real numbers and would be truncated or refused."
        )
    return out


def load_hls4ml(
    path: str | os.PathLike,
    *,
    dtype: DTypeLike = np.float64,
    return_X_y: bool = False,
) -> DatasetReturn:
    """Load the hls4ml jet table (16 high-level features, classes g, q, t, w, z).

    Parameters
    ----------
    path : path-like
        A parquet (``.parquet``, ``.pq``) or CSV (``.csv``, ``.csv.gz``, ...) file with the
        16 feature columns and the target column ``jet_type`` (the exercise's parquet) or
        ``class`` (OpenML's export). No other column is allowed.
    dtype : numpy float dtype, default=np.float64
        dtype of the feature columns (``multiplicity`` included).
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : Bunch
        - ``data``: DataFrame (n_jets, 16), columns in :data:`FEATURE_NAMES` order.
        - ``target``: categorical Series ``jet_type`` with categories
          ``["g", "q", "t", "w", "z"]``. Labels are stripped and lower-cased, so the upper
          case ``"W"``/``"Z"`` of some copies of the exercise become ``"w"``/``"z"``.
        - ``frame``: features and target together.
        - ``feature_names``, ``target_names``, ``DESCR``.
    (data, target) : tuple if ``return_X_y``.

    Raises
    ------
    FileNotFoundError
        No such file.
    OSError
        A compressed file that is truncated or damaged.
    ValueError
        A dtype that is not a float dtype; unsupported suffix; missing, extra, duplicated or non-numeric columns; NaN or
        infinite features (named with their counts); missing or unknown labels.

    Examples
    --------
    >>> import tempfile, pathlib, numpy as np, pandas as pd
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "jets.csv"
    >>> table = pd.DataFrame(np.ones((2, 16)), columns=FEATURE_NAMES)
    >>> table["jet_type"] = ["W", "g"]
    >>> table.to_csv(path, index=False)
    >>> jets = load_hls4ml(path)
    >>> jets.data.shape, jets.target.tolist(), list(jets.target.cat.categories)
    ((2, 16), ['w', 'g'], ['g', 'q', 't', 'w', 'z'])
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file.")
    read = _reader(path)
    dtype = _check_float_dtype(dtype)
    try:
        with reading(path, "parquet" if read is pd.read_parquet else "CSV"):
            frame = read(path)
    except OSError:  # a truncated or damaged file, already named
        raise
    except Exception as exc:  # pyarrow / parser errors do not say which file
        raise ValueError(f"{path}: could not be read as a table: {exc}") from exc
    return _frame_to_bunch(frame, str(path), dtype, return_X_y)


def fetch_hls4ml(
    data_home: str | os.PathLike | None = None,
    *,
    dtype: DTypeLike = np.float64,
    return_X_y: bool = False,
) -> DatasetReturn:
    """Download (once) the hls4ml jet table from OpenML (id 42468) and load it.

    Uses :func:`sklearn.datasets.fetch_openml`, which caches the ARFF under
    ``<data_home>/openml``; then applies the same checks and label normalisation as
    :func:`load_hls4ml` (OpenML's target column is ``class``; it becomes ``jet_type``).

    Parameters
    ----------
    data_home : path-like, optional
        See :func:`skjet.datasets.get_data_home`.
    dtype, return_X_y
        As in :func:`load_hls4ml`.

    Examples
    --------
    >>> jets = fetch_hls4ml()  # doctest: +SKIP
    >>> jets.data.shape  # doctest: +SKIP
    (830000, 16)
    """
    from sklearn.datasets import fetch_openml

    dtype = _check_float_dtype(dtype)  # before any download
    cache = get_data_home(data_home) / "openml"
    raw = fetch_openml(data_id=OPENML_ID, data_home=str(cache), as_frame=True, parser="auto")
    frame = raw.frame
    if frame is None:
        raise ValueError(f"OpenML dataset {OPENML_ID} came back without a DataFrame.")
    return _frame_to_bunch(frame, f"OpenML dataset {OPENML_ID}", dtype, return_X_y)
