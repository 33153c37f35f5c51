"""Reader of ROOT TTrees into skjet's layouts: a DataFrame of flat branches, zero-padded
arrays of jagged (per-object) branches, optionally stacked into constituents."""

from __future__ import annotations

import difflib
import os
from collections.abc import Sequence
from numbers import Integral
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ..utils._coordinates import _to_cartesian_inplace, check_coordinates
from ..utils._sklearn_compat import NumberInterval, validate_params
from ..utils._validation import is_finite
from ._files import reads_file


def _unreadable(ttree, names) -> dict[str, str]:
    """TTree branches uproot cannot turn into numbers or strings (custom classes)."""
    import uproot

    if not isinstance(ttree, uproot.TTree):
        return {}
    bad = {}
    for b in names:
        interp = ttree[b].interpretation
        if isinstance(interp, uproot.AsJagged):
            interp = interp.content
        if not isinstance(interp, uproot.AsDtype | uproot.AsStrings):
            bad[b] = ttree[b].typename
    return bad


def _kind(array) -> str:
    """'flat' (a number), 'string', 'fixed' (fixed-size array), 'jagged' or 'other'."""
    import awkward as ak

    t = array.type.content
    if (
        isinstance(t, ak.types.ListType | ak.types.RegularType)
        and t.parameter("__array__") == "string"
    ):
        return "string"
    if isinstance(t, ak.types.NumpyType):
        return "flat"
    if isinstance(t, ak.types.RegularType):
        return "fixed"
    if isinstance(t, ak.types.ListType) and isinstance(t.content, ak.types.NumpyType):
        return "jagged"
    return "other"


def _open_tree(path: Path, tree: str):
    import uproot

    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file.")
    try:
        file = uproot.open(path)
    except Exception as exc:  # uproot raises several types for a non-ROOT file
        raise ValueError(f"{path} could not be opened as a ROOT file: {exc}") from exc
    trees = sorted(
        {
            k.rsplit(";", 1)[0]
            for k, c in file.classnames().items()
            if c.startswith("TTree") or c == "ROOT::RNTuple"
        }
    )
    try:
        obj = file[tree]
    except (KeyError, uproot.KeyInFileError):
        file.close()
        raise KeyError(f"{path}: no tree {tree!r}; the file holds the TTree(s) {trees}.") from None
    if not isinstance(obj, uproot.TTree | uproot.behaviors.RNTuple.RNTuple):
        file.close()
        raise ValueError(
            f"{path}: {tree!r} is a {type(obj).__name__}, not a TTree; TTrees: {trees}."
        )
    return file, obj


def _leaf_names(ttree) -> list[str]:
    """The readable branches of a TTree (leaves) or the fields of an RNTuple."""
    import uproot

    if isinstance(ttree, uproot.TTree):
        return ttree.keys(filter_branch=lambda b: len(b.branches) == 0)
    return ttree.keys()  # RNTuple: uproot's default writer since 5.4


def _check_branches(names, available, where: str, advice: str) -> None:
    """Raise a KeyError naming the branches of ``names`` not in ``available``, with close
    names for each (a typo is the usual cause) and ``advice``."""
    unknown = [b for b in names if b not in available]
    if unknown:
        hints = {b: difflib.get_close_matches(b, available, n=3) for b in unknown}
        raise KeyError(f"{where}: no branch(es) {unknown}; close names: {hints}. {advice}")


def _check_finite(path, tree, name, values) -> None:
    if not is_finite(values):
        n_bad = int((~np.isfinite(values)).sum())
        raise ValueError(
            f"{path}:{tree}: branch {name!r} holds {n_bad} NaN or infinite value(s). "
            "Pass allow_nan=True to read them as they are."
        )


@reads_file("ROOT")
@validate_params(
    {"max_constituents": [NumberInterval(Integral, 1, None, closed="left"), None]},
    prefer_skip_nested_validation=True,
)
def load_root(
    path: str | os.PathLike,
    tree: str,
    branches: Sequence[str] | None = None,
    max_constituents: int | None = None,
    *,
    stack: Sequence[str] | None = None,
    coordinates: str = "e_px_py_pz",
    label: str | None = None,
    entry_start: int | None = None,
    entry_stop: int | None = None,
    allow_nan: bool = False,
) -> Bunch:
    """Read a ROOT TTree with uproot into a DataFrame and zero-padded arrays.

    Flat branches (one number or string per entry) become DataFrame columns; jagged
    branches (a variable-length list of numbers per entry, such as ``Jet_pt``) become
    (n_entries, m) arrays, zero-padded at the end: the skjet padding convention.

    Parameters
    ----------
    path : path-like
        A ROOT file.
    tree : str
        Name of the TTree (``"events"``, ``"Events"``, ``"dir/tree"``).
    branches : sequence of str, optional
        Branches to read. Only the branches named here, in ``stack`` and ``label`` are
        read; without ``branches``, ``stack`` and ``label``, every branch of the tree is.
        Every one named is read: a branch type that cannot be converted raises rather
        than being skipped.
    max_constituents : int, optional
        Width ``m`` of the padded jagged arrays. By default the longest list of each
        branch. Entries with more items keep their first ``m`` in stored order (sort
        the tree's objects by pT first if you want the leading ones); ``counts`` keeps
        the original lengths.
    stack : sequence of str, optional
        Jagged branches to stack, in this order, into ``constituents`` of shape
        (n_entries, m, len(stack)) float32, e.g. ``["Jet_E", "Jet_Px", "Jet_Py", "Jet_Pz"]``
        for skjet's (E, px, py, pz) convention. They must have equal lengths in every
        entry; they are read even if absent from ``branches``.
    coordinates : {"e_px_py_pz", "pt_eta_phi_m", "pt_eta_phi_e"}, default="e_px_py_pz"
        The coordinates of the first four ``stack`` branches in the file, e.g.
        ``"pt_eta_phi_m"`` for ``["Jet_pt", "Jet_eta", "Jet_phi", "Jet_mass"]``: they are
        converted to (E, px, py, pz) (:func:`skjet.preprocessing.to_cartesian`) so that
        ``constituents`` is in the standard layout; branches after the fourth are kept
        as they are. The default stacks the branches unchanged.
    label : str, optional
        A flat branch holding one class label per entry: it becomes ``target`` (the
        stored values, strings or integers) with ``target_names`` (its sorted distinct
        values), and is not a column of ``frame``.
    entry_start, entry_stop : int, optional
        Range of entries, as in uproot.
    allow_nan : bool, default=False
        By default a NaN or infinite value raises a ValueError naming the branch.

    Returns
    -------
    data : Bunch
        - ``frame``: DataFrame of the flat branches (numbers keep their dtype; strings
          are object columns), one row per entry.
        - ``jagged``: dict branch -> (n_entries, m) array, zero-padded, branch dtype
          kept; fixed-size array branches appear here too with their own shape.
        - ``counts``: dict jagged branch -> int64 (n_entries,) lengths before padding.
        - ``constituents``: the stacked float32 array, or None without ``stack``.
        - ``target`` and ``target_names`` with ``label``, else None.
        - ``stack_names``, ``coordinates``, ``tree``, ``filename``.

    Raises
    ------
    FileNotFoundError
        No such file.
    KeyError
        No such tree (the message lists the TTrees) or branch (it suggests near names).
    ValueError
        Not a ROOT file, an object that is not a TTree, a branch type that cannot be
        converted (named), NaN values, stacked branches of different lengths.

    Examples
    --------
    >>> import tempfile, pathlib, numpy as np, awkward as ak, uproot
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "events.root"
    >>> with uproot.recreate(path) as f:
    ...     f["events"] = {"met": np.array([10.0, 20.0]), "Jet_pt": ak.Array([[50.0, 30.0], [40.0]])}
    >>> events = load_root(path, "events")
    >>> events.frame["met"].tolist(), events.jagged["Jet_pt"].tolist()
    ([10.0, 20.0], [[50.0, 30.0], [40.0, 0.0]])
    """
    import awkward as ak

    path = Path(path)
    if isinstance(branches, str) or isinstance(stack, str):
        raise TypeError("branches and stack take a list of branch names, not a single string.")
    stack = list(stack) if stack is not None else []
    where = f"{path}:{tree}"
    if len(set(stack)) != len(stack):
        raise ValueError(f"{where}: stack names a branch twice: {stack}.")
    coordinates = check_coordinates(coordinates)
    if coordinates != "e_px_py_pz" and len(stack) < 4:
        raise ValueError(
            f"{where}: coordinates={coordinates!r} needs the four momentum branches first in "
            f"stack, got stack={stack}."
        )
    file, ttree = _open_tree(path, tree)
    try:
        available = _leaf_names(ttree)
        # Only what is asked for is read: a 1000-branch NanoAOD file may hold NaN branches
        # the user never named.
        asked = branches is not None or stack or label is not None
        names = list(dict.fromkeys(branches or [])) if asked else list(available)
        names += [s for s in [*stack, label] if s is not None and s not in names]
        _check_branches(names, available, where, f"The tree has {len(available)} branches.")
        other = _unreadable(ttree, names)
        kwargs = {"entry_start": entry_start, "entry_stop": entry_stop}
        n = len(range(ttree.num_entries)[slice(entry_start, entry_stop)])
        read: Any = ttree.arrays(names, library="ak", **kwargs) if names and not other else None
        kinds = {b: _kind(read[b]) for b in names} if read is not None else {}
        other.update({b: str(read[b].type.content) for b, k in kinds.items() if k == "other"})
        if other:
            raise ValueError(
                f"{where}: branch(es) {other} are neither numbers, strings nor lists of numbers "
                "and cannot be converted; pass branches= without them."
            )
        not_jagged = [s for s in stack if kinds[s] != "jagged"]
        if not_jagged:
            raise ValueError(f"{where}: stack needs jagged branches; {not_jagged} are not.")

        frame = pd.DataFrame(
            {
                b: (read[b].to_list() if kinds[b] == "string" else ak.to_numpy(read[b]))
                for b in names
                if kinds[b] in ("flat", "string")
            },
            index=pd.RangeIndex(n),
        )
        jagged, counts = {}, {}
        for b in names:
            values = read[b]
            if kinds[b] == "fixed":
                jagged[b] = ak.to_numpy(values)
            elif kinds[b] == "jagged":
                counts[b] = ak.to_numpy(ak.num(values, axis=1)).astype(np.int64)
                m = max_constituents or int(counts[b].max(initial=0))
                # A zero of the branch's own dtype keeps bool and integer branches exact.
                dtype = np.dtype(
                    ak.types.numpytype.primitive_to_dtype(values.type.content.content.primitive)
                )
                padded = ak.fill_none(ak.pad_none(values, m, axis=1, clip=True), dtype.type(0))
                jagged[b] = np.asarray(ak.to_numpy(padded), dtype=dtype)
        if not allow_nan:
            for b in frame.columns:
                _check_finite(path, tree, b, frame[b].to_numpy())
            for b, values in jagged.items():
                _check_finite(path, tree, b, values)
    finally:
        file.close()

    constituents = None
    if stack:
        ref = counts[stack[0]]
        for s in stack[1:]:
            differ = np.flatnonzero(counts[s] != ref)
            if len(differ):
                raise ValueError(
                    f"{where}: cannot stack {stack[0]!r} and {s!r}: their lengths differ in "
                    f"{len(differ)} entries (first: entry {differ[0]}, {ref[differ[0]]} vs "
                    f"{counts[s][differ[0]]})."
                )
        constituents = np.stack([jagged[s] for s in stack], axis=-1, dtype=np.float32)
        if coordinates != "e_px_py_pz":  # a new array of our own: converted in place
            constituents = _to_cartesian_inplace(constituents, coordinates, who=where,
                                                 allow_nan=allow_nan)
    target = target_names = None
    if label is not None:
        if label not in frame.columns:
            raise ValueError(
                f"{where}: label branch {label!r} must hold one value per entry; it is jagged."
            )
        target = frame.pop(label).to_numpy()
        if branches is not None and label in branches:
            frame[label] = target
        target_names = np.unique(target)
    return Bunch(
        frame=frame,
        jagged=jagged,
        counts=counts,
        constituents=constituents,
        target=target,
        target_names=target_names,
        stack_names=stack,
        coordinates=coordinates,
        tree=tree,
        filename=str(path),
    )
