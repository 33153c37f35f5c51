"""Labelled jet samples generated with Pythia8 (pythia8mc) and clustered with FastJet.

Each requested process is split into fixed-size chunks of jets. Every chunk runs its own
Pythia instance seeded from ``(random_state, process, chunk index)``, so the sample is the
same whatever ``n_jobs`` is. Results of reproducible calls (integer ``random_state``) are
cached on disk under ``get_data_home() / "generated"``.
"""

from __future__ import annotations

import hashlib
import json
import numbers
import os
import warnings
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.utils import Bunch, check_random_state

from ..utils import _fourvec
from ..utils._fastjet import no_fastjet_banner
from ..utils._optional import import_optional
from ._base import atomic_path, get_data_home

# Names accepted in ``processes``; "t" is the hls4ml spelling of "top" and keeps its label.
PROCESSES = ("top", "t", "qcd", "w", "z", "q", "g")
_ALIASES = {"t": "top"}

# Chunk boundaries must not depend on n_jobs: they fix the seeds and hence the sample.
_CHUNK_SIZE = 500
# Events generated between two clusterings; FastJet's awkward interface clusters a batch in C++.
_BATCH_EVENTS = 100
# Window on the hard-process pT relative to pt_range: the jets that pass come from partons
# (or resonances) near the jet pT, so generating far outside it only costs time.
_PTHAT_LOW = 0.85
_PTHAT_HIGH = 1.25
# Visible final-state particles are clustered up to this |eta| (or eta_max + radius if larger),
# so a jet accepted at |eta| < eta_max keeps its whole catchment area.
_PARTICLE_ETA_MAX = 3.0
_SEED_MAX = 900_000_000  # Pythia's Random:seed range
_CACHE_FORMAT = 1
# A process whose acceptance is this low after this many events has impossible cuts.
_MIN_EVENTS_FOR_CHECK = 2000
_MIN_ACCEPTANCE = 1e-3

_HADRONIC = "1 2 3 4 5"  # W and Z decays to d, u, s, c, b quarks only
_LIGHT_QUARKS = frozenset({1, 2, 3})
_GLUON = 21

_PROCESS_SETTINGS = {
    # ttbar with both W bosons decaying to quarks: up to two hadronic top jets per event.
    "top": (
        "Top:gg2ttbar = on",
        "Top:qqbar2ttbar = on",
        "24:onMode = off",
        f"24:onIfAny = {_HADRONIC}",
    ),
    "qcd": ("HardQCD:all = on",),
    "w": (
        "WeakBosonAndParton:qqbar2Wg = on",
        "WeakBosonAndParton:qg2Wq = on",
        "24:onMode = off",
        f"24:onIfAny = {_HADRONIC}",
    ),
    "z": (
        "WeakBosonAndParton:qqbar2gmZg = on",
        "WeakBosonAndParton:qg2gmZq = on",
        "WeakZ0:gmZmode = 2",  # Z0 only, no gamma* continuum
        "23:onMode = off",
        f"23:onIfAny = {_HADRONIC}",
    ),
    # QCD 2 -> 2 channels with an outgoing light quark (HardQCD:nQuarkNew = 3: u, d, s).
    "q": (
        "HardQCD:gg2qqbar = on",
        "HardQCD:qg2qg = on",
        "HardQCD:qq2qq = on",
        "HardQCD:qqbar2qqbarNew = on",
    ),
    # QCD 2 -> 2 channels with an outgoing gluon.
    "g": (
        "HardQCD:gg2gg = on",
        "HardQCD:qg2qg = on",
        "HardQCD:qqbar2gg = on",
    ),
}
_RESONANCE_ID = {"top": 6, "w": 24, "z": 23}

_JET_COLUMNS = ("pt", "eta", "phi", "mass", "n_constituents", "n_constituents_total")


def _canonical(name: str) -> str:
    return _ALIASES.get(name, name)


def _pythia_settings(process: str, pt_range, sqrt_s: float, seed: int | None) -> list[str]:
    """Pythia configuration strings for one canonical process (seed last, if given)."""
    settings = [
        f"Beams:eCM = {float(sqrt_s)!r}",
        # No multi-parton interactions (as in the public top-tagging sample: no pile-up or
        # underlying-event overlay): about twice as fast; ISR, FSR and hadronisation stay on.
        "PartonLevel:MPI = off",
        f"PhaseSpace:pTHatMin = {_PTHAT_LOW * pt_range[0]!r}",
        f"PhaseSpace:pTHatMax = {_PTHAT_HIGH * pt_range[1]!r}",
        *_PROCESS_SETTINGS[process],
        "Print:quiet = on",
        "Next:numberCount = 0",
    ]
    if seed is not None:
        settings += ["Random:setSeed = on", f"Random:seed = {seed}"]
    return settings


def _chunk_seed(entropy: int, process: str, chunk: int) -> int:
    """Pythia seed for one chunk; keyed by the process name, so adding a process changes nothing."""
    key = (zlib.crc32(process.encode()), chunk)
    state = np.random.SeedSequence(entropy, spawn_key=key).generate_state(1, dtype=np.uint32)
    return int(state[0]) % _SEED_MAX + 1


def _delta_r2(y1, phi1, y2, phi2):
    dphi = _fourvec.delta_phi(np.asarray(phi1), phi2)
    return (np.asarray(y1) - y2) ** 2 + dphi**2


def _rapidity(e, pz):
    with np.errstate(divide="ignore", invalid="ignore"):
        return 0.5 * np.log((e + pz) / (e - pz))


def _truth(process: str, record) -> list:
    """Matching targets from Pythia's hard-process record.

    For top, w and z: one (y, phi) array per hadronic resonance, holding the resonance and
    the quarks it ends in (top: b, q, q'; W or Z: q, q'). For q and g: (y, phi, |id|) of each
    outgoing hard parton. For qcd: nothing.
    """
    if process == "qcd":
        return []
    size = record.size()
    if process in ("q", "g"):
        return [
            (record[i].y(), record[i].phi(), record[i].idAbs())
            for i in range(size)
            if record[i].status() == 23 and record[i].mother1() <= 4
        ]
    targets = []
    wanted = _RESONANCE_ID[process]
    for i in range(size):
        if record[i].idAbs() != wanted or record[i].status() != -22:
            continue
        # A W from a top decay is not a W target: only first-generation resonances count.
        if process != "top" and record[record[i].mother1()].idAbs() == 6:
            continue
        directions = [(record[i].y(), record[i].phi())]
        stack = [i]
        while stack:
            j = stack.pop()
            for d in range(record[j].daughter1(), record[j].daughter2() + 1):
                if d <= 0:
                    continue
                if record[d].status() > 0:
                    directions.append((record[d].y(), record[d].phi()))
                else:
                    stack.append(d)
        if len(directions) == (4 if process == "top" else 3):
            targets.append(np.array(directions))
    return targets


def _visible_final(event) -> np.ndarray:
    """(E, px, py, pz) of visible final-state particles, float64 (n, 4)."""
    rows = [
        (p.e(), p.px(), p.py(), p.pz()) for p in event.particles() if p.isFinal() and p.isVisible()
    ]
    return np.array(rows, dtype=np.float64).reshape(-1, 4)


def _cluster(fastjet, ak, jetdef, events: list[np.ndarray], min_pt: float):
    """Cluster a batch of events; return per-event lists of constituent index arrays."""
    counts = np.array([len(e) for e in events], dtype=np.int64)
    flat = np.concatenate(events) if events else np.zeros((0, 4))
    arr = ak.unflatten(
        ak.zip({"px": flat[:, 1], "py": flat[:, 2], "pz": flat[:, 3], "E": flat[:, 0]}), counts
    )
    with no_fastjet_banner():
        sequence = fastjet.ClusterSequence(arr, jetdef)
        index = sequence.constituent_index(min_pt=min_pt)
    n_jets = ak.to_numpy(ak.num(index, axis=1))
    n_const = ak.to_numpy(ak.flatten(ak.num(index, axis=2)))
    flat_index = ak.to_numpy(ak.flatten(index, axis=None)).astype(np.int64)
    per_jet = np.split(flat_index, np.cumsum(n_const)[:-1]) if len(n_const) else []
    out, start = [], 0
    for n in n_jets:
        out.append(per_jet[start : start + n])
        start += n
    return out


def _accept(process, truth, radius, jet_y, jet_phi) -> bool:
    """Whether a jet passing the kinematic cuts carries the label of ``process``."""
    if process == "qcd":
        return True
    r2 = radius**2
    if process in ("q", "g"):
        if not truth:
            return False
        y, phi, ids = zip(*truth, strict=True)
        d2 = _delta_r2(jet_y, jet_phi, np.array(y), np.array(phi))
        nearest = int(np.argmin(d2))
        if d2[nearest] >= r2:
            return False
        if process == "q":
            return ids[nearest] in _LIGHT_QUARKS
        return ids[nearest] == _GLUON
    return any(bool(np.all(_delta_r2(jet_y, jet_phi, t[:, 0], t[:, 1]) < r2)) for t in truth)


def _generate_chunk(
    process: str,
    n_jets: int,
    seed: int,
    pt_range: tuple[float, float],
    eta_max: float,
    radius: float,
    max_constituents: int,
    sqrt_s: float,
    particle_eta_max: float,
) -> dict:
    """Generate exactly ``n_jets`` accepted jets of one canonical process with one seed."""
    pythia8 = import_optional("pythia8mc", purpose="generate_jets")
    fastjet = import_optional("fastjet", purpose="generate_jets")
    import awkward as ak

    pythia = pythia8.Pythia("", False)
    for line in _pythia_settings(process, pt_range, sqrt_s, seed):
        if not pythia.readString(line):
            raise RuntimeError(f"generate_jets: Pythia rejected the setting {line!r}.")
    if not pythia.init():
        raise RuntimeError(
            f"generate_jets: Pythia failed to initialise process {process!r} with "
            f"pt_range={pt_range} at sqrt_s={sqrt_s} GeV."
        )
    jetdef = fastjet.JetDefinition(fastjet.antikt_algorithm, float(radius))
    pt_lo, pt_hi = pt_range

    constituents = np.zeros((n_jets, max_constituents, 4), dtype=np.float32)
    table = np.zeros((n_jets, len(_JET_COLUMNS)), dtype=np.float64)
    accepted = n_events = 0
    while accepted < n_jets:
        events, truths = [], []
        for _ in range(_BATCH_EVENTS):
            if not pythia.next():  # rare Pythia failure: the event is skipped, not counted
                continue
            particles = _visible_final(pythia.event)
            with np.errstate(divide="ignore", invalid="ignore"):
                p_abs = np.sqrt((particles[:, 1:] ** 2).sum(axis=1))
                eta = np.arctanh(np.clip(particles[:, 3] / p_abs, -1.0, 1.0))
            events.append(particles[np.abs(eta) < particle_eta_max])
            truths.append(_truth(process, pythia.process))
        for particles, truth, jets in zip(
            events, truths, _cluster(fastjet, ak, jetdef, events, pt_lo), strict=True
        ):
            n_events += 1
            momenta = np.array([particles[j].sum(axis=0) for j in jets]).reshape(-1, 4)
            jet_pt, jet_eta = _fourvec.pt(momenta), _fourvec.eta(momenta)
            jet_phi, jet_mass = _fourvec.phi(momenta), _fourvec.mass(momenta)
            order = np.argsort(-jet_pt, kind="stable")
            # The two leading jets of the event are the candidates (a dijet-style selection).
            for k in order[:2]:
                pt, eta, phi = float(jet_pt[k]), float(jet_eta[k]), float(jet_phi[k])
                mass = float(jet_mass[k])
                if not (pt_lo <= pt < pt_hi and abs(eta) < eta_max):
                    continue
                jet_y = float(_rapidity(momenta[k, 0], momenta[k, 3]))
                if not _accept(process, truth, radius, jet_y, phi):
                    continue
                members = particles[jets[k]]
                member_pt = np.hypot(members[:, 1], members[:, 2])
                members = members[np.argsort(-member_pt, kind="stable")[:max_constituents]]
                constituents[accepted, : len(members)] = members
                table[accepted] = (pt, eta, phi, mass, len(members), len(jets[k]))
                accepted += 1
                if accepted == n_jets:
                    break
            if accepted == n_jets:
                break
        if n_events >= _MIN_EVENTS_FOR_CHECK and accepted < _MIN_ACCEPTANCE * n_events:
            raise RuntimeError(
                f"generate_jets: only {accepted} {process!r} jets accepted in {n_events} events "
                f"(pt_range={pt_range}, eta_max={eta_max}, radius={radius}); the cuts are "
                "(nearly) impossible to satisfy."
            )
    return {"constituents": constituents, "table": table, "n_events": n_events}


def _check_args(processes, n_jets, pt_range, eta_max, radius, max_constituents, sqrt_s):
    if isinstance(processes, str):
        processes = (processes,)
    processes = tuple(processes)
    if not processes:
        raise ValueError(f"processes is empty; choose among {list(PROCESSES)}.")
    unknown = [p for p in processes if p not in PROCESSES]
    if unknown:
        raise ValueError(
            f"Unknown process name(s) {unknown}; valid names are {list(PROCESSES)} "
            "('t' is the same as 'top')."
        )
    canonical = [_canonical(p) for p in processes]
    if len(set(canonical)) != len(canonical):
        raise ValueError(
            f"processes {list(processes)} name the same process twice ('t' and 'top' are the "
            "same process)."
        )

    def _count(value, what):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
            raise ValueError(f"{what} must be a positive integer, got {value!r}.")
        return int(value)

    if isinstance(n_jets, Mapping):
        missing = [p for p in processes if p not in n_jets]
        extra = [p for p in n_jets if p not in processes]
        if missing or extra:
            raise ValueError(
                f"n_jets must have exactly the keys {list(processes)}; missing {missing}, "
                f"unexpected {extra}."
            )
        counts = {p: _count(n_jets[p], f"n_jets[{p!r}]") for p in processes}
    else:
        n = _count(n_jets, "n_jets")
        counts = dict.fromkeys(processes, n)

    if not isinstance(sqrt_s, numbers.Real) or not np.isfinite(sqrt_s) or sqrt_s <= 0:
        raise ValueError(f"sqrt_s must be a positive number of GeV, got {sqrt_s!r}.")
    try:
        lo, hi = (float(v) for v in pt_range)
    except (TypeError, ValueError):
        raise ValueError(
            f"pt_range must be a pair (pt_min, pt_max) in GeV, got {pt_range!r}."
        ) from None
    if not (np.isfinite(lo) and np.isfinite(hi) and 0 < lo < hi):
        raise ValueError(
            f"pt_range must satisfy 0 < pt_min < pt_max (finite, GeV), got {pt_range!r}."
        )
    if lo >= sqrt_s / 2:
        raise ValueError(
            f"pt_range starts at {lo} GeV, beyond the kinematic limit sqrt_s / 2 = {sqrt_s / 2} GeV."
        )
    for value, what in ((eta_max, "eta_max"), (radius, "radius")):
        if not isinstance(value, numbers.Real) or not np.isfinite(value) or value <= 0:
            raise ValueError(f"{what} must be a positive number, got {value!r}.")
    _count(max_constituents, "max_constituents")
    return processes, counts, (lo, hi)


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    from .. import __version__

    out: dict[str, str | None] = {"skjet": __version__}
    for dist in ("pythia8mc", "fastjet"):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = None
    return out


def _cache_file(data_home, settings: dict) -> Path:
    key = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:24]
    return get_data_home(data_home) / "generated" / f"{key}.npz"


def _save_npz(file, arrays: dict) -> None:
    np.savez_compressed(file, **arrays)


def _write_cache(path: Path, bunch: Bunch) -> None:
    arrays = {
        "constituents": bunch.constituents,
        "target": bunch.target,
        "target_names": bunch.target_names,
        "settings": np.array(json.dumps(bunch.settings)),
        "n_events": np.array(json.dumps(bunch.n_events)),
    }
    for column in bunch.jets.columns:
        values = bunch.jets[column].to_numpy()
        # Strings are stored as a fixed-width unicode array: loading never needs pickle.
        arrays[f"jets_{column}"] = values.astype(str) if values.dtype == object else values
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        _save_npz(fh, arrays)


def _read_cache(path: Path) -> Bunch:
    with np.load(path, allow_pickle=False) as data:
        jets = pd.DataFrame(
            {k[len("jets_") :]: data[k] for k in data.files if k.startswith("jets_")}
        )
        return _make_bunch(
            data["constituents"],
            data["target"],
            data["target_names"],
            jets,
            json.loads(str(data["settings"])),
            json.loads(str(data["n_events"])),
        )


def _make_bunch(constituents, target, target_names, jets, settings, n_events) -> Bunch:
    descr = (
        f"{len(target)} jets of {[str(t) for t in target_names]} from Pythia8 + FastJet anti-kt "
        f"R={settings['radius']}, {settings['pt_range'][0]} <= pT < {settings['pt_range'][1]} GeV, "
        f"|eta| < {settings['eta_max']}, sqrt(s) = {settings['sqrt_s']} GeV, no MPI."
    )
    return Bunch(
        constituents=constituents,
        target=target,
        target_names=target_names,
        jets=jets,
        settings=settings,
        n_events=n_events,
        DESCR=descr,
    )


def generate_jets(
    processes: Sequence[str] | str = ("top", "qcd"),
    n_jets: int | Mapping[str, int] = 1000,
    *,
    pt_range: tuple[float, float] = (550.0, 650.0),
    eta_max: float = 2.0,
    radius: float = 0.8,
    max_constituents: int = 200,
    sqrt_s: float = 14000.0,
    random_state: Any = None,  # int, RandomState or None; narrowed below
    n_jobs: int | None = None,
    progress: bool = True,
    cache: bool = True,
    data_home: str | os.PathLike | None = None,
    return_X_y: bool = False,
) -> Bunch | tuple[Any, np.ndarray]:
    """Generate labelled hadron-level jets with Pythia8 and cluster them with FastJet.

    Events of each process are generated with Pythia8 in proton-proton collisions,
    visible final-state particles (neutrinos excluded) with ``|eta| < max(3, eta_max +
    radius)`` are clustered with the anti-kt algorithm of radius ``radius``, and the two
    leading jets of each event are candidates. A candidate is kept when
    ``pt_range[0] <= pT < pt_range[1]`` and ``|eta| < eta_max`` and, per process:

    - ``"top"`` (alias ``"t"``): ttbar with both W bosons decaying to quarks; the jet lies
      within ``radius`` (Delta R in rapidity-azimuth) of a top quark, of its b quark and of
      both W-decay quarks;
    - ``"w"`` / ``"z"``: W + jet / Z + jet, the boson decaying to quarks; the jet lies within
      ``radius`` of the boson and of both decay quarks;
    - ``"qcd"``: QCD 2 -> 2 (all channels), no matching;
    - ``"q"`` / ``"g"``: QCD 2 -> 2; the hard outgoing parton nearest to the jet is within
      ``radius`` and is a light quark (u, d, s) / a gluon.

    Multi-parton interactions are off (no underlying event, as in the public top-tagging
    sample, and about twice as fast); initial- and final-state showers and hadronisation are
    on. The hard-process pT is generated in ``[0.85 pt_range[0], 1.25 pt_range[1]]``.

    Parameters
    ----------
    processes : sequence of str or str, default=("top", "qcd")
        Among ``"top"``, ``"t"``, ``"qcd"``, ``"w"``, ``"z"``, ``"q"``, ``"g"``. The name
        given is the label: ``("g", "q", "t", "w", "z")`` reproduces the hls4ml class names.
    n_jets : int or dict, default=1000
        Jets per process, or ``{process: n}``. Exactly that many jets are returned.
    pt_range : (float, float), default=(550, 650)
        Jet transverse-momentum window in GeV, ``pt_min <= pT < pt_max``. Use
        ``(900, 1100)`` for an hls4ml-style sample around 1 TeV.
    eta_max : float, default=2.0
        Maximum absolute jet pseudorapidity.
    radius : float, default=0.8
        Anti-kt radius, also the matching radius.
    max_constituents : int, default=200
        Constituent slots per jet. Jets with more constituents keep their hardest
        ``max_constituents``; ``jets["n_constituents_total"]`` records the full count.
    sqrt_s : float, default=14000
        Proton-proton centre-of-mass energy in GeV.
    random_state : int, RandomState instance or None, default=None
        Seeds every Pythia instance. An integer gives the same sample whatever ``n_jobs``
        is, and is required for caching.
    n_jobs : int or None, default=None
        Parallel workers (joblib) over chunks of 500 jets; ``None`` means 1 unless inside
        a :func:`joblib.parallel_config` context. The sample does not depend on it.
    progress : bool, default=True
        Show a tqdm bar of accepted jets per process.
    cache : bool, default=True
        Read and write the sample under ``get_data_home(data_home) / "generated"`` (keyed
        by every setting, ``random_state`` and the package versions). Ignored when
        ``random_state`` is not an integer.
    data_home : str or path-like, default=None
        Overrides ``SKJET_DATA_HOME`` for the cache.
    return_X_y : bool, default=False
        Return ``(constituents, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        - ``constituents``: float32 array (n, max_constituents, 4) of (E, px, py, pz) in
          GeV, pT-descending, zero-padded;
        - ``target``: array of process names (str), grouped by process in the order given;
        - ``target_names``: the process names given;
        - ``jets``: DataFrame with ``pt``, ``eta``, ``phi``, ``mass`` (of all the jet's
          constituents), ``n_constituents`` (stored), ``n_constituents_total`` and
          ``process``;
        - ``settings``: every setting used, including the Pythia configuration;
        - ``n_events``: events generated per process;
        - ``DESCR``: a one-line description.
    (constituents, target) : tuple
        If ``return_X_y`` is True.

    Raises
    ------
    ImportError
        If pythia8mc or fastjet is missing (``pip install "skjet[generate]"``).
    ValueError
        For an unknown process or invalid numbers.

    Examples
    --------
    >>> from skjet.datasets import generate_jets
    >>> data = generate_jets(("top", "qcd"), n_jets=100, random_state=0)  # doctest: +SKIP
    >>> data.constituents.shape  # doctest: +SKIP
    (200, 200, 4)
    >>> data.jets.groupby("process")["mass"].median()  # doctest: +SKIP
    process
    qcd     ...
    top     ...
    """
    processes, counts, pt_range = _check_args(
        processes, n_jets, pt_range, eta_max, radius, max_constituents, sqrt_s
    )
    if n_jobs is not None and (
        isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral) or n_jobs == 0
    ):
        raise ValueError(f"n_jobs must be a non-zero integer or None, got {n_jobs!r}.")
    # Fail early, before any worker starts, when the extra is missing.
    import_optional("pythia8mc", purpose="generate_jets")
    import_optional("fastjet", purpose="generate_jets")

    reproducible = isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool)
    if reproducible:
        if random_state < 0:
            raise ValueError(f"random_state must be non-negative, got {random_state}.")
        entropy = int(random_state)
    else:
        entropy = int(check_random_state(random_state).randint(np.iinfo(np.int32).max))

    particle_eta_max = max(_PARTICLE_ETA_MAX, float(eta_max) + float(radius))
    settings = {
        "processes": list(processes),
        "n_jets": counts,
        "pt_range": list(pt_range),
        "eta_max": float(eta_max),
        "radius": float(radius),
        "max_constituents": int(max_constituents),
        "sqrt_s": float(sqrt_s),
        "random_state": int(random_state) if reproducible else None,
        "particle_eta_max": particle_eta_max,
        "candidates": "two leading anti-kt jets per event",
        "chunk_size": _CHUNK_SIZE,
        "pythia": {
            p: _pythia_settings(_canonical(p), pt_range, sqrt_s, seed=None) for p in processes
        },
        "versions": _versions(),
        "cache_format": _CACHE_FORMAT,
    }

    use_cache = cache and reproducible
    path = _cache_file(data_home, settings) if use_cache else None
    if path is not None and path.exists():
        try:
            bunch = _read_cache(path)
        except (ValueError, KeyError, OSError, zipfile.BadZipFile) as exc:
            # A cache file this version cannot read (e.g. written by an older skjet) is
            # regenerated and replaced, never trusted or silently returned half-read.
            warnings.warn(
                f"ignoring unreadable cache file {path} ({exc}); regenerating it",
                RuntimeWarning,
                stacklevel=2,
            )
        else:
            return (bunch.constituents, bunch.target) if return_X_y else bunch

    tasks = []
    for name in processes:
        process = _canonical(name)
        for chunk, start in enumerate(range(0, counts[name], _CHUNK_SIZE)):
            size = min(_CHUNK_SIZE, counts[name] - start)
            tasks.append((name, process, chunk, size))

    from tqdm.auto import tqdm

    bar = tqdm(total=sum(counts.values()), desc="generate_jets", unit="jet", disable=not progress)
    done = dict.fromkeys(processes, 0)
    results = []
    generate = _generate_chunk  # looked up at call time (tests replace it)
    parallel = Parallel(n_jobs=n_jobs, return_as="generator")
    try:
        for (name, _, _, size), result in zip(
            tasks,
            parallel(
                delayed(generate)(
                    process,
                    size,
                    _chunk_seed(entropy, process, chunk),
                    pt_range,
                    float(eta_max),
                    float(radius),
                    int(max_constituents),
                    float(sqrt_s),
                    particle_eta_max,
                )
                for _, process, chunk, size in tasks
            ),
            strict=True,
        ):
            results.append((name, result))
            done[name] += size
            bar.set_postfix(done, refresh=False)
            bar.update(size)
    finally:
        bar.close()

    constituents = np.concatenate([r["constituents"] for _, r in results], axis=0)
    table = np.concatenate([r["table"] for _, r in results], axis=0)
    jets = pd.DataFrame(table, columns=list(_JET_COLUMNS))
    for column in ("n_constituents", "n_constituents_total"):
        jets[column] = jets[column].astype(np.int64)
    target = np.concatenate([np.full(len(r["table"]), name) for name, r in results])
    jets["process"] = target
    n_events = dict.fromkeys(processes, 0)
    for name, r in results:
        n_events[name] += r["n_events"]
    bunch = _make_bunch(constituents, target, np.array(processes), jets, settings, n_events)
    if path is not None:
        _write_cache(path, bunch)
    return (bunch.constituents, bunch.target) if return_X_y else bunch
