"""Jagged constituents (awkward, vector, ragged lists) to the padded layout, as a Pipeline step."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..utils import ConstituentInputMixin, check_constituents, check_finite, constituent_mask
from ..utils._awkward import (
    MOMENTUM_NAMES,
    JaggedConstituents,
    flatten_jagged,
    is_jagged,
    is_ragged_list,
)
from ..utils._coordinates import COORDINATES, _to_cartesian_inplace
from ..utils._sklearn_compat import Interval, StrOptions, _fit_context
from ._base import _NDOutputTransformer


class PadConstituents(ConstituentInputMixin, _NDOutputTransformer):
    """Pad jagged constituents to skjet's layout: float32 (n_jets, max_constituents, k).

    The explicit first step of a Pipeline on constituents as physicists hold them: one
    variable-length list of particles per jet, read by uproot from NanoAOD, Delphes or
    analysis ntuples. Each jet's constituents are converted to (E, px, py, pz) followed by
    the extra per-constituent features, sorted by pT (hardest first), truncated to the
    ``max_constituents`` hardest and zero-padded. The conversion is vectorised over all
    constituents with awkward and numpy (no Python loop over jets).

    Accepted input:

    - awkward records with Cartesian fields ``E, px, py, pz`` (also ``t, x, y, z`` and
      ``energy``) or cylindrical fields ``pt, eta, phi`` with ``mass`` (also ``m``,
      ``tau``) or ``E``; names are matched case-insensitively, and a prefix shared in the
      ``prefix_name`` style (``part_px``, ``PFCands_pt``) is ignored. scikit-hep ``vector``
      Momentum4D arrays are such records. Every other field (``charge``, ``pdgId``, ...)
      is kept as an extra feature after the four-momentum, **in the record's field
      order**; select fields first (``X[["pt", "eta", "phi", "mass", "charge"]]``) to keep
      fewer. Each must be one number per constituent.
    - numeric jagged lists ``(n_jets, var, k)``, ``k >= 4``, or a list of per-jet
      ``(n_i, k)`` arrays: the first four entries are the four-momentum in
      ``coordinates`` (Cartesian (E, px, py, pz) for ``"auto"``: plain numbers carry no
      names to tell otherwise), the rest extra features.
    - an already padded array ``(n_jets, n_slots, k)`` (all-zero rows are padding): its
      constituents are re-sorted and re-padded to ``max_constituents``.

    Parameters
    ----------
    max_constituents : int or None, default=None
        Constituent slots per jet. Longer jets keep their ``max_constituents`` first
        constituents after sorting (the hardest with ``sort_by_pt``); shorter jets are
        zero-padded. ``None`` uses the longest jet seen in ``fit``, and ``transform``
        then refuses a jet longer than that (set ``max_constituents`` to truncate, e.g.
        when streaming chunks).
    sort_by_pt : bool, default=True
        Sort each jet's constituents by pT, descending (stable for equal pT). ``False``
        keeps the input order.
    coordinates : {"auto", "e_px_py_pz", "pt_eta_phi_m", "pt_eta_phi_e"}, default="auto"
        How the four-momentum is given. ``"auto"`` reads it from the record field names
        (Cartesian fields win when both kinds are present) and takes plain numbers as
        (E, px, py, pz). A named system selects those fields of a record, or says what the
        first four numbers of numeric input are; cylindrical input is converted with
        :func:`skjet.preprocessing.to_cartesian`.

    Attributes
    ----------
    n_constituents_ : int
        Constituent slots of the output.
    feature_names_ : ndarray of str
        The per-constituent features of the output: ``E, PX, PY, PZ`` and the extra
        fields (``x4, x5, ...`` for numeric input).
    coordinates_ : str
        The coordinate system the four-momentum was read in.
    n_features_in_ : int
        Features per constituent, ``len(feature_names_)``.

    See Also
    --------
    FlattenConstituents : the padded layout as a table; its column names match
        :meth:`get_feature_names_out`.
    to_cartesian : the same coordinate conversion on padded arrays.

    Notes
    -----
    Every constituent transformer and classifier of skjet also accepts jagged input
    directly and converts it the same way (padded to its longest jet, or to the fitted
    width of a fixed-width estimator, which refuses longer jets). ``PadConstituents``
    makes the width, the truncation and the coordinates explicit. An extra field whose
    values are all zero for a constituent with zero four-momentum would read as padding.

    Examples
    --------
    >>> import awkward as ak
    >>> jets = ak.Array([
    ...     [{"pt": 1.0, "eta": 0.0, "phi": 0.0, "mass": 0.0, "charge": 1},
    ...      {"pt": 3.0, "eta": 0.0, "phi": 0.0, "mass": 0.0, "charge": -1}],
    ...     [{"pt": 2.0, "eta": 0.0, "phi": 0.0, "mass": 0.0, "charge": 0}],
    ... ])
    >>> pad = PadConstituents(max_constituents=3).fit(jets)
    >>> pad.transform(jets)[0]
    array([[ 3.,  3.,  0.,  0., -1.],
           [ 1.,  1.,  0.,  0.,  1.],
           [ 0.,  0.,  0.,  0.,  0.]], dtype=float32)
    >>> list(pad.get_feature_names_out()[:5])
    ['E_0', 'PX_0', 'PY_0', 'PZ_0', 'charge_0']
    """

    _parameter_constraints: dict = {
        "max_constituents": [Interval(Integral, 1, None, closed="left"), None],
        "sort_by_pt": ["boolean"],
        "coordinates": [StrOptions({"auto", *COORDINATES})],
    }

    # fit records only the layout (fields and width); with max_constituents set, a clone
    # fitted on any chunk transforms every other chunk exactly.
    _stateless = True

    def __init__(
        self,
        max_constituents: int | None = None,
        sort_by_pt: bool = True,
        coordinates: str = "auto",
    ):
        self.max_constituents = max_constituents
        self.sort_by_pt = sort_by_pt
        self.coordinates = coordinates

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags

    def _read(self, X) -> JaggedConstituents:
        who = type(self).__name__
        if is_jagged(X) or is_ragged_list(X):
            return flatten_jagged(X, self.coordinates, who=who)
        # A padded array: its real rows, jet by jet, are the jagged constituents.
        X = check_constituents(X, n_features=None, estimator=self)
        if X.shape[2] < 4:
            raise ValueError(
                f"{who}: constituents need the four-momentum on the first 4 features, got "
                f"shape {X.shape}."
            )
        real = constituent_mask(X)
        values = X[real]
        system = "e_px_py_pz" if self.coordinates == "auto" else self.coordinates
        counts = real.sum(axis=1, dtype=np.int64)
        if system != "e_px_py_pz":  # X[real] is a copy
            values = _to_cartesian_inplace(values, system, who=who, counts=counts)
        names = MOMENTUM_NAMES + tuple(f"x{j}" for j in range(4, X.shape[2]))
        return JaggedConstituents(values, counts, names, system)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Read the layout of ``X``: its features and (without ``max_constituents``) width.

        Parameters
        ----------
        X : awkward Array, list of (n_i, k) arrays, or array of shape (n_jets, n_slots, k)
            Jagged constituents (see the class docstring).
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        self._fit(self._read(X))
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y=None, **fit_params):
        """``fit(X).transform(X)``, reading and converting ``X`` once.

        Parameters
        ----------
        X : awkward Array, list of (n_i, k) arrays, or array of shape (n_jets, n_slots, k)
        y : None
            Ignored.

        Returns
        -------
        constituents : ndarray of shape (n_jets, n_constituents_, n_features_in_), float32
        """
        jagged = self._read(X)
        self._fit(jagged)
        return jagged.pad(
            self.n_constituents_, sort_by_pt=self.sort_by_pt, who=type(self).__name__
        )

    def _fit(self, jagged: JaggedConstituents) -> None:
        if len(jagged.counts) == 0:
            raise ValueError(f"{type(self).__name__}: X has 0 jets; at least 1 is required.")
        check_finite(jagged.values, name=f"{type(self).__name__}: X")
        self.feature_names_ = np.asarray(jagged.feature_names, dtype=object)
        self.coordinates_ = jagged.coordinates
        self.n_features_in_ = len(jagged.feature_names)
        self.n_constituents_ = (
            self.max_constituents
            if self.max_constituents is not None
            else max(jagged.max_count, 1)
        )

    def transform(self, X):
        """Pad (and truncate) to ``(n_jets, n_constituents_, n_features_in_)``.

        Parameters
        ----------
        X : awkward Array, list of (n_i, k) arrays, or array of shape (n_jets, n_slots, k)
            Jagged constituents with the features seen in ``fit``.

        Returns
        -------
        constituents : ndarray of shape (n_jets, n_constituents_, n_features_in_), float32
            (E, px, py, pz, extras...) per constituent, pT-sorted, zero-padded.
        """
        check_is_fitted(self, "n_constituents_")
        who = type(self).__name__
        jagged = self._read(X)
        if jagged.feature_names != tuple(self.feature_names_):
            raise ValueError(
                f"{who}: X gives the features {list(jagged.feature_names)} per constituent, "
                f"but {who} was fitted on {list(self.feature_names_)}."
            )
        if jagged.coordinates != self.coordinates_:
            raise ValueError(
                f"{who}: X gives the four-momentum as {jagged.coordinates!r}, but {who} was "
                f"fitted on {self.coordinates_!r}."
            )
        if self.max_constituents is None and jagged.max_count > self.n_constituents_:
            raise ValueError(
                f"{who}: max_constituents=None pads to the longest jet seen in fit "
                f"({self.n_constituents_} constituents), but X has a jet with "
                f"{jagged.max_count}. Set max_constituents to truncate to the hardest."
            )
        check_finite(jagged.values, name=f"{who}: X")
        return jagged.pad(
            self.n_constituents_, sort_by_pt=self.sort_by_pt, who=type(self).__name__
        )

    def get_feature_names_out(self, input_features=None):
        """Per-slot names ``<feature>_<slot>``, as :class:`FlattenConstituents` names columns.

        Parameters
        ----------
        input_features : None
            Ignored (the names come from the fitted fields).

        Returns
        -------
        names : ndarray of str, shape (n_constituents_ * n_features_in_,)
            ``E_0, PX_0, PY_0, PZ_0, <extra>_0, E_1, ...``
        """
        check_is_fitted(self, "n_constituents_")
        return np.asarray(
            [f"{name}_{i}" for i in range(self.n_constituents_) for name in self.feature_names_],
            dtype=object,
        )
