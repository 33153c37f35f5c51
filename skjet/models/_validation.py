"""Input checks and small mixins shared by skjet's classifiers."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ..utils import check_finite, check_sample_weight
from ..utils._classes import format_labels
from ..utils._typing import ArrayLike
from ..utils._validation import check_float32_range


def check_float32_finite(
    X: np.ndarray, estimator: Any, name: str = "X", *, allow_nan: bool = False
) -> np.ndarray:
    """float32 C-contiguous copy-if-needed of ``X``; values overflowing float32 are refused.

    Values beyond the float32 range (about 3.4e38) become infinite in float32, the precision
    the models compute in, and are rejected like infinite values. With ``allow_nan``, NaN is
    kept (a missing value) and only infinite values raise.
    """
    check_float32_range(X, name=f"{type(estimator).__name__}: {name}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # overflow was refused above
        X32 = np.ascontiguousarray(X, dtype=np.float32)
    label = f"{type(estimator).__name__}: {name} (as float32)"
    if not allow_nan:
        check_finite(X32, name=label)
        return X32
    n_inf = int(np.count_nonzero(np.isinf(X32)))
    if n_inf:
        raise ValueError(
            f"{label} contains {n_inf} infinite value(s): infinity, or values beyond the "
            f"float32 range (about {np.finfo(np.float32).max:.1e}) that overflow to it. NaN "
            "is accepted as a missing value, infinite values are not: clean the input first."
        )
    return X32


class KnownLabelsScoreMixin:
    """``score`` (accuracy) that refuses labels never seen in fit, as every skjet classifier.

    scikit-learn's ``ClassifierMixin.score`` would count a sample of an unseen class as
    misclassified without a word; skjet's classifiers raise a ValueError naming the labels.
    """

    def score(self, X, y, sample_weight=None) -> float:
        """Accuracy on ``(X, y)``; labels not seen in fit raise a ValueError naming them.

        Parameters
        ----------
        X : array-like
            Input as for :meth:`predict`.
        y : array-like of shape (n_samples,)
            True labels, all among ``classes_``.
        sample_weight : array-like of shape (n_samples,), optional

        Returns
        -------
        score : float
        """
        from sklearn.metrics import accuracy_score
        from sklearn.utils.validation import check_is_fitted

        from ..utils._classes import check_known_labels

        check_is_fitted(self, "classes_")
        # the raw y: check_known_labels first refuses mixed or missing labels, which
        # np.asarray would hide by turning ["top", 1] into strings
        check_known_labels(y, self.classes_, estimator=self)  # type: ignore[attr-defined]
        predicted = self.predict(X)  # type: ignore[attr-defined]
        return float(accuracy_score(y, predicted, sample_weight=sample_weight))


class LogProbaMixin:
    """``predict_log_proba`` as the logarithm of ``predict_proba`` (log 0 is -inf)."""

    predict_proba: Callable[..., np.ndarray]  # provided by the classifier

    def predict_log_proba(self, X: ArrayLike) -> np.ndarray:
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like
            Input as for :meth:`predict_proba`.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))


# What each classifier does with negative sample weights (its ``_negative_weights``):
#   "refuse": any negative weight raises a ValueError that says why and what to do;
#   "net_positive": negative weights are used as given, as long as every class present has
#   a positive total weight (the weighted loss or yield of the class is then defined).
NEGATIVE_WEIGHT_RULES = ("refuse", "net_positive")

_NEGATIVE_ORIGIN = (
    "Negative event weights come from NLO generators (MC@NLO, POWHEG) and sWeights"
)


def check_classifier_weights(
    sample_weight, X, estimator, *, y_codes=None, classes=None, name: str = "sample_weight"
) -> np.ndarray | None:
    """Validated float64 weights of shape (n_samples,), or None when none are given.

    The one place where skjet's classifiers check ``sample_weight``: 1-D, one weight per
    sample, finite, not all zero (:func:`skjet.utils.check_sample_weight`), and negative
    weights handled by the rule the classifier declares in its ``_negative_weights``
    attribute (see ``NEGATIVE_WEIGHT_RULES``): refused with the reason and the usual remedies, or accepted
    when every class in ``y_codes`` (int codes 0..n_classes-1 of ``classes``, the labels
    named in the message) has a positive total weight.

    Examples
    --------
    >>> class Tagger:
    ...     _negative_weights = "net_positive"
    >>> check_classifier_weights([1.0, -0.5, 2.0], np.zeros((3, 1)), Tagger(), y_codes=[0, 0, 1])
    array([ 1. , -0.5,  2. ])
    """
    if sample_weight is None:
        return None
    who = type(estimator).__name__
    weight = check_sample_weight(sample_weight, len(X), estimator=estimator)
    negative = weight < 0
    if not negative.any():
        return weight
    rule = getattr(estimator, "_negative_weights", "refuse")
    if rule not in NEGATIVE_WEIGHT_RULES:
        raise ValueError(f"{who}._negative_weights must be one of {NEGATIVE_WEIGHT_RULES}.")
    summary = (
        f"{name} has {int(negative.sum())} negative value(s) of {len(weight)} (minimum "
        f"{weight.min():.4g}, sum of the negative ones {weight[negative].sum():.4g})"
    )
    if rule == "refuse":
        reason = getattr(estimator, "_negative_weights_reason", "")
        raise ValueError(
            f"{who}: {summary}. {reason} {_NEGATIVE_ORIGIN}; to train on such a sample, "
            f"pass np.abs({name}) (the usual choice: keeps every event, gives up the "
            f"cancellation), np.clip({name}, 0, None), or weights from a positive "
            "reweighting of the negative-weight events onto their positive neighbours; "
            "or use a skjet classifier that accepts them (DeepSetsClassifier, MLPClassifier, "
            "CNNClassifier, CutAndCountClassifier)."
        )
    if y_codes is not None:
        codes = np.asarray(y_codes)
        totals = np.bincount(codes, weights=weight, minlength=int(codes.max()) + 1)
        present = np.bincount(codes, minlength=len(totals)) > 0
        bad = np.flatnonzero(present & ~(totals > 0))
        if len(bad):
            labels = (
                format_labels(np.asarray(classes)[bad])
                if classes is not None
                else f"with indices {bad.tolist()} (into the sorted classes)"
            )
            raise ValueError(
                f"{who}: {summary}, and the class(es) {labels} have a total weight of "
                f"{[round(float(totals[c]), 6) for c in bad]}. Negative weights are used as "
                "given only while each class's total weight is positive (its weighted loss "
                f"or yield is undefined otherwise). {_NEGATIVE_ORIGIN}; check the weights of "
                f"that class, or pass np.abs({name})."
            )
    return weight


# Rows of the training data run through a new network once before training.
_FIRST_ROWS = 8


def check_first_output(estimator: Any, module, dataset, classes) -> None:
    """Run a new network once on the first rows of its training data and check the output.

    A network from ``build_module`` (fed by ``module_inputs`` where a subclass overrides it)
    must return logits: a floating-point tensor of shape (batch, n_classes), finite. Anything
    else would fail deep inside the loss, or train to NaN probabilities without a word, so
    it raises a ValueError here naming the hook, what came back and what was expected. The
    forward pass runs in eval mode without gradients (no running statistics change, no
    random numbers drawn), on at most 8 rows; a forward pass that raises gets a note naming
    the hook.

    Examples
    --------
    >>> import torch
    >>> class Est: pass
    >>> class Data:
    ...     def __len__(self): return 4
    ...     def batch(self, index): return torch.ones(4, 3)[index], None
    >>> check_first_output(Est(), torch.nn.Linear(3, 2), Data(), ["qcd", "top"])
    >>> check_first_output(Est(), torch.nn.Linear(3, 1), Data(), ["qcd", "top"])
    Traceback (most recent call last):
    ...
    ValueError: Est: the module from build_module returned a tensor of shape (4, 1) for a batch of 4 rows; expected logits of shape (4, 2), one column per class ['qcd', 'top'] ...
    """
    import torch

    who = type(estimator).__name__
    inputs_hook = getattr(estimator, "_batch_inputs", lambda: None)()
    hook = "build_module" + (", fed by module_inputs," if inputs_hook is not None else "")
    n_rows = min(len(dataset), _FIRST_ROWS)
    batch, _ = dataset.batch(slice(0, n_rows))
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad():
            inputs = inputs_hook(batch) if inputs_hook is not None else batch
            out = module(*inputs) if isinstance(inputs, tuple) else module(inputs)
    except Exception as exc:
        if hasattr(exc, "add_note"):  # Python 3.11+
            exc.add_note(
                f"{who}: raised by the forward pass of the module from {hook.rstrip(',')} on "
                f"the first {n_rows} training rows (shape {tuple(batch.shape)})."
            )
        raise
    finally:
        module.train(was_training)
    n_classes = len(classes)
    expected = (
        f"expected logits of shape ({n_rows}, {n_classes}), one column per class "
        f"{format_labels(np.asarray(classes))} (for two classes too: not a single column), "
        "as a floating-point tensor"
    )
    if not isinstance(out, torch.Tensor):
        problem = f"a {type(out).__name__}, not a tensor"
    elif out.ndim != 2 or tuple(out.shape) != (n_rows, n_classes):
        problem = f"a tensor of shape {tuple(out.shape)}"
    elif not out.is_floating_point():
        problem = f"a tensor of dtype {out.dtype}"
    elif not bool(torch.isfinite(out).all()):
        n_bad = int((~torch.isfinite(out)).sum())
        problem = f"{n_bad} NaN or infinite value(s) among its {out.numel()} logits"
        expected = "expected finite logits; check the module's operations (log of a " \
            "non-positive number, division by zero on padding, ...)"
    else:
        return
    raise ValueError(
        f"{who}: the module from {hook.rstrip(',')} returned {problem} for a batch of "
        f"{n_rows} rows; {expected}. Checked once, on the first rows of the training data, "
        "before training."
    )
