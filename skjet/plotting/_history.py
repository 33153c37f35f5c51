"""Training and validation loss per epoch of the neural classifiers."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ._style import get_axes

_LABELS = {"train_loss": "training sample", "valid_loss": "validation sample"}


def _history_frame(history) -> pd.DataFrame:
    """One row per epoch from a DataFrame, a list of per-epoch dicts or a skorch History."""
    if isinstance(history, pd.DataFrame):
        return history
    if isinstance(history, Mapping):  # {column: values}
        return pd.DataFrame(dict(history))
    try:
        rows = list(history)
    except TypeError:
        raise TypeError(
            "history must be a DataFrame, a list of per-epoch dicts or a skorch History, "
            f"got {type(history).__name__}."
        ) from None
    if not all(isinstance(row, Mapping) for row in rows):
        raise TypeError("history must be a list of per-epoch dicts (such as a skorch History).")
    # skorch keeps per-batch records under "batches": not per-epoch values.
    return pd.DataFrame([{k: v for k, v in row.items() if k != "batches"} for row in rows])


def _loss_columns(frame: pd.DataFrame) -> list[str]:
    return [
        col
        for col in frame.columns
        if "loss" in str(col)
        and not str(col).endswith("_best")  # skorch's "is this the best epoch" flags
        and pd.api.types.is_numeric_dtype(frame[col])
        and not pd.api.types.is_bool_dtype(frame[col])
        and frame[col].notna().any()  # e.g. valid_loss when there was no validation set
    ]


def plot_history(estimator, ax=None, *, logy: bool = False):
    """Training and validation loss against epoch.

    Parameters
    ----------
    estimator : fitted neural classifier, DataFrame, list of dicts or skorch History
        Anything with a ``history_`` attribute (the skjet neural classifiers; a Pipeline
        ending in one), or the history itself: one row per epoch with an ``epoch`` column
        (epochs are numbered from 1 otherwise) and loss columns (every numeric column
        whose name contains ``"loss"``, e.g. ``train_loss`` and ``valid_loss``).
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.
    logy : bool, default=False
        Logarithmic loss axis.

    Returns
    -------
    ax : matplotlib Axes
        One line per loss column.

    Examples
    --------
    >>> history = [{"epoch": 1, "train_loss": 0.7, "valid_loss": 0.72},
    ...            {"epoch": 2, "train_loss": 0.5, "valid_loss": 0.55}]
    >>> ax = plot_history(history)
    >>> [line.get_label() for line in ax.get_lines()]
    ['training sample', 'validation sample']
    """
    history = estimator
    if hasattr(estimator, "steps"):  # a Pipeline: the history is its final step's
        history = estimator.steps[-1][1]
    if hasattr(history, "history_"):
        history = history.history_
    elif hasattr(history, "fit") and not isinstance(history, (pd.DataFrame, list)):
        raise ValueError(
            f"{type(history).__name__} has no history_: fit it first, or pass a neural "
            "classifier that records its loss per epoch."
        )
    frame = _history_frame(history)
    if frame.empty:
        raise ValueError("The history is empty: no epoch was recorded.")
    columns = _loss_columns(frame)
    if not columns:
        raise ValueError(
            f"The history has no loss column (a numeric column named like '*loss*'); it has "
            f"{list(frame.columns)}."
        )
    epochs = frame["epoch"].to_numpy() if "epoch" in frame else np.arange(1, len(frame) + 1)

    ax = get_axes(ax)
    for col in columns:
        ax.plot(epochs, frame[col].to_numpy(dtype=float), marker=".", label=_LABELS.get(col, col))
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.grid(True, axis="y", ls=":")
    ax.legend()
    return ax
