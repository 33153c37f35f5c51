"""Cut-and-count classifier: rectangular cuts on jet-level features."""

from __future__ import annotations

import warnings
from numbers import Integral
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.isotonic import IsotonicRegression
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ..metrics._significance import _significance
from ..utils._classes import check_labels, check_two_classes, format_labels
from ..utils._sklearn_compat import Interval, StrOptions, _fit_context
from ..utils._typing import ArrayLike
from ._validation import KnownLabelsScoreMixin, LogProbaMixin, check_classifier_weights

# Relative amount by which a cut must improve the objective to be kept.
_IMPROVEMENT_RTOL = 1e-12


def _objective_values(objective: str, s, b, s_tot: float, b_tot: float) -> np.ndarray:
    """Objective of selections that keep ``s`` signal and ``b`` background (weighted).

    ``s_tot`` and ``b_tot`` are the totals over ALL training events: events removed by
    earlier cuts count as classified background.
    """
    s = np.asarray(s, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if objective == "significance":
        # Partial sums of signed weights can dip below 0: the unchecked form, masked below.
        values = np.asarray(_significance(s, b, "s/sqrt(s+b)"), dtype=np.float64)
    elif objective == "accuracy":
        values = (s + (b_tot - b)) / (s_tot + b_tot)
    else:  # balanced_accuracy
        values = 0.5 * (s / s_tot + (b_tot - b) / b_tot)
    # With negative event weights a selection can keep a negative signal or background
    # yield, which is no physical selection (a significance over a negative background
    # would look excellent): such cuts are never chosen. The tolerance absorbs rounding.
    unphysical = (s < -1e-9 * s_tot) | (b < -1e-9 * b_tot)
    return np.where(unphysical, -np.inf, values)


def _candidate_sums(hs: np.ndarray, hb: np.ndarray) -> dict[str, tuple]:
    """Weighted signal and background kept by every candidate cut of every form.

    ``hs``/``hb`` are weighted histograms on ``K`` bins; cuts sit on the ``K - 1`` interior
    edges. Returns ``{form: (S, B, i, j)}`` where ``i``/``j`` index the low/high edge
    (``-1`` where the form has none). The forms come simplest first, the order in which
    the fit breaks ties between equally good cuts.
    """
    n_bins = len(hs)
    cs = np.concatenate(([0.0], np.cumsum(hs)))  # cs[j]: weight in bins < j, i.e. x < edge j
    cb = np.concatenate(([0.0], np.cumsum(hb)))
    s_all, b_all = cs[-1], cb[-1]
    inner = np.arange(1, n_bins)
    out = {"all": (np.array([s_all]), np.array([b_all]), np.array([-1]), np.array([-1]))}
    out["below"] = (cs[inner], cb[inner], np.full(len(inner), -1), inner)
    out["above"] = (s_all - cs[inner], b_all - cb[inner], inner, np.full(len(inner), -1))
    lo, hi = np.triu_indices(len(inner), k=1)
    lo, hi = inner[lo], inner[hi]
    s_win, b_win = cs[hi] - cs[lo], cb[hi] - cb[lo]
    out["window"] = (s_win, b_win, lo, hi)
    out["outside"] = (s_all - s_win, b_all - b_win, lo, hi)
    return out


def _cut_pass_margin(x: np.ndarray, form: str, low, high, scale: float):
    """Boolean pass mask and signed distance (in units of ``scale``) to the nearest boundary.

    The distance is positive inside the kept region and negative outside.
    """
    if form == "all":
        return np.ones(len(x), dtype=bool), np.full(len(x), np.inf)
    if form == "below":
        return x < high, (high - x) / scale
    if form == "above":
        return x >= low, (x - low) / scale
    inside = (x >= low) & (x < high)
    depth = np.minimum(x - low, high - x) / scale
    if form == "window":
        return inside, depth
    return ~inside, -depth  # outside


def _squash(m: np.ndarray) -> np.ndarray:
    """Map a margin monotonically into [0, 1) so it can break ties of the cut count."""
    with np.errstate(invalid="ignore"):
        t = np.where(np.isinf(m), np.sign(m), m / (1.0 + np.abs(m)))
    return np.clip(0.5 * (1.0 + t), 0.0, np.nextafter(1.0, 0.0))


class CutAndCountClassifier(KnownLabelsScoreMixin, LogProbaMixin, ClassifierMixin, BaseEstimator):
    """Rectangular cuts on jet-level features, optimised on the training data.

    For each feature the candidate cuts sit on the interior edges of ``n_bins`` equal-width
    bins spanning the feature's training range (events with non-zero weight). Four forms
    are searched: keep below an edge (``x < high``), keep above (``x >= low``), keep inside
    a window (``low <= x < high``) and keep outside it; the form and edges that maximise
    ``objective`` win. The search uses cumulative weighted histograms, so every window of
    every pair of edges is evaluated at once.

    An event passing every cut is classified as signal.

    Parameters
    ----------
    topology : {"sequential", "parallel"}, default="sequential"
        ``"parallel"`` chooses each feature's cut on the full training set, independently,
        and requires all of them. ``"sequential"`` chooses each cut on the events that
        passed all earlier cuts. Its order is the order of ``features`` when given;
        otherwise it is greedy: at each step the feature whose best cut improves the
        objective of the whole selection most goes next.
    n_bins : int, default=50
        Number of equal-width bins per feature; their ``n_bins - 1`` interior edges are the
        candidate cut values.
    objective : {"accuracy", "significance", "balanced_accuracy"}, default="accuracy"
        What the cuts maximise, always for the complete selection over all training events
        (events removed by earlier cuts count as classified background), with
        ``sample_weight``: the accuracy or balanced accuracy of "pass = signal", or the
        significance ``s / sqrt(s + b)`` of the weighted signal ``s`` and background ``b``
        that pass (weight events by cross-section x luminosity / number generated to get
        physical yields).
    signal_class : label or None, default=None
        The class treated as signal; all others are background. Required with more than
        two classes. With two classes the default is ``classes_[1]``.
    features : list of str or int, or None, default=None
        The columns to cut on, by name (needs a DataFrame at fit) or index; for the
        sequential topology also their order. ``None`` uses every column.

    Attributes
    ----------
    cuts_ : list of dict
        One record per feature in the order applied: ``feature`` (name), ``index``
        (column), ``form`` (``"all"``: any value, ``"below"``: ``x < high``,
        ``"above"``: ``x >= low``, ``"window"``: ``low <= x < high``, ``"outside"``: not
        in that window), ``low`` and ``high`` (``None`` where the form has none),
        ``signal_efficiency`` and ``background_efficiency`` (weighted, of the selection
        up to and including this cut), ``objective`` (of that selection) and ``note``.
        A feature whose best cut does not improve the objective gets the cut ``"all"``
        that keeps every event (note ``"no improvement"``); so does a constant feature
        (note ``"constant"``, with a warning). ``pd.DataFrame(model.cuts_)`` tabulates it;
        ``str(model)`` prints one readable line per cut.
    objective_ : float
        Objective of the final selection on the training data.
    bin_edges_ : list of ndarray
        The candidate edges of each column in ``features`` order (``n_bins + 1`` each).
    classes_ : ndarray
        Sorted class labels.
    signal_class_, background_class_ : label
        The signal label and the label ``predict`` returns for events that fail the cuts
        (the background class with the largest training weight).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Defined when X at fit is a DataFrame with string column names.

    Notes
    -----
    ``decision_function`` is the signal score ``n_passed - n_cuts + t`` with ``t`` in
    ``[0, 1)`` a monotone squash of the smallest signed distance (in bins) of the event
    to any cut boundary: positive only for events passing every cut, and continuous
    enough for a ROC curve. For binary problems it follows scikit-learn's sign
    convention (positive favours ``classes_[1]``), so it is negated when
    ``signal_class`` is ``classes_[0]``.

    ``predict_proba`` is an isotonic calibration of that score to P(signal) on the
    training data, limited so that its argmax is the cut decision of ``predict``: for
    selected events P(signal) is at least one half plus a hair, for rejected events at
    most one half minus a hair. Where the selected region's signal purity is below one
    half (possible with ``objective="significance"``), or the rejected region's above,
    those probabilities are therefore floored (capped) and rank events without being
    calibrated. With more than two classes the background probability is shared among
    the background classes in proportion to their training weight, and the limit is
    where the signal column equals the largest background column.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> mass = np.r_[rng.normal(173, 15, 500), rng.exponential(60, 500)]
    >>> y = np.r_[np.ones(500), np.zeros(500)]
    >>> clf = CutAndCountClassifier(n_bins=40).fit(mass[:, None], y)
    >>> clf.cuts_[0]["form"]
    'window'
    >>> bool(clf.score(mass[:, None], y) > 0.85)
    True
    """

    # Yields are signed sums of event weights (see fit).
    _negative_weights = "net_positive"

    _parameter_constraints: dict = {
        "topology": [StrOptions({"sequential", "parallel"})],
        "n_bins": [Interval(Integral, 1, None, closed="left")],
        "objective": [StrOptions({"accuracy", "significance", "balanced_accuracy"})],
        "signal_class": "no_validation",
        "features": ["array-like", None],
    }

    def __init__(
        self,
        topology: str = "sequential",
        n_bins: int = 50,
        objective: str = "accuracy",
        signal_class: Any | None = None,
        features: ArrayLike | None = None,
    ):
        self.topology = topology
        self.n_bins = n_bins
        self.objective = objective
        self.signal_class = signal_class
        self.features = features

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Without signal_class the model is a binary tagger and says so for multiclass y.
        tags.classifier_tags.multi_class = self.signal_class is not None
        return tags

    # ------------------------------------------------------------------ fitting
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
    ) -> CutAndCountClassifier:
        """Choose the cuts on the training data.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_jets, n_features)
            Jet-level features; NaN and infinite values are rejected.
        y : array-like of shape (n_jets,)
            Class labels (strings are fine).
        sample_weight : array-like of shape (n_jets,), optional
            Event weights, e.g. cross-section x luminosity / number generated, so that
            ``objective="significance"`` uses physical yields. Negative weights (NLO
            generators, sWeights) enter every yield as signed sums, as the physics defines
            them; each class needs a positive total weight, and a cut whose selection
            keeps a negative signal or background yield is never chosen.

        Returns
        -------
        self : CutAndCountClassifier
        """
        check_labels(y, estimator=self)  # before numpy sorts or converts them
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        classes, codes = np.unique(y, return_inverse=True)
        check_two_classes(classes, self)  # signal and background
        w = check_classifier_weights(sample_weight, X, self, y_codes=codes, classes=classes)
        if w is None:
            w = np.ones(len(y), dtype=np.float64)
        self.classes_ = classes
        self._resolve_signal(y, w)
        is_sig = y == self.signal_class_
        s_tot, b_tot = float(w[is_sig].sum()), float(w[~is_sig].sum())
        for name, tot in (("signal", s_tot), ("background", b_tot)):
            if tot <= 0:
                raise ValueError(
                    f"{type(self).__name__}: the {name} class has a total sample_weight of "
                    f"{tot}; it must be positive for both signal and background."
                )
        columns = self._resolve_features(X.shape[1])
        self._scan_columns(X, w, columns)
        ws, wb = np.where(is_sig, w, 0.0), np.where(is_sig, 0.0, w)
        if self.topology == "parallel":
            cuts = self._fit_parallel(columns, ws, wb, s_tot, b_tot)
        else:
            cuts = self._fit_sequential(X, columns, ws, wb, s_tot, b_tot)
        self.cuts_ = self._cutflow(X, cuts, ws, wb, s_tot, b_tot)
        self.objective_ = self.cuts_[-1]["objective"] if self.cuts_ else float(
            _objective_values(self.objective, s_tot, b_tot, s_tot, b_tot)
        )
        del self._bin_index, self._constant  # fit-time scratch: keep pickles small
        score = self._signal_score(X)
        self.calibrator_ = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
        self.calibrator_.fit(score, is_sig.astype(np.float64), sample_weight=w)
        return self

    def _resolve_signal(self, y, w) -> None:
        name = type(self).__name__
        if self.signal_class is None:
            if len(self.classes_) > 2:
                raise ValueError(
                    "Only binary classification is supported without signal_class. The "
                    f"target has {len(self.classes_)} classes {format_labels(self.classes_)}: pass "
                    "signal_class=<label> to tag that class against all the others."
                )
            self.signal_class_ = self.classes_[1]
        else:
            match = np.flatnonzero(self.classes_ == self.signal_class)
            if len(match) != 1:
                raise ValueError(
                    f"{name}: signal_class={self.signal_class!r} is not one of the "
                    f"training classes {format_labels(self.classes_)}."
                )
            self.signal_class_ = self.classes_[match[0]]
        background = self.classes_[self.classes_ != self.signal_class_]
        weights = np.array([w[y == c].sum() for c in background])
        self.background_class_ = background[int(np.argmax(weights))]
        # Share of each class in the background, for predict_proba with > 2 classes.
        total = weights.sum()
        self._background_share = weights / total if total > 0 else np.full(
            len(weights), 1.0 / len(weights)
        )

    def _resolve_features(self, n_features: int) -> list[int]:
        name = type(self).__name__
        if self.features is None:
            return list(range(n_features))
        features = list(self.features)
        if not features:
            raise ValueError(f"{name}: features is empty; name at least one column.")
        names = getattr(self, "feature_names_in_", None)
        columns = []
        for f in features:
            if isinstance(f, str):
                if names is None:
                    raise ValueError(
                        f"{name}: features names the column {f!r}, but X has no column "
                        "names; pass a DataFrame or give column indices."
                    )
                hit = np.flatnonzero(names == f)
                if len(hit) == 0:
                    raise ValueError(
                        f"{name}: feature {f!r} is not a column of X; columns are {list(names)}."
                    )
                columns.append(int(hit[0]))
            elif isinstance(f, Integral | np.integer) and not isinstance(f, bool):
                if not -n_features <= int(f) < n_features:
                    raise ValueError(
                        f"{name}: feature index {f} is out of range for X with "
                        f"{n_features} columns."
                    )
                columns.append(int(f) % n_features)
            else:
                raise ValueError(
                    f"{name}: features must be column names or integer indices, got {f!r}."
                )
        if len(set(columns)) != len(columns):
            raise ValueError(f"{name}: features lists a column twice: {features}.")
        return columns

    def _feature_name(self, column: int) -> str:
        names = getattr(self, "feature_names_in_", None)
        return str(names[column]) if names is not None else f"x{column}"

    def _scan_columns(self, X, w, columns) -> None:
        """Bin edges per column (from the range of the events with non-zero weight)."""
        weighted = w != 0
        self.bin_edges_ = []
        self._bin_index = {}
        self._constant = set()
        self._scale = {}  # bin width: the unit of the tie-breaking margin
        for c in columns:
            x = X[weighted, c] if weighted.any() else X[:, c]
            lo, hi = float(x.min()), float(x.max())
            edges = np.linspace(lo, hi, self.n_bins + 1)
            self.bin_edges_.append(edges)
            self._scale[c] = (hi - lo) / self.n_bins if hi > lo else 1.0
            if lo == hi:
                self._constant.add(c)
                warnings.warn(
                    f"{type(self).__name__}: feature {self._feature_name(c)!r} is constant "
                    f"({lo:g}) on the training data; its cut keeps every event.",
                    UserWarning,
                    stacklevel=3,
                )
                continue
            # Bin k holds edges[k] <= x < edges[k + 1] (the maximum joins the last bin), so
            # sums of bins equal the cut comparisons exactly.
            idx = np.searchsorted(edges, X[:, c], side="right") - 1
            self._bin_index[c] = np.clip(idx, 0, self.n_bins - 1)

    def _best_cut(self, column: int, position: int, keep, ws, wb, s_tot, b_tot) -> dict:
        """Best cut on ``column`` among the events in ``keep`` (objective of the whole selection)."""
        if column in self._constant:
            s, b = ws[keep].sum(), wb[keep].sum()
            value = float(_objective_values(self.objective, s, b, s_tot, b_tot))
            return {"index": column, "form": "all", "low": None, "high": None,
                    "score": value, "note": "constant"}
        idx = self._bin_index[column][keep]
        hs = np.bincount(idx, weights=ws[keep], minlength=self.n_bins)
        hb = np.bincount(idx, weights=wb[keep], minlength=self.n_bins)
        edges = self.bin_edges_[position]
        best = None
        for form, (s, b, i, j) in _candidate_sums(hs, hb).items():
            if len(s) == 0:
                continue
            values = _objective_values(self.objective, s, b, s_tot, b_tot)
            k = int(np.argmax(values))
            if best is None or values[k] > best["score"]:
                best = {
                    "index": column,
                    "form": form,
                    "low": float(edges[i[k]]) if i[k] >= 0 else None,
                    "high": float(edges[j[k]]) if j[k] >= 0 else None,
                    "score": float(values[k]),
                    "note": "",
                }
        assert best is not None  # the form "all" is always a candidate
        return best

    def _keep_all_if_no_gain(self, cut: dict, current: float) -> dict:
        if cut["form"] != "all" and cut["score"] > current + _IMPROVEMENT_RTOL * max(1.0, abs(current)):
            return cut
        note = cut["note"] or "no improvement"
        return {**cut, "form": "all", "low": None, "high": None, "score": current, "note": note}

    def _fit_parallel(self, columns, ws, wb, s_tot, b_tot) -> list[dict]:
        keep = np.ones(len(ws), dtype=bool)
        baseline = float(_objective_values(self.objective, s_tot, b_tot, s_tot, b_tot))
        return [
            self._keep_all_if_no_gain(self._best_cut(c, p, keep, ws, wb, s_tot, b_tot), baseline)
            for p, c in enumerate(columns)
        ]

    def _fit_sequential(self, X, columns, ws, wb, s_tot, b_tot) -> list[dict]:
        keep = np.ones(len(ws), dtype=bool)
        current = float(_objective_values(self.objective, s_tot, b_tot, s_tot, b_tot))
        position = {c: p for p, c in enumerate(columns)}
        remaining = list(columns)
        cuts = []
        greedy = self.features is None
        while remaining:
            candidates = remaining if greedy else remaining[:1]
            found = [self._best_cut(c, position[c], keep, ws, wb, s_tot, b_tot) for c in candidates]
            # max() keeps the first of equal scores: ties go to the earlier column.
            cut = self._keep_all_if_no_gain(max(found, key=lambda d: d["score"]), current)
            if cut["form"] == "all" and greedy:
                break  # nothing improves any more: the rest get keep-all cuts below
            remaining.remove(cut["index"])
            cuts.append(cut)
            if cut["form"] != "all":
                keep &= self._apply_cut(X[:, cut["index"]], cut)[0]
                current = cut["score"]
        for c in remaining:
            best = self._best_cut(c, position[c], keep, ws, wb, s_tot, b_tot)
            cuts.append(self._keep_all_if_no_gain(best, current))
        return cuts

    def _apply_cut(self, x, cut):
        return _cut_pass_margin(x, cut["form"], cut["low"], cut["high"], self._scale[cut["index"]])

    def _cutflow(self, X, cuts, ws, wb, s_tot, b_tot) -> list[dict]:
        """Readable records with the cumulative efficiencies after each cut."""
        keep = np.ones(len(ws), dtype=bool)
        records = []
        for cut in cuts:
            keep &= self._apply_cut(X[:, cut["index"]], cut)[0]
            s, b = ws[keep].sum(), wb[keep].sum()
            records.append(
                {
                    "feature": self._feature_name(cut["index"]),
                    "index": cut["index"],
                    "form": cut["form"],
                    "low": cut["low"],
                    "high": cut["high"],
                    "signal_efficiency": float(s / s_tot),
                    "background_efficiency": float(b / b_tot),
                    "objective": float(_objective_values(self.objective, s, b, s_tot, b_tot)),
                    "note": cut["note"],
                }
            )
        return records

    # --------------------------------------------------------------- prediction
    def _signal_score(self, X) -> np.ndarray:
        n_passed = np.zeros(len(X))
        margin = np.full(len(X), np.inf)
        active = 0
        for cut in self.cuts_:
            if cut["form"] == "all":
                n_passed += 1
                continue
            active += 1
            passed, m = self._apply_cut(X[:, cut["index"]], cut)
            n_passed += passed
            margin = np.minimum(margin, m)
        margin[np.isinf(margin)] = 0.0  # no active cut: a neutral tie-breaker
        return n_passed - len(self.cuts_) + _squash(margin * (active > 0))

    def _validate_X(self, X):
        check_is_fitted(self)
        return validate_data(self, X, dtype=np.float64, reset=False)

    def decision_function(self, X: ArrayLike) -> np.ndarray:
        """Number of cuts passed minus the number of cuts, plus a tie-breaker in [0, 1).

        Positive exactly for events passing every cut. For binary problems the sign
        follows scikit-learn (positive favours ``classes_[1]``); with more than two
        classes it is the one-column signal-vs-rest score.

        Parameters
        ----------
        X : array-like of shape (n_jets, n_features)

        Returns
        -------
        score : ndarray of shape (n_jets,)
        """
        score = self._signal_score(self._validate_X(X))
        if len(self.classes_) == 2 and self.signal_class_ == self.classes_[0]:
            return -score
        return score

    def predict(self, X: ArrayLike) -> np.ndarray:
        """``signal_class_`` for events passing every cut, else ``background_class_``.

        Parameters
        ----------
        X : array-like of shape (n_jets, n_features)

        Returns
        -------
        y : ndarray of shape (n_jets,)
        """
        passed = self._signal_score(self._validate_X(X)) > 0
        return np.where(passed, self.signal_class_, self.background_class_).astype(
            self.classes_.dtype
        )

    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """Calibrated class probabilities, columns in ``classes_`` order.

        Parameters
        ----------
        X : array-like of shape (n_jets, n_features)

        Returns
        -------
        proba : ndarray of shape (n_jets, n_classes)
        """
        score = self._signal_score(self._validate_X(X))
        p_sig = self.calibrator_.predict(score)
        # Keep the argmax on the cut decision: selected events above the largest
        # background column, rejected ones below it.
        tau = self._background_share.max() / (1.0 + self._background_share.max())
        p_sig = np.where(score > 0, np.maximum(p_sig, tau + 1e-6), np.minimum(p_sig, tau - 1e-6))
        proba = np.empty((len(p_sig), len(self.classes_)))
        is_sig = self.classes_ == self.signal_class_
        proba[:, is_sig] = p_sig[:, None]
        proba[:, ~is_sig] = (1.0 - p_sig)[:, None] * self._background_share[None, :]
        return proba

    # ------------------------------------------------------------------ display
    def __str__(self) -> str:
        if not hasattr(self, "cuts_"):
            return repr(self)
        return "\n".join(_format_cut(c) for c in self.cuts_)


def _format_cut(cut: dict) -> str:
    name, lo, hi = cut["feature"], cut["low"], cut["high"]
    form = cut["form"]
    if form == "all":
        text = f"{name}: any value"
    elif form == "below":
        text = f"{name} < {hi:.6g}"
    elif form == "above":
        text = f"{name} >= {lo:.6g}"
    else:
        text = f"{name} {'in' if form == 'window' else 'not in'} [{lo:.6g}, {hi:.6g})"
    if cut["note"]:
        text += f" ({cut['note']})"
    return (
        f"{text:<40s} signal eff {cut['signal_efficiency']:.3f}, "
        f"background eff {cut['background_efficiency']:.3f}"
    )
