"""Reader of jets and their candidates from NanoAOD / PFNano-style ROOT files.

PFNano stores the particle-flow candidates once per event (``PFCands_pt``, ``PFCands_eta``,
...) and an index table that maps them to jets: entry ``i`` of ``FatJetPFCands_jetIdx``
and ``FatJetPFCands_pFCandsIdx`` says that candidate ``pFCandsIdx[i]`` belongs to jet
``jetIdx[i]`` of the same event. The reader turns this into one row per jet: the jet's own
branches in a DataFrame and its candidates in skjet's padded constituent layout, without a
Python loop over events (awkward for the per-event indexing, numpy for the scatter).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ..utils._awkward import hardest_slots
from ..utils._coordinates import _check_cylindrical, _to_cartesian_inplace, check_coordinates
from ..utils._validation import is_finite
from ._files import reading, reads_file
from ._root import _check_branches, _kind, _leaf_names, _open_tree

#: Candidate momentum fields (without the collection prefix) for each coordinate system.
MOMENTUM_FIELDS = {
    "pt_eta_phi_m": ("pt", "eta", "phi", "mass"),
    "pt_eta_phi_e": ("pt", "eta", "phi", "energy"),
    "e_px_py_pz": ("energy", "px", "py", "pz"),
}
# Events read per step by load_pfnano: its temporaries are those of one block.
_READ_BLOCK = 20_000
# Candidates converted per step: the float64 temporaries of the conversion stay ~10 MB.
_CONVERT_BLOCK = 1 << 17
#: Names of the four standard constituent features, before any extra candidate field.
FOUR_MOMENTUM = ("E", "px", "py", "pz")


def _spec(
    tree: str = "Events",
    *,
    jets="FatJet",
    candidates="PFCands",
    jet_index=None,
    candidate_index=None,
    jet_branches=None,
    candidate_fields=(),
    coordinates="pt_eta_phi_m",
    momentum=None,
    max_constituents=100,
    pt_range=None,
    abs_eta_max=None,
    label=None,
    allow_nan=False,
) -> Bunch:
    """The validated reading options, shared by every file and every chunk."""
    coordinates = check_coordinates(coordinates)
    if isinstance(jet_branches, str) or isinstance(candidate_fields, str):
        raise TypeError("jet_branches and candidate_fields take a list of names, not a string.")
    if isinstance(max_constituents, bool) or not isinstance(max_constituents, int | np.integer) or (
        max_constituents < 1
    ):
        raise ValueError(f"max_constituents must be a positive integer, got {max_constituents!r}.")
    momentum = tuple(momentum) if momentum is not None else MOMENTUM_FIELDS[coordinates]
    if len(momentum) != 4:
        raise ValueError(f"momentum names four candidate fields, got {list(momentum)}.")
    if pt_range is not None:
        pt_range = tuple(float(v) for v in pt_range)
        if len(pt_range) != 2 or not pt_range[0] < pt_range[1]:
            raise ValueError(f"pt_range must be (low, high) with low < high, got {pt_range}.")
    if label is not None and not isinstance(label, str):
        raise TypeError(
            f"label must be a branch name (str); got {type(label).__name__}. For one label per "
            "file, pass paths as a mapping {path: label}."
        )
    candidate_fields = list(candidate_fields)
    return Bunch(
        tree=tree,
        jets=jets,
        candidates=candidates,
        jet_index=jet_index or f"{jets}{candidates}_jetIdx",
        candidate_index=candidate_index or f"{jets}{candidates}_pFCandsIdx",
        jet_branches=None if jet_branches is None else list(jet_branches),
        candidate_fields=candidate_fields,
        momentum=momentum,
        coordinates=coordinates,
        max_constituents=int(max_constituents),
        pt_range=pt_range,
        abs_eta_max=abs_eta_max,
        label=label,
        allow_nan=allow_nan,
        feature_names=[*FOUR_MOMENTUM, *candidate_fields],
    )


def _files(paths, spec: Bunch) -> tuple[list[Path], list | None]:
    """The files and, for a mapping {path: label}, one label per file."""
    if isinstance(paths, Mapping):
        if not paths:
            raise ValueError("paths is an empty mapping; give at least one file.")
        if spec.label is not None:
            raise ValueError(
                "give labels either as a mapping {path: label} or as label=, not both."
            )
        return [Path(p) for p in paths], list(paths.values())
    if isinstance(paths, str | os.PathLike):
        return [Path(paths)], None
    files = [Path(p) for p in paths]
    if not files:
        raise ValueError("paths is empty; give at least one file.")
    return files, None


def _branch_names(path: Path, ttree, spec: Bunch) -> tuple[list[str], list[str]]:
    """(jet branches to return, every branch to read); checks that they exist."""
    available = _leaf_names(ttree)
    prefix = f"{spec.jets}_"
    if spec.jet_branches is None:
        jet_branches = [b for b in available if b.startswith(prefix)]
    else:
        jet_branches = list(dict.fromkeys(spec.jet_branches))
    if not any(b.startswith(prefix) for b in available):
        collections = sorted({b.split("_")[0] for b in available if "_" in b})
        raise KeyError(
            f"{path}:{spec.tree}: no branch of the jet collection {spec.jets!r} "
            f"({prefix}*); collections in the tree: {collections[:40]}."
        )
    names = [*jet_branches, f"{prefix}pt", f"{prefix}eta"]
    if spec.candidates is not None:
        names += [spec.jet_index, spec.candidate_index]
        names += [f"{spec.candidates}_{f}" for f in (*spec.momentum, *spec.candidate_fields)]
    if spec.label is not None:
        names.append(spec.label)
    names = list(dict.fromkeys(names))
    _check_branches(
        names, available, f"{path}:{spec.tree}",
        "Check jets=, candidates=, jet_index=, candidate_index=, momentum= and coordinates= "
        f"(the tree has {len(available)} branches).",
    )
    return jet_branches, names


def _check_finite(where: str, name: str, values: np.ndarray) -> None:
    if not is_finite(values):
        n_bad = int((~np.isfinite(values)).sum())
        raise ValueError(
            f"{where}: branch {name!r} holds {n_bad} NaN or infinite value(s) in the jets "
            "read. Pass allow_nan=True to read them as they are."
        )


@reads_file("ROOT")  # a truncated file gives the wording of every other reader
def _read(
    path: Path, spec: Bunch, entry_start=None, entry_stop=None, file_label=None, file_index=0
) -> dict:
    """One file (or an entry range of it) to the per-jet arrays; see :func:`load_pfnano`."""
    import awkward as ak

    where = f"{path}:{spec.tree}"
    file, ttree = _open_tree(path, spec.tree)
    try:
        jet_branches, names = _branch_names(path, ttree, spec)
        read = ttree.arrays(
            names, entry_start=entry_start, entry_stop=entry_stop, library="ak"
        )
        first_entry = range(ttree.num_entries)[slice(entry_start, entry_stop)].start
    finally:
        file.close()
    pt = read[f"{spec.jets}_pt"]
    n_per_event = ak.to_numpy(ak.num(pt, axis=1)).astype(np.int64)
    for b in jet_branches:
        if _kind(read[b]) != "jagged" or not np.array_equal(ak.num(read[b], axis=1), n_per_event):
            raise ValueError(
                f"{where}: jet branch {b!r} is not one number per {spec.jets} jet (type "
                f"{read[b].type.content}); jet_branches takes branches of the jet collection."
            )
    flat = {b: ak.to_numpy(ak.flatten(read[b])) for b in jet_branches}
    jet_pt = ak.to_numpy(ak.flatten(pt)).astype(np.float64)
    jet_eta = ak.to_numpy(ak.flatten(read[f"{spec.jets}_eta"])).astype(np.float64)
    n_jets = len(jet_pt)
    event = np.repeat(np.arange(len(n_per_event), dtype=np.int64), n_per_event)
    jet_offsets = np.concatenate([[0], np.cumsum(n_per_event)])
    index_in_event = np.arange(n_jets, dtype=np.int64) - jet_offsets[event]

    selected = np.ones(n_jets, dtype=bool)
    if spec.pt_range is not None:
        selected &= (jet_pt >= spec.pt_range[0]) & (jet_pt < spec.pt_range[1])
    if spec.abs_eta_max is not None:
        selected &= np.abs(jet_eta) < spec.abs_eta_max
    jet_rows = np.flatnonzero(selected)

    if spec.label is not None:
        values = read[spec.label]
        kind = _kind(values)
        if kind in ("flat", "string"):
            per_event = np.asarray(values.to_list() if kind == "string" else ak.to_numpy(values))
            target = per_event[event[jet_rows]]
        elif kind == "jagged" and np.array_equal(ak.num(values, axis=1), n_per_event):
            target = ak.to_numpy(ak.flatten(values))[jet_rows]
        else:
            raise ValueError(
                f"{where}: label branch {spec.label!r} must hold one value per event or one per "
                f"{spec.jets} jet; it has type {values.type.content}."
            )
    elif file_label is not None:
        target = np.full(len(jet_rows), file_label)
    else:
        target = None

    out = {
        "jets": {b: v[jet_rows] for b, v in flat.items()},
        "jet_branches": jet_branches,
        "file_index": file_index,
        "event": first_entry + event[jet_rows],
        "index_in_event": index_in_event[jet_rows],
        "target": target,
        "n_events": len(n_per_event),
        "n_events_without_jets": int((n_per_event == 0).sum()),
        "n_jets": n_jets,
        # what the selection saw, for the error when it keeps no jet at all
        "jet_pt_span": (float(jet_pt.min()), float(jet_pt.max())) if n_jets else None,
        "jet_abs_eta_max": float(np.abs(jet_eta).max()) if n_jets else None,
    }
    if not spec.allow_nan:
        for b, v in out["jets"].items():
            _check_finite(where, b, v)
    if spec.candidates is None:
        return out

    # The index table, one entry per (jet, candidate) link; a global jet number per link.
    jet_idx = read[spec.jet_index]
    cand_idx = read[spec.candidate_index]
    if not np.array_equal(ak.num(jet_idx, axis=1), ak.num(cand_idx, axis=1)):
        raise ValueError(
            f"{where}: the index branches {spec.jet_index!r} and {spec.candidate_index!r} have "
            "different lengths; they must be the two columns of one table."
        )
    n_links = ak.to_numpy(ak.num(jet_idx, axis=1))
    link_event = np.repeat(np.arange(len(n_links)), n_links)
    link_jet = ak.to_numpy(ak.flatten(jet_idx)).astype(np.int64)
    link_cand = ak.to_numpy(ak.flatten(cand_idx)).astype(np.int64)
    fields = [f"{spec.candidates}_{f}" for f in (*spec.momentum, *spec.candidate_fields)]
    n_cands = ak.to_numpy(ak.num(read[fields[0]], axis=1)).astype(np.int64)
    for name, idx, size in (
        (spec.jet_index, link_jet, n_per_event),
        (spec.candidate_index, link_cand, n_cands),
    ):
        bad = np.flatnonzero((idx < 0) | (idx >= size[link_event]))
        if len(bad):
            e = link_event[bad[0]]
            raise ValueError(
                f"{where}: {name!r} points outside its collection in {len(bad)} link(s) (first: "
                f"entry {first_entry + e}, index {idx[bad[0]]} of {size[e]}); check the index "
                "branches and the jet and candidate prefixes."
            )
    # A link listed twice would count its candidate twice in the jet's four-momentum.
    cand_offsets = np.concatenate([[0], np.cumsum(n_cands)])
    link_global = jet_offsets[link_event] + link_jet
    _check_unique_links(where, spec, first_entry, link_event, link_jet, link_cand,
                        link_global * int(cand_offsets[-1] + 1)
                        + cand_offsets[link_event] + link_cand)
    # Links of selected jets only, grouped by output row (jet); the table usually lists
    # them jet by jet already, which makes the stable sort cheap.
    keep = np.flatnonzero(selected[link_global])
    row_of_jet = np.full(n_jets, -1, dtype=np.int64)
    row_of_jet[jet_rows] = np.arange(len(jet_rows))
    row = row_of_jet[link_global[keep]]
    group = np.argsort(row, kind="stable")
    row, keep = row[group], keep[group]
    # Candidate values (stored dtype, float32 in NanoAOD) through the per-event offsets.
    gather = cand_offsets[link_event[keep]] + link_cand[keep]
    values = np.stack([ak.to_numpy(ak.flatten(read[f]))[gather] for f in fields], axis=-1)
    if not spec.allow_nan:
        for name, column in zip(fields, values.T):
            _check_finite(where, name, column)
    if spec.coordinates != "e_px_py_pz":
        # named by where the candidate is in the file (the conversion below sees blocks)
        def locate(i: int) -> str:
            link = keep[i]
            return (f"entry {first_entry + int(link_event[link])}, {spec.jets} jet "
                    f"{int(link_jet[link])}, candidate {int(link_cand[link])}")

        momentum = values[:, :4]
        skip = ~np.isfinite(momentum).all(axis=1) if spec.allow_nan else None
        _check_cylindrical(momentum, spec.coordinates, f"{where}: candidates", locate, skip)
    # pT-descending within each jet (one awkward sort per jet list), then truncation of the
    # softest beyond max_constituents, then conversion of what is kept.
    n_constituents = np.bincount(row, minlength=len(jet_rows)).astype(np.int64)
    pt = values[:, 0] if spec.coordinates != "e_px_py_pz" else np.hypot(values[:, 1], values[:, 2])
    source, target = hardest_slots(pt, n_constituents, spec.max_constituents)
    assert source is not None  # sorted by pT
    constituents = np.zeros(
        (len(jet_rows), spec.max_constituents, values.shape[1]), dtype=np.float32
    )
    flat_out = constituents.reshape(-1, values.shape[1])
    for lo in range(0, len(source), _CONVERT_BLOCK):  # bounds the float64 temporaries
        hi = lo + _CONVERT_BLOCK
        block = values[source[lo:hi]].astype(np.float64)
        if spec.coordinates != "e_px_py_pz":
            _to_cartesian_inplace(block, spec.coordinates, who=f"{where}: candidates",
                                  allow_nan=spec.allow_nan)
        flat_out[target[lo:hi]] = block
    out["constituents"] = constituents
    out["n_constituents"] = n_constituents
    return out


def _check_unique_links(where, spec, first_entry, link_event, link_jet, link_cand, key) -> None:
    """Refuse an index table that links one candidate to one jet more than once."""
    if len(key) < 2:
        return
    order = np.argsort(key, kind="stable")
    repeated = np.flatnonzero(key[order][1:] == key[order][:-1])
    if not len(repeated):
        return
    first = int(order[repeated[0] + 1])
    raise ValueError(
        f"{where}: the index table links a candidate to the same jet more than once "
        f"({len(repeated)} repeated link(s) in {spec.jet_index!r}/{spec.candidate_index!r}; "
        f"first: entry {first_entry + int(link_event[first])}, candidate "
        f"{int(link_cand[first])} of jet {int(link_jet[first])}). Counted twice, a candidate "
        "would change its jet's four-momentum; the index branches of this file are "
        "inconsistent: check how it was produced (or the jet and candidate prefixes)."
    )


def _nothing_selected(parts: list[dict], files: list[Path], spec: Bunch) -> str:
    """Why no jet was read: the selection against what the jets hold."""
    n_jets = sum(p["n_jets"] for p in parts)
    spans = [p["jet_pt_span"] for p in parts if p["jet_pt_span"] is not None]
    names = ", ".join(str(f) for f in files)
    if not n_jets:
        return f"{names} hold no {spec.jets} jets in the entries read; nothing to train on."
    low, high = min(s[0] for s in spans), max(s[1] for s in spans)
    eta = max(p["jet_abs_eta_max"] for p in parts if p["jet_abs_eta_max"] is not None)
    hint = ""
    if spec.pt_range is not None and spec.pt_range[0] > 100 * high:
        hint = (
            " The pT range is far above every jet's pT: is it in MeV while the file "
            "stores GeV?"
        )
    return (
        f"the selection pt_range={spec.pt_range}, abs_eta_max={spec.abs_eta_max} keeps none "
        f"of the {n_jets} {spec.jets} jets of {names}: their {spec.jets}_pt spans "
        f"[{low:.6g}, {high:.6g}] and |{spec.jets}_eta| reaches {eta:.6g}.{hint} Nothing was "
        "trained on."
    )


def _bunch(parts: list[dict], files: list[Path], spec: Bunch) -> Bunch:
    """Concatenate per-file (or per-chunk) results into the reader's Bunch."""
    names = parts[0]["jet_branches"]
    for part in parts:
        if part["jet_branches"] != names:
            raise ValueError(
                f"{files[part['file_index']]}: its {spec.jets} branches differ from those of {files[0]}; pass "
                "jet_branches= to read the same ones from every file."
            )
    jets = pd.DataFrame({b: np.concatenate([p["jets"][b] for p in parts]) for b in names})
    targets = [p["target"] for p in parts]
    target = target_names = None
    if all(t is not None for t in targets):
        target = np.concatenate(targets)
        target_names = np.unique(target)
    counts = {
        "n_events": sum(p["n_events"] for p in parts),
        "n_events_without_jets": sum(p["n_events_without_jets"] for p in parts),
        "n_jets": sum(p["n_jets"] for p in parts),
        "n_jets_selected": len(jets),
    }
    constituents = n_constituents = None
    if spec.candidates is not None:
        constituents = np.concatenate([p["constituents"] for p in parts])
        n_constituents = np.concatenate([p["n_constituents"] for p in parts])
    file_of_jet = np.repeat([p["file_index"] for p in parts], [len(p["event"]) for p in parts])
    return Bunch(
        constituents=constituents,
        jets=jets,
        target=target,
        target_names=target_names,
        feature_names=spec.feature_names if spec.candidates is not None else None,
        n_constituents=n_constituents,
        event=np.concatenate([p["event"] for p in parts]),
        index_in_event=np.concatenate([p["index_in_event"] for p in parts]),
        file=file_of_jet,
        filenames=[str(f) for f in files],
        counts=counts,
        coordinates=spec.coordinates,
        tree=spec.tree,
        DESCR=(
            f"{counts['n_jets_selected']} of {counts['n_jets']} {spec.jets} jets from "
            f"{counts['n_events']} events ({counts['n_events_without_jets']} without jets) "
            f"of {len(files)} file(s)"
        ),
    )


def load_pfnano(
    # Mapping[Any, ...]: its key type is invariant, so a dict keyed by Path would not match
    paths: str | os.PathLike | Sequence[str | os.PathLike] | Mapping[Any, object],
    tree: str = "Events",
    *,
    jets: str = "FatJet",
    candidates: str | None = "PFCands",
    jet_index: str | None = None,
    candidate_index: str | None = None,
    jet_branches: Sequence[str] | None = None,
    candidate_fields: Sequence[str] = (),
    coordinates: str = "pt_eta_phi_m",
    momentum: Sequence[str] | None = None,
    max_constituents: int = 100,
    pt_range: tuple[float, float] | None = None,
    abs_eta_max: float | None = None,
    label: str | None = None,
    entry_start: int | None = None,
    entry_stop: int | None = None,
    allow_nan: bool = False,
    return_X_y: bool = False,
):
    """Read jets and their candidates from NanoAOD / PFNano-style ROOT files, one row per jet.

    Candidates are stored once per event (``PFCands_pt``, ``PFCands_eta``, ...) with an index
    table mapping them to jets (``FatJetPFCands_jetIdx``, ``FatJetPFCands_pFCandsIdx``: link
    ``i`` puts candidate ``pFCandsIdx[i]`` in jet ``jetIdx[i]`` of the same event). Every
    name is configurable. Events without a (selected) jet give no rows; ``counts`` says how
    many there were.

    Parameters
    ----------
    paths : path-like, sequence of path-like, or mapping {path: label}
        One or more ROOT files. A mapping gives every jet of a file that file's label (one
        file per process is common); else ``label`` names a branch, or there is no target.
    tree : str, default="Events"
        The TTree.
    jets : str, default="FatJet"
        Prefix of the jet collection: ``{jets}_pt`` and ``{jets}_eta`` select the jets.
    candidates : str or None, default="PFCands"
        Prefix of the candidate collection. None reads the jets only (a plain NanoAOD file
        has no candidates); ``constituents`` is then None.
    jet_index, candidate_index : str, optional
        The index-table branches; by default ``{jets}{candidates}_jetIdx`` and
        ``{jets}{candidates}_pFCandsIdx`` (``FatJetPFCands_jetIdx``, ...).
    jet_branches : sequence of str, optional
        Full names of the jet branches to return as columns of ``jets`` (e.g.
        ``["FatJet_pt", "FatJet_msoftdrop", "FatJet_tau1"]``); by default every
        ``{jets}_*`` branch. Only these, the selection, index, candidate and label
        branches are read.
    candidate_fields : sequence of str, default=()
        Extra candidate fields (without prefix, e.g. ``("charge", "pdgId")``) stored after
        the four-momentum in ``constituents``, in this order, as float32.
    coordinates : {"pt_eta_phi_m", "pt_eta_phi_e", "e_px_py_pz"}, default="pt_eta_phi_m"
        The coordinates of the candidates in the file; they are converted to skjet's
        (E, px, py, pz) with :func:`skjet.preprocessing.to_cartesian`.
    momentum : sequence of 4 str, optional
        The candidate fields holding the four-momentum in ``coordinates`` order; by default
        ``pt, eta, phi, mass`` / ``pt, eta, phi, energy`` / ``energy, px, py, pz``.
    max_constituents : int, default=100
        Width of ``constituents``: the hardest ``max_constituents`` candidates of each jet,
        pT-descending, zero-padded; ``n_constituents`` keeps each jet's full count.
    pt_range : (float, float), optional
        Keep jets with ``low <= {jets}_pt < high``.
    abs_eta_max : float, optional
        Keep jets with ``|{jets}_eta| < abs_eta_max``.
    label : str, optional
        A branch holding the class: one value per event (every jet of the event gets it) or
        one per jet.
    entry_start, entry_stop : int, optional
        Range of entries (events) read from each file, as in uproot.
    allow_nan : bool, default=False
        By default a NaN or infinite value in a jet branch or a candidate field used raises
        a ValueError naming the file and branch.
    return_X_y : bool, default=False
        Return ``(constituents, target)`` instead of a Bunch.

    Returns
    -------
    data : Bunch
        - ``constituents``: float32 (n_jets, max_constituents, 4 + len(candidate_fields)):
          (E, px, py, pz) then the ``candidate_fields``, pT-descending, zero-padded; None without
          ``candidates``.
        - ``jets``: DataFrame of the jet branches, one row per selected jet.
        - ``target``: the labels (class names or stored values), ``target_names``: their
          sorted distinct values; both None without a label.
        - ``feature_names``: ``["E", "px", "py", "pz", *candidate_fields]``.
        - ``n_constituents``: int64 candidates per jet before truncation.
        - ``event``, ``index_in_event``, ``file``: where each jet comes from (entry number
          in its file, position in the event's collection, index into ``filenames``).
        - ``counts``: ``n_events``, ``n_events_without_jets``, ``n_jets`` (before
          selection) and ``n_jets_selected``.
        - ``filenames``, ``coordinates``, ``tree``, ``DESCR``.
    (constituents, target) : tuple if ``return_X_y``.

    Raises
    ------
    FileNotFoundError, KeyError
        No such file, tree (the TTrees are listed) or branch (near names are suggested).
    ValueError
        NaN values, an index pointing outside its collection, index branches of different
        lengths, a label or jet branch of the wrong shape, files with different jet
        branches.

    See Also
    --------
    iter_pfnano, partial_fit_pfnano : the same, chunk by chunk, for files larger than memory.
    load_root : any TTree's branches as a DataFrame and padded arrays.

    Examples
    --------
    >>> import tempfile, pathlib, numpy as np, awkward as ak, uproot
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "nano.root"
    >>> events = {  # uproot writes a record array as NanoAOD does: FatJet_pt, nFatJet, ...
    ...     "FatJet": ak.zip({"pt": [[500.0], []], "eta": [[0.1], []]}),
    ...     "PFCands": ak.zip({"pt": [[3.0, 4.0], [1.0]], "eta": [[0.0, 0.0], [0.0]],
    ...                        "phi": [[0.0, 0.0], [0.0]], "mass": [[0.0, 0.0], [0.0]]}),
    ...     "FatJetPFCands": ak.zip({"jetIdx": [[0, 0], []], "pFCandsIdx": [[0, 1], []]}),
    ... }
    >>> with uproot.recreate(path) as f:
    ...     _ = f.mktree("Events", {k: v.type.content for k, v in events.items()})
    ...     f["Events"].extend(events)
    >>> data = load_pfnano({path: "top"}, max_constituents=3)
    >>> data.constituents[0].tolist()      # (E, px, py, pz), pT-sorted, zero-padded
    [[4.0, 4.0, 0.0, 0.0], [3.0, 3.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
    >>> data.target.tolist(), data.counts["n_events_without_jets"]
    (['top'], 1)
    """
    spec = _spec(
        tree, jets=jets, candidates=candidates, jet_index=jet_index,
        candidate_index=candidate_index, jet_branches=jet_branches,
        candidate_fields=candidate_fields, coordinates=coordinates, momentum=momentum,
        max_constituents=max_constituents, pt_range=pt_range, abs_eta_max=abs_eta_max,
        label=label, allow_nan=allow_nan,
    )
    files, file_labels = _files(paths, spec)
    parts = []
    for i, f in enumerate(files):
        # Blocks of events bound the reader's temporaries to one block's, whatever the file.
        keys = _plan([f], tree, _READ_BLOCK, entry_start, entry_stop)
        ranges: list[tuple[int | None, int | None]] = [(int(a), int(b)) for _, a, b in keys]
        ranges = ranges or [(entry_start, entry_stop)]
        label = None if file_labels is None else file_labels[i]
        parts += [_read(f, spec, a, b, label, i) for a, b in ranges]
    bunch = _bunch(parts, files, spec)
    if return_X_y:
        return bunch.constituents, bunch.target
    return bunch


def _plan(files: list[Path], tree: str, chunk_size: int, entry_start, entry_stop) -> np.ndarray:
    """Chunks of ``chunk_size`` entries, as rows (file index, entry_start, entry_stop)."""
    keys = []
    for i, path in enumerate(files):
        with reading(path, "ROOT"):
            file, ttree = _open_tree(path, tree)
            with file:
                entries = range(ttree.num_entries)[slice(entry_start, entry_stop)]
        keys += [(i, a, min(a + chunk_size, entries.stop)) for a in entries[::chunk_size]]
    return np.array(keys, dtype=np.int64).reshape(-1, 3)


def _read_chunks(files: list[Path], file_labels, spec: Bunch, keys, seen=None):
    """Yield the reader's Bunch of each chunk (i, start, stop) with at least one jet; every
    chunk read (with jets or not) is appended to the list ``seen`` if given."""
    for i, a, b in keys:
        label = None if file_labels is None else file_labels[i]
        part = _read(files[i], spec, int(a), int(b), label, int(i))
        if seen is not None:
            seen.append({k: part[k] for k in ("n_jets", "jet_pt_span", "jet_abs_eta_max")})
        if len(part["event"]):
            yield _bunch([part], files, spec)


def _classes(files: list[Path], file_labels, spec: Bunch, entry_start, entry_stop) -> np.ndarray:
    """Every class of the data, known before the first chunk: ``partial_fit`` needs them."""
    import awkward as ak

    if file_labels is not None:
        return np.unique(np.asarray(file_labels))
    if spec.label is None:
        raise ValueError(
            "training needs labels: pass paths as a mapping {path: label} or label= a branch."
        )
    values = []
    for path in files:
        with reading(path, "ROOT"):
            file, ttree = _open_tree(path, spec.tree)
            array = _label_array(path, file, ttree, spec, entry_start, entry_stop)
        array = ak.flatten(array) if array.ndim > 1 and _kind(array) == "jagged" else array
        values.append(np.unique(np.asarray(array.to_list() if _kind(array) == "string"
                                           else ak.to_numpy(array))))
    return np.unique(np.concatenate(values))


def _label_array(path, file, ttree, spec, entry_start, entry_stop):
    """The label branch of one open file (closed on return)."""
    with file:
        if spec.label not in _leaf_names(ttree):
            raise KeyError(f"{path}:{spec.tree}: no label branch {spec.label!r}.")
        return ttree[spec.label].array(
            entry_start=entry_start, entry_stop=entry_stop, library="ak"
        )


def _write_pfnano(
    path, constituents, *, jet_branches=None, event_branches=None, jets_per_event: int = 1,
    candidate_fields=None, tree: str = "Events", chunk_size: int = 50_000,
) -> Path:
    """Write padded (E, px, py, pz) jets as a PFNano-layout file (tests, docs, benchmarks).

    Jet ``j`` goes to event ``j // jets_per_event``; the event's candidates are its jets'
    constituents in (pt, eta, phi, mass), linked by ``FatJetPFCands_jetIdx`` and
    ``FatJetPFCands_pFCandsIdx``; ``FatJet_pt/eta/phi/mass`` are the jets' summed
    four-momenta, plus the per-jet arrays of ``jet_branches`` (without prefix) and the
    per-event arrays of ``event_branches`` (full names). ``candidate_fields`` maps extra
    candidate field names to (n_jets, n_constituents) arrays.
    """
    import awkward as ak
    import uproot

    from ..utils._coordinates import from_cartesian

    path = Path(path)
    X = np.asarray(constituents)
    n_jets = len(X)
    n_events = -(-n_jets // jets_per_event)
    event = np.arange(n_jets) // jets_per_event
    jets_in_event = np.bincount(event, minlength=n_events)

    def columns(lo: int, hi: int) -> dict:  # jets [lo, hi), whole events
        x = X[lo:hi].astype(np.float64)
        real = np.any(x[..., :4] != 0, axis=-1)
        n_c = real.sum(axis=1)
        c = from_cartesian(x[real][:, :4], "pt_eta_phi_m")
        jet = from_cartesian(x[..., :4].sum(axis=1), "pt_eta_phi_m")
        ev = event[lo:hi] - event[lo]
        per_event_c = np.bincount(ev, weights=n_c, minlength=ev[-1] + 1).astype(np.int64)
        per_event_j = jets_in_event[event[lo] : event[lo] + len(per_event_c)]
        local_jet = np.arange(hi - lo) - np.repeat(np.cumsum(per_event_j) - per_event_j, per_event_j)
        link_jet = np.repeat(local_jet, n_c)
        first_c = np.repeat(np.cumsum(per_event_c) - per_event_c, per_event_c)
        link_cand = np.arange(len(c)) - first_c
        cands = {f: c[:, i] for i, f in enumerate(("pt", "eta", "phi", "mass"))}
        for name, values in (candidate_fields or {}).items():
            cands[name] = np.asarray(values)[lo:hi][real]
        fat = {f: jet[:, i] for i, f in enumerate(("pt", "eta", "phi", "mass"))}
        for name, values in (jet_branches or {}).items():
            fat[name] = np.asarray(values)[lo:hi]
        out = {
            "FatJet": ak.unflatten(ak.zip(fat), per_event_j),
            "PFCands": ak.unflatten(ak.zip(cands), per_event_c),
            "FatJetPFCands": ak.unflatten(
                ak.zip({"jetIdx": link_jet.astype(np.int32),
                        "pFCandsIdx": link_cand.astype(np.int32)}), per_event_c
            ),
        }
        for name, values in (event_branches or {}).items():
            out[name] = np.asarray(values)[event[lo] : event[lo] + len(per_event_c)]
        return out

    step = max(1, chunk_size // jets_per_event) * jets_per_event  # whole events per write
    with uproot.recreate(path) as f:
        for lo in range(0, n_jets, step):
            cols = columns(lo, min(lo + step, n_jets))
            if lo == 0:
                f.mktree(tree, {
                    k: ("string" if v.dtype.kind in "OUS" else v.dtype) if isinstance(v, np.ndarray)
                    else v.type.content
                    for k, v in cols.items()
                })
            f[tree].extend(cols)
    return path
