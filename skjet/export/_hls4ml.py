"""hls4ml firmware of a scaler + MLP pipeline, and its bit-accurate C++ emulation.

The per-feature scaler ``z = a * x + b`` is folded into the first Linear layer
(``W' = W diag(a)``, ``b' = bias + W b``), so the firmware takes the raw jet features. hls4ml
(``convert_from_pytorch_model``) writes the HLS C++ of the network, and its ``compile()``
builds that C++ with the host compiler into a library that computes exactly what the
firmware computes, fixed-point rounding and overflow included; no synthesis is run.
"""

from __future__ import annotations

import contextlib
import copy
import io
import os
import re
import shutil
import tempfile
import time
import warnings
import weakref
from numbers import Integral
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MaxAbsScaler, MinMaxScaler, RobustScaler, StandardScaler
from sklearn.utils.validation import check_is_fitted, validate_data

from ..utils import import_optional
from ..utils._sklearn_compat import Interval, StrOptions, _fit_context, validate_params

_PRECISION = re.compile(r"^ap_u?fixed<\s*(\d+)\s*,\s*(-?\d+)\s*(,[^<>]*)?>$")


def find_cxx_compiler() -> str | None:
    """Path of the C++ compiler hls4ml's emulation uses (``g++``, or ``$CXX``), or None.

    Examples
    --------
    >>> find_cxx_compiler() is None or isinstance(find_cxx_compiler(), str)
    True
    """
    import os

    for name in (os.environ.get("CXX"), "g++"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


# Widest arbitrary-precision type the HLS headers compile by default (AP_INT_MAX_W).
_MAX_WIDTH = 1024


def _check_precision(precision, name: str) -> str:
    match = _PRECISION.match(precision.strip()) if isinstance(precision, str) else None
    if match is None:
        raise ValueError(
            f"{name} must be an HLS fixed-point type such as 'ap_fixed<16,6>' (total bits, "
            f"integer bits), got {precision!r}."
        )
    width = int(match.group(1))
    # A zero-width type passes hls4ml and the C++ compiler, then aborts the process.
    if not 1 <= width <= _MAX_WIDTH:
        raise ValueError(
            f"{name}={precision!r} has {width} total bits; an HLS fixed-point type has 1 to "
            f"{_MAX_WIDTH} (e.g. 'ap_fixed<16,6>': 16 bits, 6 of them integer)."
        )
    return precision.replace(" ", "")


def _parse(precision: str) -> tuple[int, int, str, str]:
    """(total bits, integer bits, 'ap_fixed' or 'ap_ufixed', the rest: ',AP_RND,...')."""
    match = _PRECISION.match(precision)
    assert match is not None  # checked by _check_precision
    kind = precision.split("<", 1)[0]
    return int(match.group(1)), int(match.group(2)), kind, match.group(3) or ""


def _integer_bits(bound: float) -> int:
    """Integer bits (sign included) of a signed type holding ``|x| <= bound``."""
    return int(np.floor(np.log2(bound))) + 2 if bound > 0 else 1


def _input_range(scaler, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per feature, the largest |x| the scaler's statistics make plausible.

    MinMaxScaler and MaxAbsScaler know the training range exactly; StandardScaler and
    RobustScaler only the centre and spread: their range is taken as 10 spreads around
    the centre (checked on the data at prediction time).
    """
    if isinstance(scaler, MinMaxScaler):
        low, high = scaler.feature_range
    elif isinstance(scaler, MaxAbsScaler):
        low, high = -1.0, 1.0
    else:
        low, high = -_SPREADS, _SPREADS
    return np.maximum(np.abs((low - b) / a), np.abs((high - b) / a))


# Spreads (standard deviations, interquartile ranges) around the centre that the "auto"
# input type holds for StandardScaler and RobustScaler.
_SPREADS = 10.0


def _sized_types(precision: str, a: np.ndarray, bound: np.ndarray, network) -> dict:
    """The types that the folded scaler needs, next to ``precision`` everywhere else.

    The firmware takes raw features x, and the first layer's weights are W a (a the
    scaler's per-feature factor): for a feature in GeV with a spread of 75, W a is 75
    times smaller than W, and ``precision``'s fractional bits would round most of it
    away. The input gets the integer bits of the features' range and, like the first
    layer's weights, the extra fractional bits that keep the resolution ``precision``
    gives the scaled network; the first layer's bias (W b + bias) the integer bits of its
    range. Returns ``{"input": type, "weight": type, "bias": type}``.
    """
    width, integer, kind, rest = _parse(precision)
    fraction = width - integer
    weight = network[0].weight.detach().double().numpy()
    bias = network[0].bias.detach().double().numpy()
    a = np.abs(np.asarray(a, dtype=np.float64))
    a = np.where(a > 0, a, 1.0)

    def fixed(i: int, f: int) -> str:
        return f"{kind}<{max(i + f, 1)},{i}{rest}>"

    input_integer = max(1, _integer_bits(float(bound.max())))
    extra_input = max(0, int(np.ceil(np.log2(a.max()))))
    extra_weight = max(0, int(np.ceil(np.log2(1.0 / a.min()))))
    return {
        "input": fixed(input_integer, fraction + extra_input),
        "weight": fixed(max(integer, _integer_bits(float(np.abs(weight).max()))),
                        fraction + extra_weight),
        "bias": fixed(max(integer, _integer_bits(float(np.abs(bias).max()))), fraction),
    }


def _feature_names(pipeline, n: int) -> list[str]:
    names = getattr(pipeline, "feature_names_in_", None)
    return [str(c) for c in names] if names is not None else [f"x{j}" for j in range(n)]


def _affine(scaler) -> tuple[np.ndarray, np.ndarray]:
    """``(a, b)`` with ``scaler.transform(x) == a * x + b`` per feature."""
    n = scaler.n_features_in_
    if isinstance(scaler, StandardScaler):
        scale = scaler.scale_ if scaler.scale_ is not None else np.ones(n)
        mean = scaler.mean_ if scaler.mean_ is not None else np.zeros(n)
        return 1.0 / scale, -mean / scale
    if isinstance(scaler, MinMaxScaler):
        if scaler.clip:
            raise ValueError(
                "MinMaxScaler(clip=True) clips to the feature range, which is not a linear "
                "map and cannot be folded into the first layer; refit with clip=False."
            )
        return np.asarray(scaler.scale_, float), np.asarray(scaler.min_, float)
    if isinstance(scaler, MaxAbsScaler):
        return 1.0 / scaler.scale_, np.zeros(n)
    if isinstance(scaler, RobustScaler):
        scale = scaler.scale_ if scaler.scale_ is not None else np.ones(n)
        center = scaler.center_ if scaler.center_ is not None else np.zeros(n)
        return 1.0 / scale, -center / scale
    raise ValueError(
        f"to_hls4ml folds a per-feature scaler (StandardScaler, MinMaxScaler, MaxAbsScaler, "
        f"RobustScaler) into the first layer; got {type(scaler).__name__}."
    )


def fold_pipeline(pipeline):
    """The torch network of ``Pipeline(scaler, MLPClassifier)`` with the scaler folded in.

    Returns a CPU ``torch.nn.Sequential`` in eval mode mapping raw features to logits
    (dropout left out: it is the identity at inference).

    Examples
    --------
    >>> import numpy as np, torch
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skjet.models import MLPClassifier
    >>> X = np.random.default_rng(0).normal(3.0, 2.0, size=(100, 4)).astype(np.float32)
    >>> pipe = make_pipeline(StandardScaler(), MLPClassifier((8,), max_epochs=2,
    ...                      random_state=0)).fit(X, X[:, 0] > 3)
    >>> net = fold_pipeline(pipe)
    >>> logits = net(torch.from_numpy(X[:5])).detach().double()
    >>> bool(np.allclose(torch.softmax(logits, 1).numpy(), pipe.predict_proba(X[:5]),
    ...                  atol=1e-5))
    True
    """
    import torch
    from torch import nn

    from ..models import MLPClassifier

    if not isinstance(pipeline, Pipeline):
        raise ValueError(
            f"to_hls4ml takes a fitted Pipeline(scaler, MLPClassifier), got "
            f"{type(pipeline).__name__}."
        )
    steps = [s for _, s in pipeline.steps if s is not None and s != "passthrough"]
    if len(steps) != 2 or not isinstance(steps[1], MLPClassifier):
        raise ValueError(
            "to_hls4ml takes a fitted Pipeline of exactly a per-feature scaler and an "
            f"MLPClassifier, got steps {[type(s).__name__ for s in steps]}."
        )
    scaler, mlp = steps
    for name, step in pipeline.steps:
        if step is not None and step != "passthrough":
            check_is_fitted(step, msg=(
                f"to_hls4ml: the pipeline's step {name!r} ({type(step).__name__}) is not "
                "fitted; fit the whole pipeline before converting it."
            ))
    a, b = _affine(scaler)
    module = copy.deepcopy(mlp.module_).to("cpu").eval()
    layers = [m for m in module.hidden if not isinstance(m, nn.Dropout)] + [module.output]
    first = layers[0]
    with torch.no_grad():
        w = first.weight.double()
        bias = first.bias.double() + w @ torch.as_tensor(b, dtype=torch.float64)
        first.weight.copy_((w * torch.as_tensor(a, dtype=torch.float64)[None, :]).float())
        first.bias.copy_(bias.float())
    return nn.Sequential(*layers).eval()


class HLS4MLClassifier(ClassifierMixin, BaseEstimator):
    """The bit-accurate emulation of an hls4ml firmware MLP, as a scikit-learn classifier.

    Built by :func:`to_hls4ml` from a fitted ``Pipeline(scaler, MLPClassifier)``. Like
    :class:`sklearn.frozen.FrozenEstimator` it is frozen: ``fit`` converts and compiles
    the network once (and does nothing afterwards) and ``clone`` returns the same object,
    so it can sit in :func:`skjet.model_selection.compare` next to the float pipeline
    (wrap that one in ``FrozenEstimator`` to compare the same trained network).

    Parameters
    ----------
    pipeline : fitted Pipeline
        A per-feature scaler (StandardScaler, MinMaxScaler, MaxAbsScaler or RobustScaler)
        followed by an :class:`~skjet.models.MLPClassifier`.
    precision : str, default="ap_fixed<16,6>"
        Fixed-point type of weights, biases, accumulators and layer outputs: total bits,
        integer bits (sign included).
    reuse_factor : int, default=1
        Multiplications per multiplier (1: fully parallel, lowest latency).
    input_precision : str, default="auto"
        Type of the raw input features (the scaler is folded into the first layer, so the
        firmware sees unscaled features): it must hold their range. "auto" sizes it from
        the scaler's statistics (the training range for MinMaxScaler and MaxAbsScaler, 10
        spreads around the centre for StandardScaler and RobustScaler), with the
        fractional bits that keep ``precision``'s resolution on the scaled features; or
        set the format the upstream trigger delivers. A given type that cannot hold that
        range, and inputs beyond the type's range at prediction, raise a warning naming
        the features and a type that would hold them.
    output_dir : str or Path, optional
        Folder of the hls4ml project (the HLS C++ that synthesis would take); a temporary
        folder when None.
    backend : str, default="Vitis"
        hls4ml backend whose C++ is emulated ("Vitis" or "Vivado").

    Attributes
    ----------
    input_precision_ : str
        The input type used (``input_precision``, or the one "auto" chose).
    first_layer_precision_ : dict
        ``{"weight": type, "bias": type}`` of the first layer: the scaler folded into it
        makes its weights smaller by the features' spread (a feature in GeV with a spread
        of 75: 75 times), so they get the extra fractional bits that keep ``precision``'s
        relative resolution, and the bias the integer bits of its range. Every other
        type is ``precision``.
    hls_model_ : hls4ml ModelGraph
        The compiled hls4ml model; ``hls_model_.predict`` runs the emulation.
    network_ : torch.nn.Sequential
        The folded float network that was converted.
    classes_ : ndarray
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        When the pipeline was fitted on a DataFrame.
    compile_seconds_ : float
        Wall time of the conversion and the C++ compilation.

    Notes
    -----
    ``predict_proba`` is the softmax, in float64 on the host, of the fixed-point logits the
    firmware outputs; ``predict`` is their argmax, the firmware decision.
    """

    # The fixed-point types' format and width are checked in fit: no scikit-learn
    # constraint parses 'ap_fixed<W,I>'.
    _parameter_constraints: dict = {
        "pipeline": [Pipeline],
        "precision": [str],
        "reuse_factor": [Interval(Integral, 1, None, closed="left")],
        "input_precision": [str],  # "auto" or a fixed-point type
        "output_dir": [str, os.PathLike, None],
        "backend": [StrOptions({"Vitis", "Vivado"})],
    }

    def __init__(
        self,
        pipeline,
        precision: str = "ap_fixed<16,6>",
        reuse_factor: int = 1,
        input_precision: str = "auto",
        output_dir: str | Path | None = None,
        backend: str = "Vitis",
    ):
        self.pipeline = pipeline
        self.precision = precision
        self.reuse_factor = reuse_factor
        self.input_precision = input_precision
        self.output_dir = output_dir
        self.backend = backend

    def __sklearn_clone__(self):
        return self

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "hls_model_")

    def __getstate__(self):
        if hasattr(self, "hls_model_"):
            raise TypeError(
                "HLS4MLClassifier holds a compiled C++ library loaded into this process and "
                "cannot be pickled (nor used with n_jobs > 1); pickle the float pipeline and "
                "call to_hls4ml again where it is needed."
            )
        return super().__getstate__()

    # frozen: fit does not learn from X, so sklearn's fit-in-fit guard has nothing to skip
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X=None, y=None, **fit_params):
        """Convert and compile the firmware once; later calls (and X, y) change nothing.

        Returns
        -------
        self
        """
        if hasattr(self, "hls_model_"):
            return self
        hls4ml = import_optional("hls4ml", purpose="to_hls4ml")
        precision = _check_precision(self.precision, "precision")
        auto_input = self.input_precision == "auto"
        input_precision = "auto" if auto_input else _check_precision(
            self.input_precision, "input_precision")
        network = fold_pipeline(self.pipeline)
        mlp = self.pipeline.steps[-1][1]
        n_features = network[0].in_features
        scaler = next(s for _, s in self.pipeline.steps if s is not None and s != "passthrough")
        a, b = _affine(scaler)
        bound = _input_range(scaler, a, b)
        sized = _sized_types(precision, a, bound, network)
        if auto_input:
            input_precision = sized["input"]
        else:
            self._warn_overflow(input_precision, bound, sized["input"],
                                "the scaler's statistics (the training data)")
        if find_cxx_compiler() is None:
            raise RuntimeError(
                "hls4ml's bit-accurate emulation compiles the firmware's C++ with the host "
                "compiler, and no g++ was found on PATH (or $CXX); install one "
                "(e.g. apt-get install g++)."
            )
        output_dir = self.output_dir
        if output_dir is None:
            output_dir = tempfile.mkdtemp(prefix="skjet-hls4ml-")
            # the temporary project goes with this object (or at exit)
            weakref.finalize(self, shutil.rmtree, output_dir, True)
        start = time.perf_counter()
        config = hls4ml.utils.config_from_pytorch_model(
            network, input_shape=(n_features,), granularity="name",
            default_precision=precision, default_reuse_factor=int(self.reuse_factor),
            backend=self.backend,
        )
        # every type explicit: hls4ml's "auto" would widen them beyond `precision`; the
        # first layer, which the scaler is folded into, gets the sized weight and bias
        first = next(layer for layer, cfg in config["LayerName"].items()
                     if isinstance(cfg.get("Precision"), dict) and "weight" in cfg["Precision"])
        for layer, cfg in config["LayerName"].items():
            types = cfg.get("Precision")
            if isinstance(types, dict):
                for key in types:
                    if key == "table":
                        continue
                    if layer.startswith("input"):
                        types[key] = input_precision
                    elif layer == first and key in ("weight", "bias"):
                        types[key] = sized[key]
                    else:
                        types[key] = precision
            if "ReuseFactor" in cfg:
                cfg["ReuseFactor"] = int(self.reuse_factor)
        log = io.StringIO()  # hls4ml prints its progress (and the compiler's errors)
        try:
            with warnings.catch_warnings(), contextlib.redirect_stdout(log):
                warnings.simplefilter("ignore")
                hls_model = hls4ml.converters.convert_from_pytorch_model(
                    network, hls_config=config, output_dir=str(output_dir),
                    backend=self.backend, io_type="io_parallel",
                )
                hls_model.compile()
        except Exception as exc:
            raise RuntimeError(
                f"hls4ml could not convert or compile the network {network}: "
                f"{type(exc).__name__}: {exc}\nhls4ml output (end):\n{log.getvalue()[-3000:]}"
            ) from exc
        self.compile_seconds_ = time.perf_counter() - start
        self.input_precision_ = input_precision
        self.first_layer_precision_ = {"weight": sized["weight"], "bias": sized["bias"]}
        self.hls_model_ = hls_model
        self.network_ = network
        self.classes_ = mlp.classes_
        self.n_features_in_ = n_features
        if hasattr(self.pipeline, "feature_names_in_"):
            self.feature_names_in_ = self.pipeline.feature_names_in_
        return self

    def _warn_overflow(self, input_type: str, bound: np.ndarray, fits: str, seen: str) -> None:
        """Warn when features reach beyond the range of the firmware's input type."""
        width, integer, kind, _ = _parse(input_type)
        limit = 2.0 ** (integer - 1) if kind == "ap_fixed" else 2.0**integer
        over = np.flatnonzero(bound >= limit)
        if not len(over):
            return
        names = _feature_names(self.pipeline, len(bound))
        hint = (
            "input_precision='auto' was sized on the scaler's training data: are these inputs "
            "in other units, e.g. MeV for GeV?"
            if self.input_precision == "auto" else "input_precision='auto' sizes it"
        )
        shown = {names[j]: float(f"{bound[j]:.4g}") for j in over[:8]}
        warnings.warn(
            f"HLS4MLClassifier: input_precision={input_type!r} holds |x| < {limit:g}, but "
            f"{len(over)} feature(s) reach beyond it in {seen} (largest |x|: {shown}); they "
            f"overflow in firmware and the decisions change. A type that holds them: "
            f"{fits!r} ({hint}).",
            UserWarning,
            stacklevel=3,
        )

    def _logits(self, X) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float32)
        if len(X):
            bound = np.abs(X).max(axis=0).astype(np.float64)
            _, integer, _, _ = _parse(self.input_precision_)
            if (bound >= 2.0 ** (integer - 1)).any():
                width, _, kind, rest = _parse(self.input_precision_)
                needed = max(integer, _integer_bits(float(bound.max())))
                fits = f"{kind}<{width - integer + needed},{needed}{rest}>"
                self._warn_overflow(self.input_precision_, bound, fits, "X")
        out = self.hls_model_.predict(np.ascontiguousarray(X, dtype=np.float32))
        return np.asarray(out, dtype=np.float64).reshape(len(X), len(self.classes_))

    def decision_function(self, X) -> np.ndarray:
        """The fixed-point logits of the firmware, shape (n_samples, n_classes)."""
        return self._logits(X)

    def predict_proba(self, X) -> np.ndarray:
        """Softmax (float64, on the host) of the emulated fixed-point logits."""
        logits = self._logits(X)
        logits -= logits.max(axis=1, keepdims=True)
        proba = np.exp(logits)
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, X) -> np.ndarray:
        """The firmware's decision: the class of the largest fixed-point logit."""
        return self.classes_[self._logits(X).argmax(axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags


def _settings(*names: str) -> dict:
    """HLS4MLClassifier's constraints of ``names``, for the functions that build one."""
    return {name: HLS4MLClassifier._parameter_constraints[name] for name in names}


@validate_params(
    {
        "fitted_pipeline": [Pipeline],
        **_settings("precision", "reuse_factor", "output_dir", "input_precision", "backend"),
    },
    prefer_skip_nested_validation=True,
)
def to_hls4ml(
    fitted_pipeline,
    precision: str = "ap_fixed<16,6>",
    reuse_factor: int = 1,
    output_dir: str | Path | None = None,
    *,
    input_precision: str = "auto",
    backend: str = "Vitis",
) -> HLS4MLClassifier:
    """Turn a fitted ``Pipeline(scaler, MLPClassifier)`` into emulated hls4ml firmware.

    The scaler is folded into the first layer, hls4ml writes the HLS C++ of the network
    with the given fixed-point ``precision`` and ``reuse_factor``, and the C++ is compiled
    for bit-accurate emulation (no synthesis). The hls4ml jet exercise's network is a
    StandardScaler and the 16-32-32-32-5 MLP.

    Parameters
    ----------
    fitted_pipeline : fitted Pipeline
        A per-feature scaler (StandardScaler, MinMaxScaler, MaxAbsScaler or RobustScaler)
        and an :class:`~skjet.models.MLPClassifier`.
    precision : str, default="ap_fixed<16,6>"
        Fixed-point type of weights, biases, accumulators and outputs.
    reuse_factor : int, default=1
    output_dir : str or Path, optional
        hls4ml project folder; temporary when None.
    input_precision : str, default="auto"
        Type of the raw input features; "auto" sizes it from the scaler's statistics
        (see :class:`HLS4MLClassifier`).
    backend : str, default="Vitis"

    Returns
    -------
    HLS4MLClassifier
        Fitted: ``predict_proba`` runs the emulation. Without ``output_dir``, a second
        call for the same trained network and settings returns the emulation compiled
        by the first (it is frozen), rather than compiling again.

    Raises
    ------
    ImportError
        hls4ml missing: ``pip install "skjet[hls4ml]"``.
    ValueError
        A precision that is not an HLS fixed-point type of 1 to 1024 bits, a pipeline that
        is not a scaler and an MLPClassifier.
    sklearn.exceptions.NotFittedError
        A step of the pipeline is not fitted (the message names it).
    RuntimeError
        No C++ compiler, or hls4ml failed.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skjet.models import MLPClassifier
    >>> from skjet.export import to_hls4ml
    >>> X = np.random.default_rng(0).normal(size=(300, 16)).astype(np.float32)
    >>> y = np.where(X[:, 0] > 0, "w", "q")
    >>> pipe = make_pipeline(StandardScaler(), MLPClassifier(max_epochs=5, random_state=0))
    >>> firmware = to_hls4ml(pipe.fit(X, y))  # doctest: +SKIP
    >>> (firmware.predict(X) == pipe.predict(X)).mean() > 0.95  # doctest: +SKIP
    True
    """
    firmware = HLS4MLClassifier(
        fitted_pipeline, precision=precision, reuse_factor=reuse_factor,
        input_precision=input_precision, output_dir=output_dir, backend=backend,
    )
    if output_dir is not None:
        return firmware.fit()
    # compiling takes seconds: the same network at the same settings is compiled once
    key = (_fingerprint(fold_pipeline(fitted_pipeline)), str(precision).replace(" ", ""),
           int(reuse_factor), str(input_precision).replace(" ", ""), backend)
    if key not in _COMPILED:
        if len(_COMPILED) >= 16:
            _COMPILED.pop(next(iter(_COMPILED)))
        _COMPILED[key] = firmware.fit()
    return _COMPILED[key]


# Emulations compiled by to_hls4ml in this process, by network weights and settings.
_COMPILED: dict[tuple, HLS4MLClassifier] = {}


def _fingerprint(network) -> str:
    import hashlib

    digest = hashlib.sha256()
    for name, tensor in network.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().numpy().tobytes())
    digest.update(repr(network).encode())
    return digest.hexdigest()


def _scores(y, proba, classes, signal) -> tuple[float, float]:
    from ..metrics import projected_roc_auc

    accuracy = accuracy_score(y, classes[proba.argmax(axis=1)])
    if signal is not None:
        auc = projected_roc_auc(y, proba, classes=classes, signal=signal)
    elif len(classes) == 2:
        auc = roc_auc_score(y, proba[:, 1], labels=classes)
    else:
        auc = roc_auc_score(y, proba, multi_class="ovr", labels=classes)
    return float(accuracy), float(auc)


@validate_params(
    {
        "fitted_pipeline": [Pipeline],
        "integer_bits": [Interval(Integral, None, None, closed="neither")],
        **_settings("reuse_factor", "input_precision", "backend"),
    },
    prefer_skip_nested_validation=True,
)
def precision_scan(
    fitted_pipeline,
    X,
    y,
    widths=range(6, 19, 2),
    integer_bits: int = 6,
    *,
    signal=None,
    reuse_factor: int = 1,
    input_precision: str = "auto",
    backend: str = "Vitis",
) -> pd.DataFrame:
    """Accuracy and AUC of the emulated firmware against the total bit width.

    For every width ``W`` the pipeline is converted with ``ap_fixed<W, integer_bits>``,
    compiled (a few seconds each; precisions already compiled by :func:`to_hls4ml` for the
    same network are reused) and evaluated on ``(X, y)``, next to the float pipeline.

    Parameters
    ----------
    fitted_pipeline : fitted Pipeline(scaler, MLPClassifier)
    X, y : evaluation data (held-out jets)
    widths : iterable of int, default=6, 8, ..., 18
        Total bit widths, each at least ``integer_bits`` (equal: no fractional bits).
    integer_bits : int, default=6
    signal : label or list of labels, optional
        With it the AUC is that of the ``signal`` classes against the rest (probabilities
        summed, as :func:`skjet.metrics.projected_roc_auc`); without it the binary AUC or,
        for more classes, the one-vs-rest macro average.
    reuse_factor, input_precision, backend
        As in :func:`to_hls4ml`.

    Returns
    -------
    scan : DataFrame
        One row per width: ``width``, ``integer_bits``, ``precision``, ``accuracy``,
        ``roc_auc``, and the float pipeline's ``accuracy_float`` and ``roc_auc_float``.
        Draw it with :func:`skjet.plotting.plot_precision_scan`.
    """
    widths = [int(w) for w in widths]
    if not widths or any(w < max(integer_bits, 1) for w in widths):
        raise ValueError(
            f"widths must be total bit widths >= integer_bits={integer_bits}, got {widths}."
        )
    classes = np.asarray(fitted_pipeline.classes_)
    y = np.asarray(y)
    acc_float, auc_float = _scores(y, fitted_pipeline.predict_proba(X), classes, signal)
    rows = []
    for width in widths:
        precision = f"ap_fixed<{width},{integer_bits}>"
        firmware = to_hls4ml(fitted_pipeline, precision, reuse_factor,
                             input_precision=input_precision, backend=backend)
        accuracy, auc = _scores(y, firmware.predict_proba(X), classes, signal)
        rows.append(dict(width=width, integer_bits=integer_bits, precision=precision,
                         accuracy=accuracy, roc_auc=auc, accuracy_float=acc_float,
                         roc_auc_float=auc_float))
    return pd.DataFrame(rows)
