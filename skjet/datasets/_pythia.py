"""One chunk of ``generate_jets``: Pythia events read in batches, clustered and truth-matched.

This module is what a parallel worker imports, so it imports only numpy and skjet's light
helpers at the top (awkward, FastJet and Pythia when a chunk runs): a fresh worker process
is ready in a fraction of a second instead of paying for scikit-learn, pandas and scipy.
"""

from __future__ import annotations

import numpy as np

from ..utils import _fourvec
from ..utils._awkward import hardest_slots
from ..utils._fastjet import no_fastjet_banner
from ..utils._optional import import_optional
from . import _detector

# Events read from Pythia per batch (nextBatch): the first batch measures the acceptance, the
# next ones ask for about the events the missing jets need, at most _MAX_BATCH_EVENTS.
_FIRST_BATCH_EVENTS = 50
_MAX_BATCH_EVENTS = 400
# Window on the hard-process pT relative to pt_range: the jets that pass come from partons
# (or resonances) near the jet pT, so generating far outside it only costs time.
_PTHAT_LOW = 0.85
_PTHAT_HIGH = 1.25

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


_PRISTINE: dict = {}


def _new_pythia(process: str, pt_range, sqrt_s: float, seed: int):
    """An initialised Pythia for one canonical process and seed.

    Pythia's XML settings and particle data are parsed once per worker process and copied
    into each new instance (about 0.1 s saved per chunk); the copy is the pristine state,
    so the events are those of a freshly constructed ``Pythia``.
    """
    pythia8 = import_optional("pythia8mc", purpose="generate_jets")
    if "pythia" not in _PRISTINE:
        _PRISTINE["pythia"] = pythia8.Pythia("", False)
    pristine = _PRISTINE["pythia"]
    pythia = pythia8.Pythia(pristine.settings, pristine.particleData, False)
    for line in _pythia_settings(process, pt_range, sqrt_s, seed):
        if not pythia.readString(line):
            raise RuntimeError(f"generate_jets: Pythia rejected the setting {line!r}.")
    if not pythia.init():
        raise RuntimeError(
            f"generate_jets: Pythia failed to initialise process {process!r} with "
            f"pt_range={pt_range} at sqrt_s={sqrt_s} GeV."
        )
    return pythia


def _rapidity(e, pz):
    with np.errstate(divide="ignore", invalid="ignore"):
        return 0.5 * np.log((e + pz) / (e - pz))


def _delta_r2(y1, phi1, y2, phi2):
    return (y1 - y2) ** 2 + _fourvec.delta_phi(phi1, phi2) ** 2


def _invisible_ids(pythia) -> np.ndarray:
    """Sorted codes of the particles Pythia calls invisible (neutrinos and BSM states)."""
    data = pythia.particleData
    codes, code = [], 1
    while code:
        if not data.isVisible(code):
            codes.append(code)
        code = data.nextId(code)
    return np.array(sorted(codes), dtype=np.int64)


def _is_in(values: np.ndarray, sorted_codes: np.ndarray) -> np.ndarray:
    """``np.isin`` for a short sorted list of codes, without sorting ``values``."""
    if len(sorted_codes) == 0:
        return np.zeros(len(values), dtype=bool)
    where = np.minimum(np.searchsorted(sorted_codes, values), len(sorted_codes) - 1)
    return sorted_codes[where] == values


def _layout_column(node, path):
    for name in path:
        node = node.content(name)
    return np.asarray(node.data)


class _Records:
    """A batch of Pythia event records (``Pythia.nextBatch``) as flat numpy columns.

    Entry ``i`` of event ``e`` is row ``offsets[e] + i``. The columns are views of the
    awkward buffers (no copy); derived quantities are computed on the rows asked for.
    """

    def __init__(self, batch):
        import awkward as ak

        prt = batch.layout.content("prt")
        if not isinstance(prt, ak.contents.ListOffsetArray):
            prt = ak.to_packed(batch["prt"]).layout
        offsets = np.asarray(prt.offsets, dtype=np.int64)
        lo, hi = int(offsets[0]), int(offsets[-1])
        self.offsets = offsets - lo
        self.n_events = len(offsets) - 1
        try:
            column = {
                key: _layout_column(prt.content, path)[lo:hi]
                for key, path in _RECORD_COLUMNS.items()
            }
        except (AttributeError, KeyError, TypeError):  # not plain buffers: let awkward copy
            flat = ak.flatten(batch["prt"])
            column = {key: ak.to_numpy(flat[path]) for key, path in _RECORD_COLUMNS.items()}
        self.id, self.status, self.mother1 = column["id"], column["status"], column["mother1"]
        self.e, self.px, self.py, self.pz = column["e"], column["px"], column["py"], column["pz"]

    def event_of(self, rows: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.offsets, rows, side="right") - 1

    def mother_of(self, rows: np.ndarray) -> np.ndarray:
        """Row of the first mother; the event's entry 0 (the system) when there is none."""
        return self.mother1[rows] + self.offsets[self.event_of(rows)]

    def momenta(self, rows: np.ndarray) -> np.ndarray:
        """(E, px, py, pz) of the rows, float64 (n, 4)."""
        return np.stack([self.e[rows], self.px[rows], self.py[rows], self.pz[rows]], axis=-1)

    def y_phi(self, rows: np.ndarray):
        return _rapidity(self.e[rows], self.pz[rows]), np.arctan2(self.py[rows], self.px[rows])


_RECORD_COLUMNS = {
    "id": ("id",),
    "status": ("status",),
    "mother1": ("mother1",),
    "e": ("p", "e"),
    "px": ("p", "px"),
    "py": ("p", "py"),
    "pz": ("p", "pz"),
}


def _pad_by_event(event: np.ndarray, n_events: int, values: np.ndarray) -> np.ndarray:
    """Group rows of ``values`` (sorted by ``event``) into (n_events, k, ...), NaN-padded."""
    counts = np.bincount(event, minlength=n_events)
    width = max(int(counts.max()) if len(counts) else 0, 1)
    out = np.full((n_events, width, *values.shape[1:]), np.nan)
    starts = np.cumsum(counts) - counts
    out[event, np.arange(len(event)) - starts[event]] = values
    return out


def _hard_partons(records: _Records):
    """(event, (y, phi, |id|)) of the outgoing partons of the 2 -> 2 process.

    They are the entries with status (-)23 whose mother is an incoming parton (entries 3
    and 4 of Pythia's record), copied unchanged from the process record.
    """
    rows = np.flatnonzero(
        (np.abs(records.status) == 23) & (records.mother1 >= 1) & (records.mother1 <= 4)
    )
    y, phi = records.y_phi(rows)
    values = np.stack([y, phi, np.abs(records.id[rows]).astype(np.float64)], axis=-1)
    return records.event_of(rows), values


def _resonance_targets(process: str, records: _Records):
    """(event, directions) of each hadronic resonance a jet of ``process`` must contain.

    For each first-generation resonance (top; W or Z not from a top decay): the (y, phi)
    of the resonance as it decays and of the quarks it ends in (top: b, q, q'; W or Z:
    q, q'), read from the event record, so after initial-state recoil. ``directions`` has
    shape (n, 1 + n_quarks, 2).
    """
    wanted = _RESONANCE_ID[process]
    n_quarks = 3 if process == "top" else 2
    id_abs = np.abs(records.id)
    n = len(id_abs)
    # Follow copies (recoil, radiation: same code as the mother) back to the original entry.
    heavy = np.flatnonzero((id_abs == 6) | (id_abs == 23) | (id_abs == 24))
    heavy_mother = records.mother_of(heavy)
    copy = (records.mother1[heavy] > 0) & (records.id[heavy_mother] == records.id[heavy])
    root = np.arange(n)
    root[heavy] = np.where(copy, heavy_mother, heavy)
    while True:
        jumped = root[root[heavy]]
        if np.array_equal(jumped, root[heavy]):
            break
        root[heavy] = jumped
    # The copy that decays: the one without a copy of its own.
    has_copy = np.zeros(n, dtype=bool)
    has_copy[heavy_mother[copy]] = True
    last = heavy[~has_copy[heavy]]
    decaying = np.arange(n)
    decaying[root[last]] = last

    def is_target(rows):
        out = (records.status[rows] == -22) & (id_abs[rows] == wanted)
        if process != "top":  # a W from a top decay is not a W target
            out &= id_abs[records.mother_of(rows)] != 6
        return out

    # Quarks from the decay: status (-)23, whose mother (or grandmother, for the W of a
    # top) is a copy of a target.
    leaves = np.flatnonzero((np.abs(records.status) == 23) & (records.mother1 > 0))
    owner = np.full(len(leaves), -1)
    up = root[records.mother_of(leaves)]
    for _ in range(2):
        hit = (owner < 0) & is_target(up)
        owner[hit] = up[hit]
        up = root[records.mother_of(up)]
    keep = owner >= 0
    leaves, owner = leaves[keep], owner[keep]
    order = np.argsort(owner, kind="stable")
    leaves, owner = leaves[order], owner[order]
    targets, first, count = np.unique(owner, return_index=True, return_counts=True)
    complete = count == n_quarks
    targets, first = targets[complete], first[complete]
    members = np.concatenate(
        [decaying[targets][:, None], leaves[first[:, None] + np.arange(n_quarks)]], axis=1
    )
    y, phi = records.y_phi(members.ravel())
    directions = np.stack([y, phi], axis=-1).reshape(len(targets), n_quarks + 1, 2)
    return records.event_of(targets), directions


def _truth(process: str, records: _Records, radius: float):
    """Matching targets padded per event, and the events where a jet can match at all.

    Returns ``(targets, possible)``: for q and g the hard partons (n_events, k, 3); for
    top, w and z the directions (n_events, k, d, 2); ``None`` for qcd. ``possible`` marks
    the events worth clustering: one with no parton of the wanted kind, or no resonance
    whose directions are pairwise within 2 * radius (a jet axis within ``radius`` of all
    of them is then impossible), cannot give a jet of ``process``.
    """
    if process == "qcd":
        return None, np.ones(records.n_events, dtype=bool)
    possible = np.zeros(records.n_events, dtype=bool)
    if process in ("q", "g"):
        event, partons = _hard_partons(records)
        code = partons[:, 2]
        wanted = np.isin(code, list(_LIGHT_QUARKS)) if process == "q" else code == _GLUON
        possible[event[wanted]] = True
        return _pad_by_event(event, records.n_events, partons), possible
    event, directions = _resonance_targets(process, records)
    y, phi = directions[..., 0], directions[..., 1]
    pairwise = _delta_r2(y[:, :, None], phi[:, :, None], y[:, None, :], phi[:, None, :])
    possible[event[np.all(pairwise < (2 * radius) ** 2, axis=(1, 2))]] = True
    return _pad_by_event(event, records.n_events, directions), possible


def _matched(process: str, truth, radius: float, event, jet_y, jet_phi) -> np.ndarray:
    """Whether each candidate jet (of event ``event``) carries the label of ``process``."""
    if process == "qcd":
        return np.ones(len(event), dtype=bool)
    r2 = radius**2
    with np.errstate(invalid="ignore"):
        if process in ("q", "g"):
            partons = truth[event]  # (n, k, 3)
            d2 = _delta_r2(jet_y[:, None], jet_phi[:, None], partons[..., 0], partons[..., 1])
            d2 = np.where(np.isnan(d2), np.inf, d2)
            nearest = np.argmin(d2, axis=1)
            rows = np.arange(len(event))
            code = partons[rows, nearest, 2]
            wanted = np.isin(code, list(_LIGHT_QUARKS)) if process == "q" else code == _GLUON
            return (d2[rows, nearest] < r2) & wanted
        targets = truth[event]  # (n, k, d, 2); NaN padding never matches
        d2 = _delta_r2(
            jet_y[:, None, None], jet_phi[:, None, None], targets[..., 0], targets[..., 1]
        )
        return np.any(np.all(d2 < r2, axis=2), axis=1)


def _cluster(fastjet, jetdef, p, row_event, events, pt_lo):
    """Anti-kt jets above ``pt_lo`` of the particles ``p`` (E, px, py, pz) of ``events``.

    ``row_event`` is the event of each particle (non-decreasing). Returns the jets' (E, px,
    py, pz) (n_jets, 4), their event, and their constituents as rows of ``p``, flat in
    FastJet's order, with ``member_start`` and ``member_count`` per jet.
    """
    import awkward as ak

    if len(events) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return np.zeros((0, 4)), empty, empty, empty, empty
    local_event = np.searchsorted(events, row_event)
    offsets = np.zeros(len(events) + 1, dtype=np.int64)
    np.cumsum(np.bincount(local_event, minlength=len(events)), out=offsets[1:])
    fields = [np.ascontiguousarray(p[:, j]) for j in (1, 2, 3, 0)]
    array = ak.Array(
        ak.contents.ListOffsetArray(
            ak.index.Index64(offsets),
            ak.contents.RecordArray(
                [ak.contents.NumpyArray(f) for f in fields], ["px", "py", "pz", "E"]
            ),
        )
    )
    with no_fastjet_banner():
        sequence = fastjet.ClusterSequence(array, jetdef)
        jets = sequence.inclusive_jets(min_pt=pt_lo).layout
        members = sequence.constituent_index(min_pt=pt_lo).layout
    jets_per_event = np.diff(np.asarray(jets.offsets))
    momenta = np.stack([_layout_column(jets.content, (k,)) for k in ("E", "px", "py", "pz")], -1)
    jet_local_event = np.repeat(np.arange(len(events)), jets_per_event)
    inner = members.content
    member_offsets = np.asarray(inner.offsets, dtype=np.int64)
    member_count = np.diff(member_offsets)
    member_start = member_offsets[:-1] - member_offsets[0]
    # constituent_index numbers the particles of each event from 0.
    local = np.asarray(inner.content.data, dtype=np.int64)[member_offsets[0] : member_offsets[-1]]
    member_rows = local + np.repeat(offsets[jet_local_event], member_count)
    return momenta, events[jet_local_event], member_start, member_count, member_rows


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
    detector=None,
    particle_id: bool = False,
    report=None,
) -> dict:
    """Generate exactly ``n_jets`` accepted jets of one canonical process with one seed.

    Events come from Pythia in batches of awkward arrays (``Pythia.nextBatch``); particle
    selection, the detector (a :class:`~skjet.datasets.Detector` or None for hadron level),
    clustering (FastJet's multi-event interface) and truth matching work on whole batches.
    The detector's random numbers come from a stream derived from ``seed``. With
    ``particle_id`` the constituents carry the ``PARTICLE_FEATURES`` after the
    four-momentum. ``report(n)``, if given, is called with the jets accepted by each batch.
    """
    fastjet = import_optional("fastjet", purpose="generate_jets")

    pythia = _new_pythia(process, pt_range, sqrt_s, seed)
    invisible = _invisible_ids(pythia)
    charges = _detector.ChargeTable(pythia.particleData)
    rng = _detector.detector_rng(seed)
    n_features = len(_detector.PARTICLE_FEATURES) if particle_id else 0
    jetdef = fastjet.JetDefinition(fastjet.antikt_algorithm, float(radius))
    pt_lo, pt_hi = pt_range
    # |eta| < particle_eta_max  <=>  pz^2 < tanh(particle_eta_max)^2 |p|^2
    tanh2 = np.tanh(particle_eta_max) ** 2

    constituents = np.zeros((n_jets, max_constituents, 4 + n_features), dtype=np.float32)
    table = np.zeros((n_jets, len(_JET_COLUMNS)), dtype=np.float64)
    accepted = n_events = 0
    while accepted < n_jets:
        # Ask for a little fewer events than the missing jets need on average: the events
        # generated after the last accepted jet are wasted time, a few small batches at the
        # end cost little.
        missing = n_jets - accepted
        size = _FIRST_BATCH_EVENTS if n_events == 0 else _MAX_BATCH_EVENTS
        if accepted:
            expected = missing * n_events / accepted
            size = int(np.clip(np.ceil(0.8 * expected) + 2, 4, _MAX_BATCH_EVENTS))
        records = _Records(pythia.nextBatch(size, "skip"))  # failed events are skipped
        truth, possible = _truth(process, records, radius)
        # Visible final-state particles within the clustering acceptance, of the events
        # where a jet of the process is possible.
        rows = np.flatnonzero(records.status > 0)
        px, py, pz = records.px[rows], records.py[rows], records.pz[rows]
        keep = pz * pz < tanh2 * (px * px + py * py + pz * pz)
        keep &= ~_is_in(np.abs(records.id[rows]), invisible)
        rows = rows[keep]
        row_event = records.event_of(rows)
        if not possible.all():
            rows, row_event = rows[possible[row_event]], row_event[possible[row_event]]
        particles = records.momenta(rows)
        features = np.zeros((len(particles), 0), dtype=np.float32)
        if detector is not None:
            pdg = records.id[rows]
            row_event, particles, features = _detector.simulate(
                detector, rng, row_event, particles, pdg, charges(pdg)
            )
        elif particle_id:
            pdg = records.id[rows]
            features = _detector.truth_features(pdg, charges(pdg))
        momenta, jet_event, member_start, member_count, member_rows = _cluster(
            fastjet, jetdef, particles, row_event, np.flatnonzero(possible), pt_lo
        )

        # The two leading jets of each event are the candidates (a dijet-style selection).
        jet_pt = _fourvec.pt(momenta)
        order = np.lexsort((-jet_pt, jet_event))
        _, first, per_event = np.unique(jet_event[order], return_index=True, return_counts=True)
        rank = np.arange(len(order)) - np.repeat(first, per_event)
        jet_eta = _fourvec.eta(momenta)
        candidate = order[
            (rank < 2)
            & (jet_pt[order] >= pt_lo)
            & (jet_pt[order] < pt_hi)
            & (np.abs(jet_eta[order]) < eta_max)
        ]
        jet_phi = _fourvec.phi(momenta)
        jet_y = _rapidity(momenta[:, 0], momenta[:, 3])
        ok = _matched(
            process, truth, radius, jet_event[candidate], jet_y[candidate], jet_phi[candidate]
        )
        chosen = candidate[ok][:missing]
        if len(chosen) == missing:  # done: the events after the last jet's are not used
            n_events += int(jet_event[chosen[-1]]) + 1
        else:
            n_events += records.n_events

        # Constituents of the chosen jets, hardest first, truncated to max_constituents.
        n_members = member_count[chosen]
        first_member = np.cumsum(n_members) - n_members
        row = np.repeat(np.arange(len(chosen)), n_members)
        within = np.arange(len(row)) - first_member[row]
        member = member_rows[member_start[chosen][row] + within]
        member_p = particles[member]
        source, target = hardest_slots(_fourvec.pt(member_p), n_members, max_constituents)
        assert source is not None  # sorted by pT
        # a view (the rows of a C-contiguous array): the scatter fills ``constituents``
        out = constituents[accepted : accepted + len(chosen)].reshape(-1, 4 + n_features)
        out[target, :4] = member_p[source]
        if n_features:
            out[target, 4:] = features[member[source]]
        table[accepted : accepted + len(chosen)] = np.column_stack(
            [
                jet_pt[chosen],
                jet_eta[chosen],
                jet_phi[chosen],
                _fourvec.mass(momenta[chosen]),
                np.minimum(n_members, max_constituents),
                n_members,
            ]
        )
        accepted += len(chosen)
        if report is not None and len(chosen):
            report(len(chosen))
        if n_events >= _MIN_EVENTS_FOR_CHECK and accepted < _MIN_ACCEPTANCE * n_events:
            raise RuntimeError(
                f"generate_jets: only {accepted} {process!r} jets accepted in {n_events} events "
                f"(pt_range={pt_range}, eta_max={eta_max}, radius={radius}); the cuts are "
                "(nearly) impossible to satisfy."
            )
    return {"constituents": constituents, "table": table, "n_events": n_events}
