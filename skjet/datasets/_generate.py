"""Labelled jet samples generated with Pythia8 (pythia8mc) and clustered with FastJet.

Each requested process is split into fixed-size chunks of jets. Every chunk runs its own
Pythia instance seeded from ``(random_state, process, chunk index)``, so the sample is the
same whatever ``n_jobs`` is. A chunk (``_pythia.py``, all that a worker process imports)
reads Pythia's events in batches of awkward arrays (``Pythia.nextBatch``) and works on whole
batches: particle selection and truth matching in numpy on the event record, clustering with
FastJet's multi-event interface. Results of
reproducible calls (integer ``random_state``) are cached on disk under
``get_data_home() / "generated"``; a cache file is returned only if it reads in full and
agrees with its settings, otherwise it is regenerated with a warning.
"""

from __future__ import annotations

import hashlib
import json
import numbers
import os
import warnings
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.utils import Bunch, check_random_state

from ..utils import n_constituents
from ..utils._optional import import_optional
from ..utils._sklearn_compat import NumberInterval, validate_params
from ..utils._typing import DatasetReturn
from ._base import atomic_path, get_data_home
from ._detector import PARTICLE_FEATURES, resolve_detector
from ._pythia import _JET_COLUMNS, _generate_chunk, _pythia_settings

# Names accepted in ``processes``; "t" is the hls4ml spelling of "top" and keeps its label.
PROCESSES = ("top", "t", "qcd", "w", "z", "q", "g")
_ALIASES = {"t": "top"}

# Chunk boundaries must not depend on n_jobs: they fix the seeds and hence the sample. Each
# chunk pays one Pythia.init (0.1-0.2 s), a few per cent of generating 1000 jets.
_CHUNK_SIZE = 1000
# Visible final-state particles are clustered up to this |eta| (or eta_max + radius if larger),
# so a jet accepted at |eta| < eta_max keeps its whole catchment area.
_PARTICLE_ETA_MAX = 3.0
_SEED_MAX = 900_000_000  # Pythia's Random:seed range
_CACHE_FORMAT = 2  # 2: events read in batches, truth from the event record


def _canonical(name: str) -> str:
    return _ALIASES.get(name, name)


def _chunk_seed(entropy: int, process: str, chunk: int) -> int:
    """Pythia seed for one chunk; keyed by the process name, so adding a process changes nothing."""
    key = (zlib.crc32(process.encode()), chunk)
    state = np.random.SeedSequence(entropy, spawn_key=key).generate_state(1, dtype=np.uint32)
    return int(state[0]) % _SEED_MAX + 1


def _check_args(processes, n_jets, pt_range, sqrt_s):
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


def _read_cache(path: Path, settings: dict) -> Bunch:
    """Read a cache file in full and check it against ``settings``.

    Raises ``ValueError`` naming the first disagreement; any other exception means the file
    could not be read (empty, truncated, damaged). Either way the caller regenerates.
    """
    with np.load(path, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}  # decompresses every member in full
    stored = json.loads(str(arrays.pop("settings")))
    if json.dumps(stored, sort_keys=True) != json.dumps(settings, sort_keys=True):
        raise ValueError("its settings differ from the requested ones")
    n_events = json.loads(str(arrays.pop("n_events")))
    columns = {k[len("jets_") :]: v for k, v in arrays.items() if k.startswith("jets_")}
    lengths = {k: v.shape for k, v in columns.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"the jets columns have different shapes {lengths}")
    jets = pd.DataFrame(columns)
    bunch = _make_bunch(
        arrays["constituents"],
        arrays["target"],
        arrays["target_names"],
        jets,
        settings,
        n_events,
    )
    _check_sample(bunch, settings)
    return bunch


def _check_sample(bunch: Bunch, settings: dict) -> None:
    """Raise ValueError unless the arrays of ``bunch`` are consistent with ``settings``."""
    processes, counts = settings["processes"], settings["n_jets"]
    n = sum(counts[p] for p in processes)
    expected_target = np.repeat(np.array(processes), [counts[p] for p in processes])
    n_channels = 4 + (len(PARTICLE_FEATURES) if settings.get("particle_id") else 0)
    shape = (n, settings["max_constituents"], n_channels)
    X, jets = bunch.constituents, bunch.jets
    if X.shape != shape or X.dtype != np.float32:
        raise ValueError(f"constituents are {X.dtype} {X.shape}, expected float32 {shape}")
    if list(bunch.target_names) != processes:
        raise ValueError(f"target_names are {list(bunch.target_names)}, expected {processes}")
    if bunch.target.shape != (n,) or not np.array_equal(bunch.target, expected_target):
        raise ValueError(
            f"target does not hold {counts} jets grouped by process in the order {processes}"
        )
    if list(jets.columns) != [*_JET_COLUMNS, "process"] or len(jets) != n:
        raise ValueError(
            f"jets has columns {list(jets.columns)} and {len(jets)} rows, expected "
            f"{[*_JET_COLUMNS, 'process']} and {n} rows"
        )
    if not np.array_equal(jets["process"].to_numpy(), expected_target):
        raise ValueError("jets['process'] disagrees with target")
    stored = jets["n_constituents"].to_numpy()
    if not (
        np.array_equal(stored, n_constituents(X))
        and np.all(jets["n_constituents_total"].to_numpy() >= stored)
    ):
        raise ValueError("jets['n_constituents'] disagrees with the constituents")
    if not all(np.isfinite(jets[c]).all() for c in _JET_COLUMNS) or not np.isfinite(X).all():
        raise ValueError("it holds non-finite values")
    if set(bunch.n_events) != set(processes) or any(
        not isinstance(bunch.n_events[p], int) or 2 * bunch.n_events[p] < counts[p]
        for p in processes
    ):
        raise ValueError(f"n_events {bunch.n_events} is impossible for {counts} jets")


def _make_bunch(constituents, target, target_names, jets, settings, n_events) -> Bunch:
    detector = settings.get("detector")
    level = "hadron level" if detector is None else f"detector level ({detector['name']})"
    descr = (
        f"{len(target)} jets of {[str(t) for t in target_names]} from Pythia8 + FastJet anti-kt "
        f"R={settings['radius']}, {settings['pt_range'][0]} <= pT < {settings['pt_range'][1]} GeV, "
        f"|eta| < {settings['eta_max']}, sqrt(s) = {settings['sqrt_s']} GeV, no MPI, {level}."
    )
    return Bunch(
        constituents=constituents,
        feature_names=np.array(
            ["E", "px", "py", "pz", *(PARTICLE_FEATURES if settings.get("particle_id") else ())]
        ),
        target=target,
        target_names=target_names,
        jets=jets,
        settings=settings,
        n_events=n_events,
        DESCR=descr,
    )


def _advance(bar, done: dict, name: str, n: int) -> None:
    if n:
        done[name] += n
        bar.set_postfix(done, refresh=False)
        bar.update(n)


_POSITIVE = NumberInterval(numbers.Real, 0, None, closed="neither")  # finite too


@validate_params(
    {
        "eta_max": [_POSITIVE],
        "radius": [_POSITIVE],
        "max_constituents": [NumberInterval(numbers.Integral, 1, None, closed="left")],
        "sqrt_s": [_POSITIVE],
        "particle_id": ["boolean"],
        "random_state": ["random_state"],
        "n_jobs": [
            NumberInterval(numbers.Integral, None, -1, closed="right"),
            NumberInterval(numbers.Integral, 1, None, closed="left"),
            None,
        ],
        "progress": ["boolean"],
        "cache": ["boolean"],
        "data_home": [str, os.PathLike, None],
    },
    prefer_skip_nested_validation=True,
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
    detector: Any = None,  # "hadron", "atlas", "cms", a Detector or None; narrowed below
    particle_id: bool = False,
    random_state: Any = None,  # int, RandomState or None; narrowed below
    n_jobs: int | None = None,
    progress: bool = True,
    cache: bool = True,
    data_home: str | os.PathLike | None = None,
    return_X_y: bool = False,
) -> DatasetReturn:
    """Generate labelled jets with Pythia8, a fast detector simulation and FastJet.

    Events of each process are generated with Pythia8 in proton-proton collisions,
    visible final-state particles (neutrinos excluded) with ``|eta| < max(3, eta_max +
    radius)`` are, with ``detector="atlas"`` or ``"cms"``, turned into energy-flow objects
    (tracks, and calorimeter cells with the tracks' energy removed; see
    :class:`~skjet.datasets.Detector`), or kept as they are at hadron level (the default),
    then clustered with the anti-kt algorithm of radius ``radius``, and the two
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

    The quark and resonance directions are read from Pythia's event record: the top, W or
    Z as it decays and the quarks of its decay, after initial-state recoil; the outgoing
    partons of the 2 -> 2 process for q and g.

    Multi-parton interactions are off (no underlying event, as in the public top-tagging
    sample, and about twice as fast); initial- and final-state showers and hadronisation are
    on. The hard-process pT is generated in ``[0.85 pt_range[0], 1.25 pt_range[1]]``.

    Events are read from Pythia in batches of awkward arrays (``Pythia.nextBatch``) and
    clustered with FastJet's multi-event interface; selection and matching are vectorised
    over the batch, so the cost stays close to Pythia's own (``benchmarks/bench_generate.py``
    measures it against the bare event loop).

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
    detector : {"hadron", "atlas", "cms"}, Detector or None, default=None
        ``None`` or ``"hadron"``: the particles themselves (hadron level). ``"atlas"`` /
        ``"cms"``: the presets of :meth:`Detector.preset <skjet.datasets.Detector.preset>`
        (Delphes' ATLAS and CMS cards); a :class:`~skjet.datasets.Detector` for any other
        values. The jets, their pT window and their constituents are then detector-level
        energy-flow objects. Its parameters are part of the cache key.
    particle_id : bool, default=False
        Add the per-constituent features ``PARTICLE_FEATURES`` (charge, is_charged_hadron,
        is_neutral_hadron, is_photon, is_electron, is_muon) after the four-momentum:
        ``constituents`` is then (n, max_constituents, 10). At hadron level they are those
        of the particle itself.
    random_state : int, RandomState instance or None, default=None
        Seeds every Pythia instance. An integer gives the same sample whatever ``n_jobs``
        is, and is required for caching.
    n_jobs : int or None, default=None
        Parallel workers (joblib) over chunks of 1000 jets; ``None`` means 1 unless inside
        a :func:`joblib.parallel_config` context. The sample does not depend on it.
    progress : bool, default=True
        Show a tqdm bar of accepted jets: jets per second, the estimated time left and
        the jets done per process. With one job it moves after every batch of events,
        with several after every chunk.
    cache : bool, default=True
        Read and write the sample under ``get_data_home(data_home) / "generated"`` (keyed
        by every setting, ``random_state`` and the package versions). Ignored when
        ``random_state`` is not an integer. A cache file that cannot be read in full, or
        whose arrays disagree with the settings, is regenerated and replaced with a
        ``RuntimeWarning``.
    data_home : str or path-like, default=None
        Overrides ``SKJET_DATA_HOME`` for the cache.
    return_X_y : bool, default=False
        Return ``(constituents, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        - ``constituents``: float32 array (n, max_constituents, 4) of (E, px, py, pz) in
          GeV, pT-descending, zero-padded; (n, max_constituents, 10) with ``particle_id``;
        - ``feature_names``: the names of the last axis of ``constituents``;
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

    Warns
    -----
    RuntimeWarning
        When a cache file is unreadable or inconsistent with its settings (it is named,
        with the reason, and regenerated).

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

    Detector level (Delphes-like ATLAS card), with charge and particle-ID flags:

    >>> data = generate_jets(n_jets=100, detector="atlas", particle_id=True,
    ...                      random_state=0)  # doctest: +SKIP
    >>> data.constituents.shape, list(data.feature_names[4:])  # doctest: +SKIP
    ((200, 200, 10), ['charge', 'is_charged_hadron', 'is_neutral_hadron', 'is_photon', 'is_electron', 'is_muon'])
    """
    processes, counts, pt_range = _check_args(processes, n_jets, pt_range, sqrt_s)
    detector = resolve_detector(detector)
    particle_id = bool(particle_id)
    # Fail early, before any worker starts, when the extra is missing.
    import_optional("pythia8mc", purpose="generate_jets")
    import_optional("fastjet", purpose="generate_jets")

    reproducible = isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool)
    if reproducible:
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
        "detector": None if detector is None else detector.to_dict(),
        "particle_id": particle_id,
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
            bunch = _read_cache(path, settings)
        except Exception as exc:
            # Whatever is wrong with it (empty, damaged, written by another version, arrays
            # that disagree with the settings), it is never returned: regenerated and replaced.
            warnings.warn(
                f"ignoring the cache file {path}, unreadable or inconsistent with the settings "
                f"({type(exc).__name__}: {exc}); regenerating it",
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
    arguments = [
        (
            process,
            size,
            _chunk_seed(entropy, process, chunk),
            pt_range,
            float(eta_max),
            float(radius),
            int(max_constituents),
            float(sqrt_s),
            particle_eta_max,
            detector,
            particle_id,
        )
        for _, process, chunk, size in tasks
    ]

    from tqdm.auto import tqdm

    bar = tqdm(
        total=sum(counts.values()),
        desc="generate_jets",
        unit="jet",
        disable=not progress,
        # jets done / total, elapsed < time left, jets per second, jets per process
        bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}, {rate_fmt}{postfix}]",
    )
    done = dict.fromkeys(processes, 0)
    results = []
    generate = _generate_chunk  # looked up at call time (tests replace it)
    try:
        if effective_n_jobs(n_jobs) == 1:
            # In this process: the bar moves after every batch of events.
            for (name, _, _, size), args in zip(tasks, arguments, strict=True):
                reported: list[int] = []

                def report(n, name=name, reported=reported):
                    reported.append(n)
                    _advance(bar, done, name, n)

                results.append((name, generate(*args, report)))
                _advance(bar, done, name, size - sum(reported))
        else:
            parallel = Parallel(n_jobs=n_jobs, return_as="generator")
            outputs = parallel(delayed(generate)(*args, None) for args in arguments)
            for (name, _, _, size), result in zip(tasks, outputs, strict=True):
                results.append((name, result))
                _advance(bar, done, name, size)
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
