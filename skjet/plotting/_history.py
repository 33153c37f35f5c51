"""Training and validation loss per epoch of the neural classifiers."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..utils._sklearn_compat import StrOptions, validate_params
from ._style import get_axes

_LABELS = {
    "train_loss": "training sample",
    "valid_loss": "validation sample",
    "train_accuracy": "training sample",
    "valid_accuracy": "validation sample",
    "train_acc": "training sample",
    "valid_acc": "validation sample",
}
_KINDS = {"loss": ("loss",), "accuracy": ("accuracy", "acc")}


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


def _loss_columns(frame: pd.DataFrame, kind: str = "loss") -> list[str]:
    words = _KINDS[kind]
    return [
        col
        for col in frame.columns
        if any(word in str(col) for word in words)
        and not str(col).endswith("_best")  # skorch's "is this the best epoch" flags
        and pd.api.types.is_numeric_dtype(frame[col])
        and not pd.api.types.is_bool_dtype(frame[col])
        and frame[col].notna().any()  # e.g. valid_loss when there was no validation set
    ]


def best_epoch(history) -> int | None:
    """The epoch whose weights early stopping keeps: the last one flagged
    ``valid_loss_best`` (skorch), else the one of the lowest validation loss; None without
    a validation loss."""
    frame = _history_frame(history)
    epochs = frame["epoch"].to_numpy() if "epoch" in frame else np.arange(1, len(frame) + 1)
    if "valid_loss_best" in frame and frame["valid_loss_best"].fillna(False).astype(bool).any():
        return int(epochs[np.flatnonzero(frame["valid_loss_best"].fillna(False).to_numpy(bool))[-1]])
    if "valid_loss" in frame and frame["valid_loss"].notna().any():
        return int(epochs[int(np.nanargmin(frame["valid_loss"].to_numpy(float)))])
    return None


@validate_params(
    {"logy": ["boolean"], "metric": [StrOptions(set(_KINDS))], "mark_best": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def plot_history(
    estimator,
    ax=None,
    *,
    logy: bool = False,
    metric: str = "loss",
    name: str | None = None,
    mark_best: bool = True,
):
    """Training and validation loss (or accuracy) against epoch, the best epoch marked.

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
    metric : {"loss", "accuracy"}, default="loss"
        Draw the loss columns, or the accuracy columns (names containing ``accuracy``
        or ``acc``, e.g. skjet's ``train_accuracy`` and ``valid_accuracy``).
    name : str, optional
        The model's name, written in the legend title (e.g. the approach name).
    mark_best : bool, default=True
        Draw a vertical line at the :func:`best_epoch` (the weights early stopping
        restores), labelled with its number.

    Returns
    -------
    ax : matplotlib Axes
        One line per loss column, then the best-epoch line.

    Examples
    --------
    >>> history = [{"epoch": 1, "train_loss": 0.7, "valid_loss": 0.72},
    ...            {"epoch": 2, "train_loss": 0.5, "valid_loss": 0.55}]
    >>> ax = plot_history(history, name="MLP")
    >>> [line.get_label() for line in ax.get_lines()]
    ['training sample', 'validation sample', 'best epoch (2)']
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
    columns = _loss_columns(frame, metric)
    if not columns:
        raise ValueError(
            f"The history has no {metric} column (a numeric column named like "
            f"'*{_KINDS[metric][0]}*'); it has {list(frame.columns)}."
        )
    epochs = frame["epoch"].to_numpy() if "epoch" in frame else np.arange(1, len(frame) + 1)

    ax = get_axes(ax)
    for col in columns:
        ax.plot(epochs, frame[col].to_numpy(dtype=float), marker=".", label=_LABELS.get(col, col))
    best = best_epoch(frame) if mark_best else None
    if best is not None:
        ax.axvline(best, color="black", ls="--", lw=1.0, label=f"best epoch ({best})")
    if logy:
        ax.set_yscale("log")
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric)
    ax.grid(True, axis="y", ls=":")
    # Losses fall and accuracies rise with the epochs: the legend goes where they are not.
    ax.legend(title=name, loc="upper right" if metric == "loss" else "lower right")
    return ax


def plot_training(estimator, *, name: str | None = None, figsize=None):
    """Loss and (when recorded) accuracy against epoch, side by side, best epoch marked.

    Parameters
    ----------
    estimator : fitted neural classifier, Pipeline ending in one, or history
        As for :func:`plot_history`.
    name : str, optional
        The model's name, in the figure title; the estimator's class name by default.
    figsize : tuple, optional
        Figure size; slide-sized (12 x 5 in for two panels) by default.

    Returns
    -------
    fig : matplotlib Figure
        One Axes for the loss and one for the accuracy, when the history has it, and one
        legend (``fig.legends[0]``) titled with the model's name.

    Examples
    --------
    >>> history = [{"epoch": e, "train_loss": 1 / e, "valid_loss": 1 / e + 0.1 * e,
    ...             "train_accuracy": 0.5 + 0.1 * e, "valid_accuracy": 0.5 + 0.05 * e}
    ...            for e in (1, 2, 3, 4)]
    >>> fig = plot_training(history, name="MLP")
    >>> [ax.get_ylabel() for ax in fig.axes]
    ['loss', 'accuracy']
    """
    import matplotlib.pyplot as plt

    history = estimator
    if hasattr(history, "steps"):
        history = history.steps[-1][1]
    if name is None and hasattr(history, "fit"):
        name = type(history).__name__
    if hasattr(history, "history_"):
        history = history.history_
    frame = _history_frame(history)
    kinds = [k for k in _KINDS if _loss_columns(frame, k)]
    if "loss" not in kinds:
        raise ValueError(f"The history has no loss column; it has {list(frame.columns)}.")
    if figsize is None:
        figsize = (6.0 * len(kinds), 5.0)
    fig, axes = plt.subplots(1, len(kinds), figsize=figsize, layout="constrained", squeeze=False)
    for ax, kind in zip(axes[0], kinds):
        plot_history(frame, ax=ax, metric=kind, name=name)
        ax.get_legend().remove()
    # One legend beside the panels: inside, it would cover the late epochs.
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, title=name, loc="outside right upper")
    return fig
