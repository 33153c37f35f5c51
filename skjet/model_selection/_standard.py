"""The standard approaches of ``skjet demo`` and ``skjet compare``, and the inputs they take.

Public, so that scripts, benchmarks and tests compare exactly what the command line compares.
"""

from __future__ import annotations

from typing import Any

from sklearn.base import BaseEstimator

from ..utils._sklearn_compat import validate_params
from ..utils._typing import ArrayLike
from ..utils._validation import check_constituents

# Jet-level features every feature-based approach of the standard table eats.
JET_FEATURES_KINEMATIC = ("pt", "eta", "mass", "multiplicity", "mean_pt", "leading_pt_fraction")
JET_FEATURES_SUBSTRUCTURE = ("tau1", "tau2", "tau3", "tau21", "tau32", "sd_mass")
# The checkpoint the pretrained reference taggers start from (see skjet.models.load_pretrained).
PRETRAINED_TAGGER = "ParticleNet-JetClass-kin"

# ``{name: (estimator, input name)}``, the input name a key of :func:`prepare_inputs`.
Approaches = dict[str, tuple[BaseEstimator, str]]


# The arguments of the reference taggers; the standard approaches add ``taggers``.
_TAGGER_CONSTRAINTS: dict[str, list] = {
    "quick": ["boolean"],
    "random_state": ["random_state"],
    "from_scratch": ["boolean", None],
    "classes": ["array-like", None],
}


@validate_params(
    {**_TAGGER_CONSTRAINTS, "taggers": ["boolean"], "cnn": ["boolean", None]},
    prefer_skip_nested_validation=True,
)
def standard_approaches(
    *,
    quick: bool,
    random_state: Any,
    taggers: bool = True,
    from_scratch: bool | None = None,
    classes: ArrayLike | None = None,
    cnn: bool | None = None,
) -> Approaches:
    """The approaches of ``skjet demo`` and ``skjet compare`` on constituents.

    A logistic regression on the jet mass and mean constituent pT, a sequential
    cut-and-count on (mass, tau32, multiplicity), XGBoost and an MLP on the jet features,
    DeepSets on the relative constituents, a CNN on jet images (by default on CUDA only)
    and, with ``taggers``, the reference taggers of :func:`reference_taggers`.

    Parameters
    ----------
    quick : bool
        Fewer epochs (20 instead of 60; early stopping usually ends training sooner).
    random_state : int, RandomState instance or None
        Seed of every estimator.
    taggers : bool, default=True
        Include the reference taggers (the slowest approaches on a CPU).
    from_scratch : bool or None, default=None
        Passed to :func:`reference_taggers`.
    classes : array-like or None, default=None
        The class labels, passed to :func:`reference_taggers`.
    cnn : bool or None, default=None
        Include the CNN on jet images; None: where CUDA is available.

    Returns
    -------
    approaches : dict
        ``{name: (estimator, input name)}``, unfitted, in the order of the table. The input
        names are keys of :func:`prepare_inputs`: ``"mass_mean_pt"``, ``"cut_features"``,
        ``"jet_features"``, ``"relative"``, ``"images"`` and, with ``taggers``,
        ``"constituents"`` or ``"four_momenta"``.

    See Also
    --------
    prepare_inputs : The inputs, computed once from the constituents.
    compare : Compare the approaches on the same splits.

    Examples
    --------
    >>> from skjet.model_selection import standard_approaches
    >>> approaches = standard_approaches(quick=True, random_state=0, taggers=False, cnn=True)
    >>> list(approaches)
    ['logistic (mass, mean pT)', 'cut-and-count', 'XGBoost', 'MLP', 'DeepSets', 'CNN']
    >>> approaches["DeepSets"][1]
    'relative'
    """
    import torch
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from ..models import (
        CNNClassifier,
        CutAndCountClassifier,
        DeepSetsClassifier,
        MLPClassifier,
        XGBoostClassifier,
    )
    from ..preprocessing import ConstituentScaler

    # Early stopping (the default) ends training when the validation loss stalls.
    epochs = 20 if quick else 60
    neural: dict[str, Any] = dict(max_epochs=epochs, random_state=random_state, verbose=0)
    approaches: Approaches = {
        "logistic (mass, mean pT)": (
            make_pipeline(StandardScaler(), LogisticRegression()),
            "mass_mean_pt",
        ),
        "cut-and-count": (CutAndCountClassifier(topology="sequential"), "cut_features"),
        "XGBoost": (
            XGBoostClassifier(n_estimators=300, early_stopping_rounds=20, random_state=random_state),
            "jet_features",
        ),
        "MLP": (make_pipeline(StandardScaler(), MLPClassifier(**neural)), "jet_features"),
        "DeepSets": (
            make_pipeline(ConstituentScaler(), DeepSetsClassifier(
                phi_sizes=(64, 64, 64), f_sizes=(64, 64), **neural)),
            "relative",
        ),
    }
    if cnn or (cnn is None and torch.cuda.is_available()):
        approaches["CNN"] = (CNNClassifier(**neural), "images")
    if taggers:
        approaches.update(reference_taggers(quick=quick, random_state=random_state,
                                            from_scratch=from_scratch, classes=classes))
    return approaches


@validate_params(_TAGGER_CONSTRAINTS, prefer_skip_nested_validation=True)
def reference_taggers(
    *,
    quick: bool,
    random_state: Any,
    from_scratch: bool | None = None,
    classes: ArrayLike | None = None,
) -> Approaches:
    """The reference taggers on constituents: ParticleNet, pretrained or from scratch, and ParT.

    Pretrained (the default on a CPU): JetClass's ParticleNet on the four-momenta of the 128
    hardest constituents (as it was trained). On a CPU its last layer is fine-tuned with the
    body frozen (``freeze_body``: the body runs once per jet, then up to 60 epochs of the
    head, 20 with ``quick``, with early stopping); on CUDA the whole network is (body at a
    tenth of the learning rate, two epochs, one with ``quick``). When the classes are top
    and QCD, the same network is also listed zero-shot (P(Tbqq) / (P(Tbqq) + P(QCD)), no
    training), and the fine-tuning starts from it (``head_init``). From scratch (the
    default on CUDA): ParticleNet and ParT, the published top-tagging sizes on CUDA, on a
    CPU the small presets with fewer epochs and the 64 hardest constituents.

    Parameters
    ----------
    quick : bool
        Fewer epochs.
    random_state : int, RandomState instance or None
        Seed of every estimator.
    from_scratch : bool or None, default=None
        Train ParticleNet and ParT from scratch instead of fine-tuning the pretrained
        ParticleNet (checkpoint ``PRETRAINED_TAGGER``); ``None``: from scratch on CUDA only.
    classes : array-like or None, default=None
        The class labels; when they are ``"top"`` and ``"qcd"``, the pretrained network
        maps them onto JetClass's Tbqq and QCD (zero-shot, and the fine-tuning's start).

    Returns
    -------
    approaches : dict
        ``{name: (estimator, input name)}``, unfitted; input names ``"four_momenta"``
        (pretrained) or ``"constituents"`` (from scratch), keys of :func:`prepare_inputs`.

    Examples
    --------
    >>> from skjet.model_selection import reference_taggers
    >>> list(reference_taggers(quick=True, random_state=0, from_scratch=True))
    ['ParticleNet', 'ParT']
    """
    import torch

    from ..models import ParticleNetClassifier, ParticleTransformerClassifier

    cuda = torch.cuda.is_available()
    if from_scratch is None:
        from_scratch = cuda
    if not from_scratch:
        common: dict[str, Any] = dict(pretrained=PRETRAINED_TAGGER, max_constituents=128,
                                      random_state=random_state)
        # top vs QCD maps onto JetClass's Tbqq and QCD: zero-shot, and fine-tuning that
        # starts from it
        top_qcd = classes is not None and sorted(str(c) for c in classes) == ["qcd", "top"]
        mapping = ({c: ("Tbqq" if str(c) == "top" else "QCD") for c in classes}
                   if top_qcd and classes is not None else None)
        if cuda:
            name = "ParticleNet (JetClass, fine-tuned)"
            tuned = ParticleNetClassifier(**common, max_epochs=1 if quick else 2,
                                          head_init=mapping)
        else:
            # training the whole network on a CPU is slow; with the body frozen it runs once
            # per jet and the epochs train only the last layer on its stored outputs
            name = "ParticleNet (JetClass, head fine-tuned)"
            tuned = ParticleNetClassifier(**common, freeze_body=True, head_init=mapping,
                                          max_epochs=20 if quick else 60)
        approaches: Approaches = {name: (tuned, "four_momenta")}
        if top_qcd:
            approaches["ParticleNet (JetClass, zero-shot)"] = (
                ParticleNetClassifier(**common, zero_shot=mapping), "four_momenta",
            )
        return approaches
    params: dict[str, Any] = dict(
        preset="paper" if cuda else "small",
        max_epochs=(10 if quick else 30) if cuda else (5 if quick else 8),
        max_constituents=128 if cuda else 64,
        random_state=random_state,
    )
    return {
        "ParticleNet": (ParticleNetClassifier(**params), "constituents"),
        "ParT": (ParticleTransformerClassifier(**params), "constituents"),
    }


@validate_params(
    {"quick": ["boolean"], "random_state": ["random_state"]},
    prefer_skip_nested_validation=True,
)
def feature_approaches(*, quick: bool, random_state: Any) -> dict[str, BaseEstimator]:
    """The approaches of ``skjet compare`` on jet-level feature tables (hls4ml, ROOT branches).

    Parameters
    ----------
    quick : bool
        Fewer epochs for the MLP (5 instead of 20).
    random_state : int, RandomState instance or None
        Seed of XGBoost and the MLP.

    Returns
    -------
    approaches : dict
        ``{name: estimator}``, unfitted: a logistic regression, XGBoost and an MLP, each
        taking the whole feature table.

    Examples
    --------
    >>> from skjet.model_selection import feature_approaches
    >>> list(feature_approaches(quick=True, random_state=0))
    ['logistic', 'XGBoost', 'MLP']
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from ..models import MLPClassifier, XGBoostClassifier

    return {
        "logistic": make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)),
        "XGBoost": XGBoostClassifier(n_estimators=200, random_state=random_state),
        "MLP": make_pipeline(StandardScaler(), MLPClassifier(
            max_epochs=5 if quick else 20, random_state=random_state)),
    }


@validate_params({"constituents": ["array-like"]}, prefer_skip_nested_validation=True)
def prepare_inputs(constituents: ArrayLike) -> dict[str, Any]:
    """The views of the jets that the standard approaches take, computed once.

    These transformers learn nothing from the data, so computing them once before the
    splits is equivalent to computing them inside every fold, and much cheaper.

    Parameters
    ----------
    constituents : array-like of shape (n_jets, n_constituents, n_features)
        Zero-padded constituents, (E, px, py, pz) first.

    Returns
    -------
    inputs : dict
        ``"jet_features"``: a DataFrame of the kinematic and substructure features
        (``JET_FEATURES_KINEMATIC`` and ``JET_FEATURES_SUBSTRUCTURE``);
        ``"mass_mean_pt"`` and ``"cut_features"`` (mass, tau32, multiplicity): its columns;
        ``"relative"``: :class:`~skjet.preprocessing.RelativeConstituents`;
        ``"constituents"``: the constituents (float32); ``"four_momenta"``: their first four
        features; ``"images"``: 33 x 33 jet images of log(1 + pT).

    Raises
    ------
    ValueError
        Constituents that are not a numeric 3-D array (see
        :func:`skjet.utils.check_constituents`).

    Examples
    --------
    >>> from skjet.model_selection import prepare_inputs
    >>> from skjet.utils.estimator_checks import make_constituents
    >>> X, _ = make_constituents(n_jets=4, n_slots=10)
    >>> inputs = prepare_inputs(X)
    >>> inputs["jet_features"].shape, inputs["images"].shape
    ((4, 12), (4, 1, 33, 33))
    """
    from sklearn.pipeline import make_union

    from ..features import JetKinematics, Substructure
    from ..preprocessing import JetImage, RelativeConstituents

    # float32, as every estimator and transformer here takes it; each validates its own width
    constituents = check_constituents(constituents, n_features=None)
    feats = make_union(
        JetKinematics(features=JET_FEATURES_KINEMATIC),
        Substructure(features=JET_FEATURES_SUBSTRUCTURE),
        verbose_feature_names_out=False,
    ).set_output(transform="pandas").fit_transform(constituents)
    return {
        "jet_features": feats,
        "mass_mean_pt": feats[["mass", "mean_pt"]],
        "cut_features": feats[["mass", "tau32", "multiplicity"]],
        "relative": RelativeConstituents().fit_transform(constituents),
        "constituents": constituents,
        # the pretrained taggers read the four-momentum only
        "four_momenta": constituents[..., :4],
        # log(1 + pT) pixels keep the soft structure visible to the CNN (the HML comparison's choice).
        "images": JetImage(size=33, normalize="log").fit_transform(constituents),
    }
