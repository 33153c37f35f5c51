"""Small helpers for Dask inputs: recognising a collection and finding the client.

Nothing here imports dask unless the caller already did: a dask collection can only exist
once dask has been imported, so ``is_dask_collection`` costs nothing for numpy input.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from ._typing import ArrayLike


def is_dask_collection(obj: object) -> bool:
    """Whether ``obj`` is a dask array, DataFrame or Series (without importing dask)."""
    if "dask" not in sys.modules:
        return False
    import dask

    return bool(dask.is_dask_collection(obj))


def get_dask_client(who: str) -> Any:
    """The current ``dask.distributed`` client, or a ValueError that says how to make one."""
    try:
        import distributed
    except ImportError as exc:
        raise ImportError(
            f"{who} on a dask collection needs dask.distributed; install skjet[dask]."
        ) from exc
    try:
        return distributed.get_client()
    except ValueError:
        raise ValueError(
            f"{who} on a dask collection needs a dask.distributed Client: create one first, "
            "e.g. `from distributed import Client, LocalCluster; client = Client(LocalCluster())` "
            "or `Client('tcp://scheduler:8786')`."
        ) from None


def dask_classes(y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Sorted unique labels of a 1-D dask array or dask Series and their counts (one pass)."""
    import dask
    import dask.array as da

    if isinstance(y, da.Array):
        if y.ndim != 1:
            raise ValueError(f"y must be 1-D, got a dask array of shape {y.shape}.")
        classes, counts = dask.compute(*da.unique(y, return_counts=True))
        return np.asarray(classes), np.asarray(counts, dtype=np.int64)
    if not hasattr(y, "value_counts"):
        raise ValueError(
            f"y must be a 1-D dask array or a dask Series, got {type(y).__name__}."
        )
    # a tree reduction, no shuffle; NaN labels are counted (not silently dropped) and refused
    counts = y.value_counts(split_out=1, dropna=False).compute()
    missing = counts.index.isna()
    if missing.any():
        raise ValueError(
            f"Input y contains NaN ({int(counts[missing].sum())} missing label(s)); "
            "drop or label those rows first."
        )
    counts = counts.sort_index()
    classes = counts.index.to_numpy()
    if classes.dtype.kind == "O" or str(counts.index.dtype).startswith(("string", "str")):
        classes = classes.astype(object)
    return classes, np.asarray(counts.to_numpy(), dtype=np.int64)


def _encode_block(block, classes):
    return np.searchsorted(classes, np.asarray(block)).astype(np.int32)


def _encode_partition(part, classes):
    import pandas as pd

    return pd.Series(_encode_block(part, classes), index=part.index, name=part.name)


def dask_encode(y: ArrayLike, classes: np.ndarray) -> Any:
    """Lazily map the labels of a dask array or Series to codes 0..n_classes-1 (int32)."""
    import dask.array as da

    if isinstance(y, da.Array):
        return y.map_blocks(_encode_block, classes, dtype=np.int32)
    return y.map_partitions(_encode_partition, classes, meta=(y.name, "i4"))


def _take_block(codes, values):
    return values[np.asarray(codes)]


def _take_partition(codes, values):
    import pandas as pd

    return pd.Series(values[codes.to_numpy()], index=codes.index, name=codes.name)


def dask_take(codes: Any, values: np.ndarray) -> Any:
    """Lazily map codes of a dask array or Series to ``values[codes]`` (float64)."""
    import dask.array as da

    if isinstance(codes, da.Array):
        return codes.map_blocks(_take_block, values, dtype=values.dtype)
    return codes.map_partitions(_take_partition, values, meta=(codes.name, values.dtype))
