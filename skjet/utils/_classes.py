"""Shared class-label helpers of skjet's classifiers: encoding, checks, class weights.

One implementation (and one wording of the errors) for every classifier: labels are
encoded to codes ``0..n_classes-1`` of the sorted classes, a fit with a single class and
labels outside the known classes are refused with a ValueError naming them, and
``class_weight`` (None, "balanced" or a dict) becomes one weight per class.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from ._typing import ArrayLike


def _name(estimator) -> str:
    if estimator is None:
        return "The classifier"
    return estimator if isinstance(estimator, str) else type(estimator).__name__


def format_labels(labels: ArrayLike) -> str:
    """``[...]`` of the labels with plain Python reprs (``'top'``, not ``np.str_('top')``)."""
    return "[" + ", ".join(repr(v.item() if hasattr(v, "item") else v) for v in labels) + "]"


def format_label(label: object) -> str:
    """Plain Python repr of one label."""
    return repr(label.item() if hasattr(label, "item") else label)


def _label_kind(value) -> str:
    if isinstance(value, str | bytes):
        return "string"
    if isinstance(value, numbers.Number):  # bool and numpy scalars included
        return "number"
    return type(value).__name__


def check_labels(y, *, estimator=None, what: str = "y") -> None:
    """Refuse labels with missing values (None, NaN) or that mix strings and numbers.

    numpy and scikit-learn would fail on them with ``'<' not supported`` or a message about
    continuous values; this names the problem instead. Arrays of one numeric or string
    dtype are checked in O(1) (NaN in float labels is counted); object arrays and lists
    are inspected value by value.

    Examples
    --------
    >>> check_labels(["top", "qcd"])
    >>> check_labels(["top", None, "qcd"])
    Traceback (most recent call last):
    ...
    ValueError: The classifier: y has 1 missing label(s) (None or NaN), first at position 1; every sample needs a class label: drop or fill them first.
    """
    import pandas as pd

    if y is None:
        return  # "requires y" is the estimator's own error
    name = _name(estimator)
    dtype = getattr(y, "dtype", None)
    if isinstance(y, list | tuple):  # np.asarray would turn ["top", 1] into strings
        values = np.asarray(y, dtype=object).ravel()
    elif isinstance(dtype, np.dtype) and dtype.kind not in "Of":
        return  # integers, strings, booleans: nothing missing, one type
    else:
        values = np.asarray(y).ravel()
        if values.dtype.kind not in "Of":
            return
    missing = np.asarray(pd.isna(values), dtype=bool)
    if missing.any():
        raise ValueError(
            f"{name}: {what} has {int(missing.sum())} missing label(s) (None or NaN), first at "
            f"position {int(np.flatnonzero(missing)[0])}; every sample needs a class label: "
            "drop or fill them first."
        )
    if values.dtype != object:
        return
    examples: dict[str, object] = {}
    for v in values:
        examples.setdefault(_label_kind(v), v)
        if len(examples) > 1:
            break
    if len(examples) > 1:
        shown = ", ".join(f"{k} {format_label(v)}" for k, v in examples.items())
        raise ValueError(
            f"{name}: {what} mixes label types ({shown}); labels must all be strings or all "
            "numbers: convert them first, e.g. y.astype(str)."
        )


def check_two_classes(classes: ArrayLike, estimator: Any | None = None) -> None:
    """Refuse fitting on fewer than two classes, naming the only one."""
    if len(classes) < 2:
        got = f"only one class: {format_label(classes[0])}" if len(classes) else "no class"
        raise ValueError(
            f"{_name(estimator)} needs samples of at least two classes; got {got}. "
            "Fit on y with at least 2 classes."
        )


def unseen_labels(labels: ArrayLike, classes: ArrayLike) -> list:
    """The distinct values of ``labels`` that are not in ``classes`` (sorted when possible)."""
    labels = np.asarray(labels)
    classes = np.asarray(classes)
    try:
        return list(np.setdiff1d(np.unique(labels), classes))
    except TypeError:  # mixed label types: compare as objects
        import pandas as pd

        known = set(classes.tolist())
        return [v for v in pd.unique(labels.ravel()) if v not in known]


def check_known_labels(
    labels: ArrayLike,
    classes: ArrayLike,
    *,
    estimator: Any | None = None,
    what: str = "y",
    known: str = "seen in fit",
) -> None:
    """ValueError naming the labels of ``labels`` outside ``classes``."""
    check_labels(labels, estimator=estimator, what=what)
    unseen = unseen_labels(labels, classes)
    if len(unseen):
        raise ValueError(
            f"{_name(estimator)}: {what} has labels not {known}: {format_labels(unseen)}; "
            f"known classes are {format_labels(classes)}."
        )


def encode_labels(
    y: ArrayLike,
    classes: ArrayLike | None = None,
    *,
    estimator: Any | None = None,
    what: str = "y",
    known: str = "seen in fit",
) -> tuple[np.ndarray, np.ndarray]:
    """Sorted classes and int64 codes of ``y``.

    Without ``classes`` (at fit), the classes are those of ``y`` and at least two are
    required. With ``classes`` (sorted, e.g. ``classes_``), labels outside them raise a
    ValueError naming them.
    """
    check_labels(y, estimator=estimator, what=what)
    y = np.asarray(y)
    if classes is None:
        classes, codes = np.unique(y, return_inverse=True)
        check_two_classes(classes, estimator)
        return classes, codes.reshape(-1).astype(np.int64)
    classes = np.asarray(classes)
    check_known_labels(y, classes, estimator=estimator, what=what, known=known)
    return classes, np.asarray(np.searchsorted(classes, y), dtype=np.int64)


def class_weight_per_class(
    class_weight: dict | str | None,
    classes: ArrayLike,
    counts: ArrayLike,
    estimator: Any | None = None,
) -> np.ndarray | None:
    """One weight per class of ``classes`` from a ``class_weight`` parameter.

    Parameters
    ----------
    class_weight : None, "balanced" or dict
        ``"balanced"`` gives ``n / (n_present_classes * count)`` to the classes present in
        ``counts`` (scikit-learn's definition) and 1 to absent ones; a dict maps labels to
        weights, classes it does not name get 1, and labels that are not classes raise a
        ValueError naming them.
    classes : ndarray of shape (n_classes,)
    counts : array-like of shape (n_classes,)
        Number (or total weight) of samples of each class.
    estimator : estimator or str, optional
        Named in the error messages.

    Returns
    -------
    weights : ndarray of shape (n_classes,) or None
        None for ``class_weight=None``; use as ``weights[codes]``.
    """
    if class_weight is None:
        return None
    name = _name(estimator)
    classes = np.asarray(classes)
    weights = np.ones(len(classes), dtype=np.float64)
    if isinstance(class_weight, str) and class_weight == "balanced":
        counts = np.asarray(counts, dtype=np.float64)
        present = counts > 0
        weights[present] = counts.sum() / (present.sum() * counts[present])
        return weights
    if isinstance(class_weight, dict):
        known = set(classes.tolist())
        unknown = [k for k in class_weight if k not in known]
        if unknown:
            raise ValueError(
                f"{name}: class_weight has labels not in y: {format_labels(unknown)}; "
                f"classes are {format_labels(classes)}."
            )
        weights[:] = [class_weight.get(c, 1.0) for c in classes.tolist()]
        return weights
    raise ValueError(
        f"{name}: class_weight must be None, 'balanced' or a dict, got {class_weight!r}."
    )
