"""Reader of the JetClass / weaver ROOT layout: one entry per jet, ``part_*`` particle
branches, one-hot ``label_*`` branches and ``jet_*`` observers."""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ..utils._awkward import hardest_slots
from ..utils._validation import constituent_mask
from ._files import reads_file
from ._root import load_root

# skjet's names of the extra per-particle channels (those of skjet.models.PRETRAINED_MODELS)
# and their JetClass branches, in the order of JetClass's configurations.
JETCLASS_PARTICLE_BRANCHES = {
    "charge": "part_charge",
    "is_charged_hadron": "part_isChargedHadron",
    "is_neutral_hadron": "part_isNeutralHadron",
    "is_photon": "part_isPhoton",
    "is_electron": "part_isElectron",
    "is_muon": "part_isMuon",
    "d0val": "part_d0val",
    "d0err": "part_d0err",
    "dzval": "part_dzval",
    "dzerr": "part_dzerr",
}
_NAMES = list(JETCLASS_PARTICLE_BRANCHES)
FEATURE_SETS = {"kin": [], "kinpid": _NAMES[:6], "full": _NAMES}
MOMENTUM_BRANCHES = ["part_energy", "part_px", "part_py", "part_pz"]
_JETCLASS_ORDER = ["QCD", "Hbb", "Hcc", "Hgg", "H4q", "Hqql", "Zqq", "Wqq", "Tbqq", "Tbl"]


def _sort_by_pt(X: np.ndarray) -> np.ndarray:
    """Rows of every jet in order of decreasing pT, padding last."""
    real = constituent_mask(X)
    values = X[real]
    source, target = hardest_slots(np.hypot(values[:, 1], values[:, 2]),
                                   real.sum(axis=1), X.shape[1])
    assert source is not None  # sorted by pT
    out = np.zeros_like(X)
    out.reshape(-1, X.shape[2])[target] = values[source]
    return out


@reads_file("ROOT")
def load_jetclass(
    path: str | os.PathLike | Sequence[str | os.PathLike],
    *,
    features: str | Sequence[str] = "kin",
    max_constituents: int | None = 128,
    tree: str = "tree",
    entry_start: int | None = None,
    entry_stop: int | None = None,
) -> Bunch:
    """Read JetClass files (the weaver ROOT layout) into skjet's constituents and labels.

    The layout has one entry per jet: jagged ``part_*`` branches (``part_px``,
    ``part_py``, ``part_pz``, ``part_energy``, ``part_deta``, ``part_dphi``,
    ``part_charge``, ``part_isChargedHadron``, ..., ``part_d0val``, ...), one-hot flat
    ``label_*`` branches (``label_QCD``, ``label_Tbqq``, ...) and flat ``jet_*`` observers
    (``jet_pt``, ``jet_sdmass``, ``jet_tau1``, ...). Read through :func:`load_root`.

    Parameters
    ----------
    path : path-like or sequence of path-like
        One file or several (JetClass ships one file per process); entries are
        concatenated in order.
    features : {"kin", "kinpid", "full"} or sequence of str, default="kin"
        The per-particle channels after (E, px, py, pz): none; the six particle-ID channels
        (``charge``, ``is_charged_hadron``, ``is_neutral_hadron``, ``is_photon``,
        ``is_electron``, ``is_muon``); those and the track impact parameters (``d0val``,
        ``d0err``, ``dzval``, ``dzerr``); or names from these ten. The named sets are the
        inputs of the JetClass checkpoints of the same name
        (``ParticleNetClassifier(pretrained="ParticleNet-JetClass-kinpid")``...).
    max_constituents : int or None, default=128
        Constituents kept per jet, the hardest; None keeps the longest jet's count.
    tree : str, default="tree"
    entry_start, entry_stop : int, optional
        Range of entries of every file.

    Returns
    -------
    data : Bunch
        - ``constituents``: float32 (n_jets, max_constituents, 4 + n_features), (E, px, py,
          pz) then ``features``, sorted by decreasing pT and zero-padded.
        - ``target``: object array, the class name of each jet (``"QCD"``, ``"Tbqq"``...,
          the ``label_`` branch that is 1).
        - ``target_names``: the classes, JetClass's ten in its order (QCD, Hbb, Hcc,
          Hgg, H4q, Hqql, Zqq, Wqq, Tbqq, Tbl), others after them in the files' order.
        - ``jets``: DataFrame of the ``jet_*`` branches, one row per jet.
        - ``feature_names``: the names of the last axis of ``constituents``.
        - ``filenames``.

    Raises
    ------
    KeyError
        A branch is missing (named, with close names).
    ValueError
        No ``label_*`` branches, files with different label branches, or jets whose labels
        are not one-hot (the first ones are named).

    Examples
    --------
    >>> import tempfile, pathlib, numpy as np, awkward as ak, uproot
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "jets.root"
    >>> px = ak.Array([[50.0, 20.0], [30.0]])
    >>> with uproot.recreate(path) as f:
    ...     f["tree"] = {"part_px": px, "part_py": px * 0, "part_pz": px * 0,
    ...                  "part_energy": px, "label_QCD": np.array([1.0, 0.0]),
    ...                  "label_Tbqq": np.array([0.0, 1.0]), "jet_pt": np.array([70.0, 30.0])}
    >>> data = load_jetclass(path)
    >>> data.target.tolist(), data.constituents.shape, data.jets.columns.tolist()
    (['QCD', 'Tbqq'], (2, 128, 4), ['jet_pt'])
    """
    import uproot

    names = FEATURE_SETS.get(features) if isinstance(features, str) else list(features)
    if names is None or any(n not in JETCLASS_PARTICLE_BRANCHES for n in names):
        raise ValueError(
            f"features must be one of {sorted(FEATURE_SETS)} or names from "
            f"{_NAMES}, got {features!r}."
        )
    paths = [path] if isinstance(path, str | os.PathLike) else list(path)
    stack = MOMENTUM_BRANCHES + [JETCLASS_PARTICLE_BRANCHES[n] for n in names]
    parts, labels = [], None
    for p in paths:
        with uproot.open(p) as file:
            keys = file[tree].keys() if tree in file else []
        file_labels = [k for k in keys if k.startswith("label_")]
        observers = [k for k in keys if k.startswith("jet_")]
        if keys and not file_labels:
            raise ValueError(f"{p}:{tree}: no label_* branches; is this a JetClass file?")
        if labels is not None and file_labels != labels:
            raise ValueError(
                f"{p}:{tree}: label branches {file_labels} differ from those of {paths[0]}: "
                f"{labels}."
            )
        labels = file_labels
        # load_root names a missing tree or branch, with close names
        data = load_root(p, tree, branches=file_labels + observers, stack=stack,
                         entry_start=entry_start, entry_stop=entry_stop)
        onehot = data.frame[file_labels].to_numpy(dtype=np.float64)
        bad = np.flatnonzero((onehot != 0).sum(axis=1) != 1)
        if len(bad):
            raise ValueError(
                f"{p}:{tree}: the label_* branches are not one-hot in {len(bad)} jets "
                f"(entries {bad[:5].tolist()}...); each jet needs exactly one non-zero label."
            )
        X = _sort_by_pt(data.constituents)
        parts.append((X, onehot.argmax(axis=1), data.frame[observers]))
    assert labels is not None
    names_in_file = [k[len("label_"):] for k in labels]
    target = np.array(names_in_file, dtype=object)[np.concatenate([t for _, t, _ in parts])]
    # JetClass's class order first (files may store the branches in any order), then others
    target_names = np.array(sorted(names_in_file, key=lambda c: (
        _JETCLASS_ORDER.index(c) if c in _JETCLASS_ORDER else len(_JETCLASS_ORDER),
        names_in_file.index(c))), dtype=object)
    width = max(X.shape[1] for X, _, _ in parts)
    if max_constituents is not None:
        width = max_constituents
    constituents = np.concatenate([
        np.pad(X[:, :width], ((0, 0), (0, max(width - X.shape[1], 0)), (0, 0)))
        for X, _, _ in parts
    ]).astype(np.float32, copy=False)
    return Bunch(
        constituents=constituents,
        target=target,
        target_names=target_names,
        jets=pd.concat([f for _, _, f in parts], ignore_index=True),
        feature_names=["E", "PX", "PY", "PZ", *names],
        filenames=[str(p) for p in paths],
    )
