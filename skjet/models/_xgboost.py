"""XGBoost's gradient-boosted trees as a well-behaved skjet classifier."""

from __future__ import annotations

import functools
import inspect
import os
import sys
from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from ..utils._classes import (
    check_known_labels,
    check_labels,
    check_two_classes,
    class_weight_per_class,
    encode_labels,
)
from ..utils._dask import (
    dask_classes,
    dask_encode,
    dask_take,
    get_dask_client,
    is_dask_collection,
)
from ..utils._sklearn_compat import Interval, StrOptions, _fit_context
from ..utils._typing import ArrayLike
from ._validation import (
    KnownLabelsScoreMixin,
    LogProbaMixin,
    check_classifier_weights,
    check_float32_finite,
)

# Parameters handled by the wrapper itself rather than handed to xgboost.XGBClassifier.
_WRAPPER_PARAMS = ("validation_fraction", "class_weight", "device", "n_jobs", "random_state",
                   "decorrelation", "decorrelation_strength")


@functools.lru_cache(maxsize=1)
def _cuda_available() -> bool:
    """Whether xgboost was built with CUDA and a CUDA device is visible."""
    import xgboost

    if not xgboost.build_info().get("USE_CUDA", False):
        return False
    if os.environ.get("CUDA_VISIBLE_DEVICES", None) in ("", "-1"):
        return False
    # No NVIDIA driver, no GPU: decided without importing torch (seconds per process,
    # paid again in every joblib worker).
    if "torch" not in sys.modules and not (
        os.path.exists("/dev/nvidiactl") or os.path.exists("/proc/driver/nvidia")
    ):
        return False
    try:  # torch is a skjet dependency and a reliable probe for a usable device
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def resolve_device(device: str) -> str:
    """``"auto"`` becomes ``"cuda"`` when a GPU is usable, else ``"cpu"``; others pass through."""
    if device == "auto":
        return "cuda" if _cuda_available() else "cpu"
    return device


def resolve_n_jobs(n_jobs: int | None) -> int:
    """Threads for xgboost without oversubscribing the machine.

    Inside a joblib worker (``cross_validate(n_jobs=...)``, ``GridSearchCV(n_jobs=...)``),
    joblib marks the active backend with a nesting level >= 1 and its process-based
    backends set ``OMP_NUM_THREADS`` to ``cpu_count // n_workers``: use that share, or 1
    thread in a thread-based worker. Outside, use every CPU this process may run on
    (``joblib.cpu_count()`` honours affinity and cgroup quotas), capped by
    ``OMP_NUM_THREADS`` when the user set it. Negative values count back from the CPU
    count as in joblib (-1: all).
    """
    import joblib

    if n_jobs is not None:
        return int(joblib.effective_n_jobs(n_jobs)) if n_jobs < 0 else int(n_jobs)
    omp = os.environ.get("OMP_NUM_THREADS", "")
    omp_threads = int(omp) if omp.isdigit() and int(omp) > 0 else None
    backend, _ = joblib.parallel.get_active_backend()
    if getattr(backend, "nesting_level", 0) >= 1:
        return omp_threads or 1
    cpus = joblib.cpu_count()
    return min(cpus, omp_threads) if omp_threads else cpus


class XGBoostClassifier(KnownLabelsScoreMixin, LogProbaMixin, ClassifierMixin, BaseEstimator):
    """Gradient-boosted decision trees (xgboost) that behave in scikit-learn pipelines.

    Wraps :class:`xgboost.XGBClassifier` and adds what skjet's workflows need: any
    labels (strings are encoded and decoded), early stopping that works inside
    ``cross_validate`` and ``GridSearchCV`` (its evaluation set is split off each
    training fold), ``class_weight``, automatic device and thread selection, and feature
    names carried into the booster.

    Every xgboost parameter is settable and grid-searchable: the common ones are
    explicit below, any other (``max_leaves``, ``grow_policy``, ``scale_pos_weight``,
    ``objective``, ``monotone_constraints``, ...) is accepted as a keyword argument and
    then behaves like an explicit one in ``get_params``, ``set_params`` and ``clone``.
    As in xgboost, unknown names are not rejected here; xgboost warns that it did not
    use them.

    Parameters
    ----------
    n_estimators : int, default=100
        Maximum number of boosting rounds.
    max_depth, learning_rate, subsample, colsample_bytree, reg_lambda, reg_alpha, \
min_child_weight, gamma, tree_method, max_bin, eval_metric : default=None
        As in :class:`xgboost.XGBClassifier`; ``None`` keeps xgboost's default.
    early_stopping_rounds : int or None, default=None
        Stop when the evaluation metric on the validation set has not improved for this
        many rounds; predictions then use the best round. Without an ``eval_set`` at fit,
        the validation set is a stratified ``validation_fraction`` of the training data,
        which is then not trained on (at least one sample per class).
    validation_fraction : float, default=0.1
        Fraction of the training data held out for early stopping (ignored without
        ``early_stopping_rounds`` or with an explicit ``eval_set``).
    class_weight : dict, "balanced" or None, default=None
        Per-class weights, by original label, multiplied into ``sample_weight``;
        ``"balanced"`` weights classes inversely to their frequency.
    device : str, default="auto"
        ``"auto"`` uses ``"cuda"`` when xgboost has CUDA support and a GPU is visible,
        else ``"cpu"``; any xgboost device string is passed through.
    n_jobs : int or None, default=None
        xgboost threads. ``None`` uses the CPUs available without oversubscribing:
        all of them at top level, the worker's share inside joblib parallelism (see
        :func:`resolve_n_jobs`).
    random_state : int, RandomState instance or None, default=None
        Seeds xgboost and the validation split.
    decorrelation : {None, "flatness"}, default=None
        "flatness": train on the logistic loss plus ``decorrelation_strength`` times a
        penalty on the differences between the background score distribution in each of 10
        quantile bins of the decorrelation target (the jet mass, ``fit(...,
        decorrelation_target=m)``) and over all background jets (the bin-flatness loss of
        uBoost's authors; :class:`skjet.models._flatness.BinFlatnessObjective`). Binary
        classification; the background is ``classes_[0]``. See the user guide page "Mass
        decorrelation".
    decorrelation_strength : float, default=1.0
        Weight of the flatness penalty; 0 is the plain logistic loss.
    **kwargs
        Any other :class:`xgboost.XGBClassifier` parameter.

    Attributes
    ----------
    estimator_ : xgboost.XGBClassifier
        The fitted xgboost model (trained on encoded labels 0..n_classes-1).
    booster_ : xgboost.Booster
        Its booster; ``booster_.feature_names`` are ``feature_names_in_`` when X was a
        DataFrame.
    classes_ : ndarray
        The original class labels, sorted.
    n_estimators_ : int
        Boosting rounds actually trained.
    best_iteration_ : int
        Index of the round predictions use: the best round with early stopping, else the
        last round.
    evals_result_ : dict
        The evaluation history (empty without an evaluation set).
    device_ : str
        The device used.
    feature_importances_ : ndarray of shape (n_features_in_,)
        xgboost's importances, in column order (pair them with ``feature_names_in_``).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Defined when X at fit is a DataFrame with string column names.

    Notes
    -----
    Missing values: NaN in X is xgboost's missing value (each tree learns a default
    direction for it), so NaN is accepted; infinite values, and values beyond the float32
    range that xgboost computes in (about 3.4e38), are rejected.

    Dask: when X is a dask array or dask DataFrame (and y, ``sample_weight`` dask
    collections partitioned like it), ``fit`` trains with
    :class:`xgboost.dask.DaskXGBClassifier` on the current ``dask.distributed`` client,
    each worker boosting on the partitions it holds; the data never has to fit in one
    process. One extra pass over y finds the classes (and their counts for
    ``class_weight``). Early stopping then needs an explicit ``eval_set`` of dask
    collections. The fitted model is the same kind of object as after a local fit:
    ``predict_proba`` on numpy data runs locally, on dask data lazily per partition.
    Values of a dask X are checked by xgboost on the workers, not here. Training on 2
    or more workers is not bitwise identical to a local fit (histograms are merged
    across workers), but reaches the same quality.

    GPU: ``device="cuda"`` trains on the GPU (``"auto"`` picks it when one is usable),
    locally or on dask workers that have one.

    Negative sample weights (NLO generators, sWeights) are refused with a ValueError:
    xgboost itself refuses them (its trees need positive per-event hessian weights).
    Train on ``np.abs(sample_weight)``, clipped or positively reweighted weights, or use a
    classifier that accepts them (the neural classifiers, ``CutAndCountClassifier``).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(400, 3))
    >>> y = np.where(X[:, 0] + 0.5 * X[:, 1] > 0, "top", "qcd")
    >>> clf = XGBoostClassifier(n_estimators=20, max_depth=2, n_jobs=1).fit(X, y)
    >>> clf.classes_.tolist()
    ['qcd', 'top']
    >>> bool(clf.score(X, y) > 0.9)
    True
    """

    # xgboost raises on negative weights; skjet says why and what to do, before training.
    _negative_weights = "refuse"
    _negative_weights_reason = (
        "xgboost refuses negative weights: each tree's split gain and leaf values divide by "
        "sums of per-event hessians times weights, which must stay positive."
    )

    # None leaves a booster parameter to xgboost's default. Extra xgboost parameters given
    # as keywords are not listed: xgboost validates them itself.
    _parameter_constraints: dict = {
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "max_depth": [Interval(Integral, 0, None, closed="left"), None],
        "learning_rate": [Interval(Real, 0, None, closed="left"), None],
        "subsample": [Interval(Real, 0, 1, closed="right"), None],
        "colsample_bytree": [Interval(Real, 0, 1, closed="right"), None],
        "reg_lambda": [Interval(Real, 0, None, closed="left"), None],
        "reg_alpha": [Interval(Real, 0, None, closed="left"), None],
        "min_child_weight": [Interval(Real, 0, None, closed="left"), None],
        "gamma": [Interval(Real, 0, None, closed="left"), None],
        "tree_method": [StrOptions({"auto", "exact", "approx", "hist"}), None],
        "max_bin": [Interval(Integral, 2, None, closed="left"), None],
        "eval_metric": [str, list, callable, None],
        "early_stopping_rounds": [Interval(Integral, 1, None, closed="left"), None],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "device": [str],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "decorrelation": [StrOptions({"flatness"}), None],
        "decorrelation_strength": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        *,
        n_estimators: int = 100,
        max_depth: int | None = None,
        learning_rate: float | None = None,
        subsample: float | None = None,
        colsample_bytree: float | None = None,
        reg_lambda: float | None = None,
        reg_alpha: float | None = None,
        min_child_weight: float | None = None,
        gamma: float | None = None,
        tree_method: str | None = None,
        max_bin: int | None = None,
        eval_metric: Any | None = None,
        early_stopping_rounds: int | None = None,
        validation_fraction: float = 0.1,
        class_weight: dict | str | None = None,
        device: str = "auto",
        n_jobs: int | None = None,
        random_state: int | np.random.RandomState | None = None,
        decorrelation: str | None = None,
        decorrelation_strength: float = 1.0,
        **kwargs: Any,
    ):
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.learning_rate = learning_rate
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.reg_lambda = reg_lambda
        self.reg_alpha = reg_alpha
        self.min_child_weight = min_child_weight
        self.gamma = gamma
        self.tree_method = tree_method
        self.max_bin = max_bin
        self.eval_metric = eval_metric
        self.early_stopping_rounds = early_stopping_rounds
        self.validation_fraction = validation_fraction
        self.class_weight = class_weight
        self.device = device
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.decorrelation = decorrelation
        self.decorrelation_strength = decorrelation_strength
        # Extra xgboost parameters become plain attributes, like the explicit ones.
        self._set_extra_params(kwargs)

    # --------------------------------------------------------------- parameters
    @classmethod
    def _explicit_param_names(cls) -> list[str]:
        return [
            name
            for name, p in inspect.signature(cls.__init__).parameters.items()
            if name != "self" and p.kind != p.VAR_KEYWORD
        ]

    def _extra_param_names(self) -> list[str]:
        # Public instance attributes that are neither explicit parameters nor fitted
        # attributes (trailing underscore) are the extra xgboost parameters.
        explicit = set(self._explicit_param_names())
        return sorted(
            k for k in vars(self) if not k.startswith("_") and not k.endswith("_") and k not in explicit
        )

    def _set_extra_params(self, params: dict) -> None:
        for key, value in params.items():
            if key.startswith("_") or key.endswith("_") or hasattr(type(self), key):
                raise ValueError(
                    f"Invalid parameter {key!r} for estimator {type(self).__name__}: it is "
                    "not an xgboost parameter name."
                )
            setattr(self, key, value)

    def get_params(self, deep: bool = True) -> dict:
        """Parameters of this estimator, the extra xgboost ones included.

        Parameters
        ----------
        deep : bool, default=True
            Unused (no sub-estimators); kept for the scikit-learn signature.

        Returns
        -------
        params : dict
        """
        params = super().get_params(deep=deep)
        params.update({k: getattr(self, k) for k in self._extra_param_names()})
        return params

    def set_params(self, **params: Any) -> XGBoostClassifier:
        """Set parameters; names that are not explicit are taken as xgboost parameters.

        Parameters
        ----------
        **params : dict

        Returns
        -------
        self : XGBoostClassifier
        """
        explicit = set(self._explicit_param_names())
        super().set_params(**{k: v for k, v in params.items() if k in explicit})
        self._set_extra_params({k: v for k, v in params.items() if k not in explicit})
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # xgboost's missing value
        return tags

    # ------------------------------------------------------------------ fitting
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
        *,
        eval_set: list | None = None,
        sample_weight_eval_set: list | None = None,
        verbose: bool | int = False,
        decorrelation_target: ArrayLike | None = None,
    ) -> XGBoostClassifier:
        """Train the boosted trees.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_jets, n_features)
            A dask array or dask DataFrame trains through :mod:`xgboost.dask` on the
            current ``dask.distributed`` client (see Notes).
        y : array-like of shape (n_jets,)
            Any class labels; a dask array or Series partitioned like X when X is one.
        sample_weight : array-like of shape (n_jets,), optional
            Multiplied with the ``class_weight`` weights; a dask collection with dask X.
        eval_set : list of (X, y) pairs, optional
            Evaluation sets with original labels; the last one drives early stopping.
            Without it and with ``early_stopping_rounds``, a ``validation_fraction``
            split of the training data is used.
        sample_weight_eval_set : list of array-like, optional
            Weights of the evaluation sets.
        verbose : bool or int, default=False
            Print the evaluation metric (every ``verbose`` rounds if an int).
        decorrelation_target : array-like of shape (n_jets,), optional
            With ``decorrelation="flatness"``: the variable the background score must not
            depend on, usually the jet mass. Not used otherwise.

        Returns
        -------
        self : XGBoostClassifier
        """
        import xgboost

        if is_dask_collection(X):
            if self.decorrelation is not None:
                raise ValueError(
                    f"{type(self).__name__}: decorrelation={self.decorrelation!r} is not "
                    "supported with dask input; fit on an in-memory sample."
                )
            return self._fit_dask(X, y, sample_weight, eval_set, sample_weight_eval_set, verbose)
        check_labels(y, estimator=self)  # before numpy sorts or converts them
        X, y = validate_data(self, X, y, ensure_all_finite="allow-nan")
        X = check_float32_finite(X, self, allow_nan=True)
        check_classification_targets(y)
        # Sorted classes and codes 0..n_classes-1 in one pass (what LabelEncoder does, faster).
        classes, y_enc = encode_labels(y, estimator=self)
        weight = None  # unweighted stays unweighted: xgboost is faster without weights
        if sample_weight is not None:
            weight = check_classifier_weights(sample_weight, X, self)
        per_class = class_weight_per_class(
            self.class_weight, classes, np.bincount(y_enc, minlength=len(classes)), self
        )
        self.classes_ = classes
        if per_class is not None:
            class_w = per_class[y_enc]
            weight = class_w if weight is None else weight * class_w

        seed = self._seed()
        target = self._decorrelation_target(decorrelation_target, y_enc)
        evals, eval_weights = self._eval_sets(eval_set, sample_weight_eval_set)
        if self.early_stopping_rounds is not None and not evals:
            y_all = y_enc
            X, X_val, y_enc, y_val, weight, w_val = self._validation_split(X, y_enc, weight, seed)
            if target is not None:  # the same split (same seed and strata) of the row numbers
                rows = np.arange(len(y_all))[:, None]
                target = target[self._validation_split(rows, y_all, None, seed)[0][:, 0]]
            evals, eval_weights = [(X_val, y_val)], [w_val]

        self.device_ = resolve_device(self.device)
        params = {k: v for k, v in self.get_params().items() if k not in _WRAPPER_PARAMS}
        if target is not None:
            from ._flatness import BinFlatnessObjective

            params["objective"] = BinFlatnessObjective(target, self.decorrelation_strength)
        model = xgboost.XGBClassifier(
            **params, device=self.device_, n_jobs=resolve_n_jobs(self.n_jobs), random_state=seed
        )
        model.fit(
            X,
            y_enc,
            sample_weight=weight,
            eval_set=evals or None,
            sample_weight_eval_set=eval_weights if evals else None,
            verbose=verbose,
        )
        if target is not None:
            # the trees are trained: predict like any binary logistic model, and do not
            # pickle the objective (it holds the training targets)
            model.set_params(objective="binary:logistic")
        return self._set_fitted(model, model.evals_result() if evals else {})

    def _decorrelation_target(self, target, y_enc) -> np.ndarray | None:
        """The validated target of a flatness fit, or None without decorrelation."""
        if self.decorrelation is None:
            return None
        name = type(self).__name__
        if len(self.classes_) != 2:
            raise ValueError(
                f"{name}: decorrelation='flatness' is for binary classification (background "
                f"classes_[0] against signal), got {len(self.classes_)} classes."
            )
        if target is None:
            raise ValueError(
                f"{name}: decorrelation='flatness' needs fit(X, y, decorrelation_target=m), "
                "e.g. the jet mass of every training jet."
            )
        target = np.asarray(target, dtype=np.float64)
        if target.shape != y_enc.shape:
            raise ValueError(
                f"{name}: decorrelation_target must have shape {y_enc.shape}, one value per "
                f"jet, got shape {target.shape}."
            )
        check_float32_finite(target, self, "decorrelation_target")
        return target

    def _seed(self) -> int:
        if isinstance(self.random_state, Integral):
            return int(self.random_state)
        return int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))

    def _set_fitted(self, model, evals_result: dict):
        self.estimator_ = model
        self.booster_ = model.get_booster()
        names = getattr(self, "feature_names_in_", None)
        if names is not None:
            self.booster_.feature_names = [str(n) for n in names]
        self.n_estimators_ = int(self.booster_.num_boosted_rounds())
        if self.early_stopping_rounds is not None and evals_result:
            self.best_iteration_ = int(model.best_iteration)
        else:
            self.best_iteration_ = self.n_estimators_ - 1
        self.evals_result_ = evals_result
        return self

    def _fit_dask(self, X, y, sample_weight, eval_set, sample_weight_eval_set, verbose):
        """Train with :class:`xgboost.dask.DaskXGBClassifier`, keep a local copy of the model.

        The labels are encoded lazily after one pass that finds the classes and their
        counts; the trained booster is then loaded into a plain ``xgboost.XGBClassifier``
        so that prediction on in-memory data, pickling and every attribute work as after
        a local fit.
        """
        import xgboost
        import xgboost.dask as dxgb

        who = type(self).__name__
        client = get_dask_client(who)
        X = self._check_dask_X(X, reset=True)
        if not is_dask_collection(y):
            raise ValueError(
                f"{who}: X is a dask collection but y is a {type(y).__name__}; pass y as a "
                "dask array or Series partitioned like X (e.g. both from the same "
                "dask DataFrame)."
            )
        classes, counts = dask_classes(y)
        check_classification_targets(classes)
        check_two_classes(classes, self)
        weight = sample_weight
        if sample_weight is not None and not is_dask_collection(sample_weight):
            raise ValueError(f"{who}: with dask X, sample_weight must be a dask collection too.")
        per_class = class_weight_per_class(self.class_weight, classes, counts, self)
        self.classes_ = classes
        y_enc = dask_encode(y, classes)
        if per_class is not None:
            class_w = dask_take(y_enc, per_class)
            weight = class_w if weight is None else weight * class_w
        evals, eval_weights = [], []
        for i, (X_e, y_e) in enumerate(eval_set or []):
            if not (is_dask_collection(X_e) and is_dask_collection(y_e)):
                raise ValueError(f"{who}: with dask X, eval_set[{i}] must hold dask collections.")
            check_known_labels(
                dask_classes(y_e)[0], classes, estimator=self, what=f"eval_set[{i}]",
                known="seen in y",
            )
            evals.append((self._check_dask_X(X_e, reset=False), dask_encode(y_e, classes)))
        if evals:
            eval_weights = sample_weight_eval_set or [None] * len(evals)
        elif self.early_stopping_rounds is not None:
            raise ValueError(
                f"{who}: early stopping on a dask collection needs an explicit eval_set of dask "
                "collections; the stratified validation_fraction split is only made for "
                "in-memory data."
            )

        seed = self._seed()
        self.device_ = resolve_device(self.device)
        params = {k: v for k, v in self.get_params().items() if k not in _WRAPPER_PARAMS}
        # n_jobs=None lets every dask worker use its own thread count.
        model = dxgb.DaskXGBClassifier(
            **params, device=self.device_, n_jobs=self.n_jobs, random_state=seed
        )
        model.client = client
        model.fit(
            X,
            y_enc,
            sample_weight=weight,
            eval_set=evals or None,
            sample_weight_eval_set=eval_weights or None,
            verbose=verbose,
        )
        local = xgboost.XGBClassifier(
            **params, device=self.device_, n_jobs=resolve_n_jobs(self.n_jobs), random_state=seed
        )
        local.load_model(bytearray(model.get_booster().save_raw("json")))
        return self._set_fitted(local, model.evals_result() if evals else {})

    def _check_dask_X(self, X, *, reset: bool):
        """Shape and column checks of a dask X (values are checked by xgboost on the workers)."""
        import dask.array as da

        who = type(self).__name__
        if isinstance(X, da.Array):
            if X.ndim != 2:
                raise ValueError(f"{who}: X must be 2-D, got a dask array of shape {X.shape}.")
            n_features, names = X.shape[1], None
        elif hasattr(X, "columns"):
            n_features = len(X.columns)
            names = np.asarray(X.columns, dtype=object)
            if not all(isinstance(c, str) for c in names):
                names = None
        else:
            raise ValueError(f"{who}: unsupported dask collection {type(X).__name__} for X.")
        if reset:
            self.n_features_in_ = n_features
            if names is not None:
                self.feature_names_in_ = names
            elif hasattr(self, "feature_names_in_"):
                del self.feature_names_in_
        elif n_features != self.n_features_in_:
            raise ValueError(
                f"X has {n_features} features, but {who} is expecting {self.n_features_in_} "
                "features as input."
            )
        return X

    def _eval_sets(self, eval_set, sample_weight_eval_set):
        if eval_set is None:
            return [], []
        who = type(self).__name__
        evals = []
        for i, pair in enumerate(eval_set):
            try:
                X_e, y_e = pair
            except (TypeError, ValueError):
                raise ValueError(
                    f"{who}: eval_set must be a list of (X, y) pairs; eval_set[{i}] is not one."
                ) from None
            X_e = self._check_X(X_e, name=f"eval_set[{i}] X")
            y_e = column_or_1d(y_e, warn=True)
            check_consistent_length(X_e, y_e)
            _, codes = encode_labels(
                y_e, self.classes_, estimator=self, what=f"eval_set[{i}]", known="seen in y"
            )
            evals.append((X_e, codes))
        if sample_weight_eval_set is None:
            return evals, [None] * len(evals)
        if len(sample_weight_eval_set) != len(evals):
            raise ValueError(
                f"{who}: sample_weight_eval_set has {len(sample_weight_eval_set)} entries but "
                f"eval_set has {len(evals)}; pass one weight array (or None) per set."
            )
        weights = [
            None if w is None
            else check_classifier_weights(w, X_e, self, name=f"sample_weight_eval_set[{i}]")
            for i, (w, (X_e, _)) in enumerate(zip(sample_weight_eval_set, evals))
        ]
        return evals, weights

    def _check_X(self, X, name: str = "X"):
        """An in-memory X for prediction or evaluation: the fitted columns, NaN allowed,
        float32 (what xgboost computes in) without infinite or overflowing values."""
        X = validate_data(self, X, ensure_all_finite="allow-nan", reset=False)
        return check_float32_finite(X, self, name, allow_nan=True)

    def _validation_split(self, X, y_enc, weight, seed):
        # At least one validation sample per class, so tiny folds still stratify.
        n_val = max(int(np.ceil(self.validation_fraction * len(y_enc))), len(self.classes_))
        arrays = (X, y_enc) if weight is None else (X, y_enc, weight)
        try:
            parts = train_test_split(
                *arrays, test_size=n_val, stratify=y_enc, random_state=seed
            )
        except ValueError as exc:
            raise ValueError(
                f"{type(self).__name__}: early stopping holds out a stratified "
                f"validation_fraction={self.validation_fraction} of the {len(y_enc)} training "
                f"samples, which failed: {exc} Use more data, a larger validation_fraction, "
                "or pass eval_set."
            ) from exc
        return tuple(parts) if weight is not None else (*parts, None, None)

    # --------------------------------------------------------------- prediction
    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """Class probabilities, columns in ``classes_`` order.

        Parameters
        ----------
        X : array-like of shape (n_jets, n_features)
            A dask array or DataFrame gives a lazy dask result, one block per partition.

        Returns
        -------
        proba : ndarray of shape (n_jets, n_classes)
        """
        check_is_fitted(self)
        if is_dask_collection(X):
            return self._predict_dask(X, proba=True)
        return self.estimator_.predict_proba(self._check_X(X))

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Most probable class, as an original label.

        Parameters
        ----------
        X : array-like of shape (n_jets, n_features)

        Returns
        -------
        y : ndarray of shape (n_jets,)
        """
        if is_dask_collection(X):
            check_is_fitted(self)
            return self._predict_dask(X, proba=False)
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def _predict_dask(self, X, *, proba: bool):
        # Each partition is predicted by the fitted model on the worker holding it.
        import dask.array as da

        X = self._check_dask_X(X, reset=False)
        if isinstance(X, da.Array):
            X = X.rechunk({1: -1})
            if proba:
                return X.map_blocks(
                    _proba_block, self, dtype=np.float32,
                    chunks=(X.chunks[0], (len(self.classes_),)),
                )
            return X.map_blocks(_predict_block, self, dtype=self.classes_.dtype, drop_axis=1)
        if proba:
            meta = {str(c): np.float32 for c in self.classes_}
            return X.map_partitions(_proba_partition, self, meta=meta)
        return X.map_partitions(_predict_partition, self, meta=(None, self.classes_.dtype))

    def get_booster(self) -> Any:
        """The fitted :class:`xgboost.Booster` (same as ``booster_``)."""
        check_is_fitted(self)
        return self.booster_

    @property
    def feature_importances_(self) -> np.ndarray:
        """xgboost's feature importances in column order."""
        check_is_fitted(self)
        return self.estimator_.feature_importances_


def _proba_block(block, estimator):
    return estimator.predict_proba(block).astype(np.float32, copy=False)


def _predict_block(block, estimator):
    return estimator.predict(block)


def _proba_partition(frame, estimator):
    import pandas as pd

    proba = _proba_block(frame, estimator)
    return pd.DataFrame(proba, index=frame.index, columns=[str(c) for c in estimator.classes_])


def _predict_partition(frame, estimator):
    import pandas as pd

    return pd.Series(estimator.predict(frame), index=frame.index)
