"""Jagged constituents (awkward arrays, ragged lists) to skjet's padded layout.

Physicists hold constituents as jagged arrays: one variable-length list of particles per jet,
as uproot reads them from ROOT files (NanoAOD ``PFCands``, Delphes ``EFlow``...). skjet's
estimators compute on zero-padded float32 arrays ``(n_jets, n_constituents, k)`` with the
four-momentum (E, px, py, pz) first and constituents sorted by pT, hardest first. This module
converts once, vectorised over all constituents (no Python loop per jet):

- records whose fields name a four-momentum (case-insensitive; a shared ``prefix_`` such as
  ``part_`` or ``PFCands_`` is ignored): Cartesian ``E/px/py/pz`` (also ``t/x/y/z`` and
  ``energy``), or cylindrical ``pt/eta/phi`` with ``mass`` (also ``m``, ``tau``) or ``E``;
  scikit-hep ``vector`` Momentum4D arrays are such records (vector stores ``rho``, ``tau``,
  ``x``, ``t``, ... which are recognised). When both Cartesian and cylindrical fields are
  present, the Cartesian ones are used.
- every other field of the record is kept as an extra per-constituent feature after the
  four-momentum, **in the record's field order** (``charge``, ``pdgId``, ...).
- numeric lists ``(n_jets, var, k)`` with the same ``k`` for every constituent: the first four
  entries are the four-momentum in ``coordinates`` (Cartesian (E, px, py, pz) unless told
  otherwise, since plain numbers carry no names), the rest extra features in their order.

Cylindrical input is converted with :func:`skjet.utils._coordinates.to_cartesian`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._coordinates import COORDINATES, _to_cartesian_inplace, check_coordinates

#: Names of the four-momentum entries in the padded layout.
MOMENTUM_NAMES = ("E", "PX", "PY", "PZ")

# Lower-case field names recognised for each four-momentum component (vector's own
# names included: it stores pt as rho, mass as tau, px as x and E as t).
_ALIASES = {
    "E": ("e", "energy", "t"),
    "px": ("px", "x"),
    "py": ("py", "y"),
    "pz": ("pz", "z"),
    "pt": ("pt", "rho"),
    "eta": ("eta",),
    "phi": ("phi",),
    "mass": ("mass", "m", "tau"),
}
_SYSTEMS = {
    "e_px_py_pz": ("E", "px", "py", "pz"),
    "pt_eta_phi_m": ("pt", "eta", "phi", "mass"),
    "pt_eta_phi_e": ("pt", "eta", "phi", "E"),
}

_HINT = (
    "skjet's constituent layout is a zero-padded float32 array (n_jets, n_constituents, k) "
    "with (E, px, py, pz) first; skjet.preprocessing.PadConstituents(max_constituents=..., "
    "coordinates=...) makes it from a jagged array as an explicit first Pipeline step."
)
_ACCEPTED = (
    "records with fields E/px/py/pz (or t/x/y/z, energy), records with pt/eta/phi and "
    "mass (or m, tau) or E, vector Momentum4D arrays, or numeric lists (n_jets, var, k >= 4)"
)


def is_jagged(X) -> bool:
    """Whether ``X`` is an awkward (or awkward-backed vector) array; no import needed.

    Examples
    --------
    >>> is_jagged(np.zeros((2, 3, 4)))
    False
    """
    module = type(X).__module__
    return module.startswith(("awkward", "vector.backends.awkward", "coffea"))


def check_not_split_jet_by_jet(X, who: str = "") -> None:
    """Refuse a list of per-jet awkward arrays: what scikit-learn's cross-validation makes
    of an awkward array (it indexes objects without ``shape`` one item at a time)."""
    if isinstance(X, list | tuple) and X and is_jagged(X[0]):
        raise ValueError(
            f"{_who(who)}got a list of {len(X)} per-jet awkward arrays, which is what "
            "scikit-learn's cross-validation and search (cross_validate, GridSearchCV, "
            "train_test_split) make of an awkward array: it indexes it jet by jet, which is "
            "slow and loses the array. Pad first, then split: X = skjet.preprocessing."
            "PadConstituents(max_constituents=...).fit_transform(jets). PadConstituents "
            "learns nothing from the data, so padding before splitting is exact."
        )


def is_ragged_list(X) -> bool:
    """Whether ``X`` is a list/tuple of per-jet 2-D arrays of different lengths."""
    if not isinstance(X, list | tuple) or not X:
        return False
    shapes = {np.shape(jet) for jet in X}
    return len(shapes) > 1 and all(len(s) == 2 for s in shapes)


class JaggedConstituents:
    """A jagged constituent array flattened once: all constituents and their jet counts.

    Attributes
    ----------
    values : ndarray of shape (n_total, k)
        Every constituent of every jet, jet by jet, (E, px, py, pz) first.
    counts : ndarray of shape (n_jets,), int64
        Constituents per jet.
    feature_names : tuple of str
        ``MOMENTUM_NAMES`` followed by the extra fields.
    coordinates : str
        The coordinate system the four-momentum was read in.
    """

    def __init__(self, values, counts, feature_names, coordinates):
        self.values = values
        self.counts = counts
        self.feature_names = tuple(feature_names)
        self.coordinates = coordinates

    @property
    def max_count(self) -> int:
        return int(self.counts.max()) if len(self.counts) else 0

    def pad(
        self, width: int, *, sort_by_pt: bool = True, dtype=np.float32, who: str = ""
    ) -> np.ndarray:
        """Padded array (n_jets, width, k); a jet longer than ``width`` keeps its first
        ``width`` constituents after sorting (the hardest ones with ``sort_by_pt``).

        float64 values beyond the float32 range are refused before the cast to a float32
        output, naming the jet, constituent and feature (``who`` prefixes the message):
        the cast would turn them into infinities the input does not hold.

        One scatter of the (sorted) constituents into the zero-filled output: the
        temporaries are a few integer arrays over the constituents, in int32 when the sizes
        allow.
        """
        n, k = len(self.counts), self.values.shape[1]
        if np.dtype(dtype) == np.float32:
            from ._validation import check_float32_range

            check_float32_range(
                self.values, name=f"{_who(who)}the jagged constituents", locate=self._locate
            )
        out = np.zeros((n, width, k), dtype=dtype)
        pt = np.hypot(self.values[:, 1], self.values[:, 2]) if sort_by_pt else None
        source, target = hardest_slots(pt, self.counts, width)
        # Feature by feature: a contiguous gather per column beats gathering whole rows of
        # the column-major values.
        flat = out.reshape(n * width, k)
        for j in range(k):
            column = self.values[:, j]
            flat[:, j][target] = column if source is None else column.take(source)
        return out

    def _locate(self, index: tuple[int, ...]) -> str:
        """Names row ``index[0]`` of ``values`` by its jet and position in the input."""
        row, column = index
        ends = np.cumsum(self.counts)
        jet = int(np.searchsorted(ends, row, side="right"))
        start = int(ends[jet - 1]) if jet else 0
        return (
            f"jet {jet}, constituent {row - start} (in input order), feature "
            f"{self.feature_names[column]!r}"
        )


def hardest_slots(
    pt: np.ndarray | None, counts: np.ndarray, width: int
) -> tuple[np.ndarray | None, np.ndarray]:
    """Where each constituent goes when every jet keeps its ``width`` hardest, hardest first.

    The one truncation to the hardest constituents of skjet's readers and of
    :class:`~skjet.preprocessing.PadConstituents` (the networks select theirs per batch in
    ``module_``). ``pt`` (n_total,) holds the constituents jet by jet, ``counts`` (n_jets,)
    how many each jet has; equal pT keep their input order. ``pt=None``: the input order,
    first ``width`` kept.

    Returns ``(source, target)``: the kept rows of the flat input in output order (None:
    all of them, in order) and their positions in the flattened (n_jets, width) output,
    ``jet * width + slot``. The temporaries are a few integer arrays over the
    constituents, in int32 when the sizes allow.
    """
    n, total = len(counts), int(np.sum(counts))
    index = np.int32 if max(total, n * width) < 2**31 - 1 else np.int64
    counts = counts.astype(index)
    starts = np.zeros(n, dtype=index)
    np.cumsum(counts[:-1], out=starts[1:])
    jet = np.repeat(np.arange(n, dtype=index), counts)
    offsets = starts[jet]
    # Position of each constituent within its jet (sorted or not, the same 0..c-1).
    pos = np.arange(total, dtype=index)
    pos -= offsets
    source: np.ndarray | None = None
    if pt is not None:
        import awkward as ak

        local = ak.argsort(ak.unflatten(pt, counts), axis=1, ascending=False, stable=True)
        source = ak.to_numpy(ak.flatten(local, axis=1)).astype(index, copy=False)
        source += offsets
    del offsets
    keep = pos < width
    if not keep.all():
        jet, pos = jet[keep], pos[keep]
        source = np.flatnonzero(keep) if source is None else source[keep]
    del keep
    # Row of the output each constituent goes to, computed in place in ``jet``.
    jet *= width
    jet += pos
    return source, jet


def _strip(layout):
    """Layout under option and indexed wrappers (missing values are checked separately)."""
    while layout.is_option or layout.is_indexed:
        layout = layout.content
    return layout


def _who(who: str) -> str:
    return f"{who}: " if who else ""


def _to_awkward(X):
    import awkward as ak

    if is_ragged_list(X):
        # A list of per-jet (n_i, k) arrays: concatenate once rather than iterating values.
        jets = [np.asarray(jet) for jet in X]
        widths = {jet.shape[1] for jet in jets}
        if len(widths) != 1:
            raise ValueError(
                f"the per-jet arrays have different numbers of features {sorted(widths)}; every "
                "constituent needs the same k."
            )
        counts = np.array([len(jet) for jet in jets], dtype=np.int64)
        return ak.unflatten(np.concatenate(jets, axis=0), counts)
    if isinstance(X, ak.Record):
        raise ValueError(
            "got a single awkward Record; constituents are an array of jets, each a list of "
            "constituents (for one jet, pass ak.Array([jet]))."
        )
    arr = X if isinstance(X, ak.Array) else ak.Array(X)
    layout = arr.layout
    if layout.is_numpy and len(layout.inner_shape) > 0:
        # A rectangular awkward array (e.g. ak.Array of a padded numpy array): as lists.
        arr = ak.Array(layout.to_RegularArray(), behavior=arr.behavior)
    return arr


def _match_fields(fields: Sequence[str]) -> dict[str, str]:
    """Role -> field name, exact (case-insensitive) names first, then the part after a
    ``prefix_`` for roles still missing; two fields for one role raise a ValueError."""
    lookup = {alias: role for role, aliases in _ALIASES.items() for alias in aliases}
    found: dict[str, str] = {}
    for strip_prefix in (False, True):
        this_pass: dict[str, list[str]] = {}
        for field in fields:
            if field in found.values():
                continue
            key = field.lower()
            if strip_prefix:
                if "_" not in key:
                    continue
                key = key.split("_", 1)[1]
            role = lookup.get(key)
            if role is not None and role not in found:
                this_pass.setdefault(role, []).append(field)
        for role, names in this_pass.items():
            if len(names) > 1:
                raise ValueError(
                    f"fields {names} all name the same four-momentum component {role!r}; "
                    "select one, e.g. X[[...]] with the fields to use."
                )
            found[role] = names[0]
    return found


def _flat_field(field_array, name: str, who: str) -> np.ndarray:
    import awkward as ak

    flat = ak.flatten(field_array, axis=1)
    layout = _strip(flat.layout)
    if not (hasattr(layout, "is_numpy") and layout.is_numpy and layout.purelist_depth == 1):
        raise ValueError(
            f"{_who(who)}field {name!r} is not one number per constituent (type "
            f"{ak.type(field_array)}); select the per-constituent numeric fields, e.g. "
            "X[['pt', 'eta', 'phi', 'mass', 'charge']]."
        )
    try:
        values = ak.to_numpy(flat, allow_missing=False)
    except ValueError:
        raise ValueError(
            f"{_who(who)}field {name!r} has missing (None) constituents; fill them with "
            "ak.fill_none(X, 0) (zero rows are padding) or remove them with ak.drop_none(X)."
        ) from None
    if values.dtype.kind not in "biuf":
        raise ValueError(
            f"{_who(who)}field {name!r} is not numeric (dtype {values.dtype}); select the "
            "numeric per-constituent fields."
        )
    return values


def _records(arr, coordinates: str, who: str):
    fields = list(arr.fields)
    found = _match_fields(fields)
    if coordinates == "auto":
        system = next(
            (s for s in COORDINATES if all(r in found for r in _SYSTEMS[s])), None
        )
        if system is None:
            raise ValueError(
                f"{_who(who)}no four-momentum recognised among the record fields {fields}. "
                f"Accepted: {_ACCEPTED}. Rename the fields (e.g. ak.zip({{'pt': ..., 'eta': "
                f"..., 'phi': ..., 'mass': ...}})) or pass a numeric array. " + _HINT
            )
    else:
        system = coordinates
        missing = [r for r in _SYSTEMS[system] if r not in found]
        if missing:
            raise ValueError(
                f"{_who(who)}coordinates={system!r} needs fields for {list(_SYSTEMS[system])}; "
                f"none of the record fields {fields} is recognised as {missing}."
            )
    momentum = [found[role] for role in _SYSTEMS[system]]
    extras = [f for f in fields if f not in momentum]
    columns = [_flat_field(arr[f], f, who) for f in momentum + extras]
    dtype = np.result_type(np.float32, *(c.dtype for c in columns[:4]))
    # Column-major: each field is written (and later read) contiguously.
    values = np.empty((len(columns), len(columns[0])), dtype=dtype).T
    for j, column in enumerate(columns):
        values[:, j] = column
    return values, tuple(MOMENTUM_NAMES) + tuple(extras), system


def _numeric(arr, coordinates: str, who: str):
    import awkward as ak

    system = "e_px_py_pz" if coordinates == "auto" else coordinates
    flat = ak.flatten(arr, axis=1)
    try:
        widths = np.unique(ak.to_numpy(ak.num(flat, axis=1), allow_missing=False))
    except ValueError:
        raise ValueError(
            f"{_who(who)}the jagged array has missing (None) constituents; fill them with "
            "ak.fill_none(X, 0) or remove them with ak.drop_none(X)."
        ) from None
    if len(widths) > 1:
        raise ValueError(
            f"{_who(who)}the jagged array has constituents with different numbers of features "
            f"{widths.tolist()}; every constituent needs the same k (type {ak.type(arr)}). "
            + _HINT
        )
    k = int(widths[0]) if len(widths) else 4
    if k < 4:
        raise ValueError(
            f"{_who(who)}the constituents have {k} features; the four-momentum needs the "
            f"first 4 (type {ak.type(arr)})."
        )
    try:
        values = ak.to_numpy(ak.to_regular(flat, axis=1), allow_missing=False)
    except ValueError:
        raise ValueError(
            f"{_who(who)}the jagged array has missing (None) values; fill them with "
            "ak.fill_none(X, 0) or remove them with ak.drop_none(X)."
        ) from None
    if values.dtype.kind not in "biuf":
        raise ValueError(f"{_who(who)}the jagged array is not numeric (dtype {values.dtype}).")
    values = values.reshape(len(values), k)
    if system != "e_px_py_pz":  # converted in place below: never in the caller's buffers
        values = values.astype(np.result_type(values.dtype, np.float32), copy=True)
    names = tuple(MOMENTUM_NAMES) + tuple(f"x{j}" for j in range(4, k))
    return values, names, system


def flatten_jagged(X, coordinates: str = "auto", *, who: str = "") -> JaggedConstituents:
    """Read a jagged constituent array once into flat (E, px, py, pz, extras) rows.

    Parameters
    ----------
    X : awkward Array, vector array or list of (n_i, k) arrays
        ``n_jets`` lists of constituents (see the module docstring for the forms).
    coordinates : {"auto", "e_px_py_pz", "pt_eta_phi_m", "pt_eta_phi_e"}, default="auto"
        How the four-momentum is given: from the field names ("auto"; Cartesian for plain
        numbers), or the named system.
    who : str
        Prefix of the error messages (the estimator's name).

    Returns
    -------
    JaggedConstituents

    Examples
    --------
    >>> import awkward as ak
    >>> jets = ak.Array([[{"pt": 1.0, "eta": 0.0, "phi": 0.0, "mass": 0.0, "q": -1}], []])
    >>> flat = flatten_jagged(jets)
    >>> flat.feature_names, flat.counts.tolist(), flat.values.round(3).tolist()
    (('E', 'PX', 'PY', 'PZ', 'q'), [1, 0], [[1.0, 1.0, 0.0, 0.0, -1.0]])
    """
    import awkward as ak

    if coordinates != "auto":
        check_coordinates(coordinates)
    try:
        arr = _to_awkward(X)
    except ValueError as exc:
        raise ValueError(f"{_who(who)}{exc} " + _HINT) from exc
    if len(arr) == 0:
        raise ValueError(f"{_who(who)}X is empty: 0 jets; at least 1 is required.")
    layout = _strip(arr.layout)
    if not layout.is_list:
        raise ValueError(
            f"{_who(who)}a jagged constituent array must be a list of jets, each a list of "
            f"constituents; got type {ak.type(arr)}. Accepted: {_ACCEPTED}. " + _HINT
        )
    inner = _strip(layout.content)
    if inner.is_record and inner.fields and not inner.is_tuple:
        values, names, system = _records(arr, coordinates, who)
    elif inner.is_list and _strip(inner.content).is_numpy:
        values, names, system = _numeric(arr, coordinates, who)
    else:
        raise ValueError(
            f"{_who(who)}cannot read constituents from an array of type {ak.type(arr)} "
            f"(mixed or unexpected nesting). Accepted: {_ACCEPTED}. " + _HINT
        )
    try:
        counts = ak.to_numpy(ak.num(arr, axis=1), allow_missing=False).astype(np.int64)
    except ValueError:
        raise ValueError(
            f"{_who(who)}some jets are missing (None); remove them with ak.drop_none(X, axis=0)."
        ) from None
    if system != "e_px_py_pz":
        # a float array of our own
        values = _to_cartesian_inplace(values, system, who=who or "to_cartesian", counts=counts)
    return JaggedConstituents(values, counts, names, system)
