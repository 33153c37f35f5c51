"""Tests of generate_jets on small samples (a few hundred jets in all)."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from skjet.datasets import _generate, _pythia, generate_jets
from skjet.utils import n_constituents
from skjet.utils._fourvec import eta, jet_four_momentum, mass, phi, pt

HAVE_GENERATOR = all(importlib.util.find_spec(m) for m in ("pythia8mc", "fastjet"))
needs_generator = pytest.mark.skipif(
    not HAVE_GENERATOR, reason="pythia8mc and fastjet (skjet[generate]) not installed"
)

ALL = ("top", "qcd", "w", "z", "q", "g")
N_PER_PROCESS = 120


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    if not HAVE_GENERATOR:
        pytest.skip("pythia8mc and fastjet (skjet[generate]) not installed")
    return generate_jets(
        ALL,
        n_jets=N_PER_PROCESS,
        random_state=0,
        progress=False,
        cache=False,
        data_home=tmp_path_factory.mktemp("skjet_data"),
    )


@pytest.fixture
def data_home(tmp_path, monkeypatch):
    monkeypatch.setenv("SKJET_DATA_HOME", str(tmp_path))
    return tmp_path


def _fake_chunk(process, n_jets, seed, pt_range, eta_max, radius, max_constituents, *args):
    """Stand-in worker: deterministic synthetic jets, no Pythia."""
    rng = np.random.default_rng(seed)
    constituents = np.zeros((n_jets, max_constituents, 4), dtype=np.float32)
    constituents[:, 0] = rng.uniform(1, 2, size=(n_jets, 4))
    table = np.zeros((n_jets, len(_generate._JET_COLUMNS)))
    table[:, 0] = rng.uniform(*pt_range, size=n_jets)
    table[:, 4:] = 1
    return {"constituents": constituents, "table": table, "n_events": 2 * n_jets}


# --- layout -------------------------------------------------------------------------------


@needs_generator
def test_bunch_layout(sample):
    X = sample.constituents
    n = N_PER_PROCESS * len(ALL)
    assert X.dtype == np.float32
    assert X.shape == (n, 200, 4)
    assert isinstance(sample.target, np.ndarray) and sample.target.dtype.kind == "U"
    assert list(sample.target_names) == list(ALL)
    # Grouped by process, in the order requested.
    assert list(sample.target) == [p for p in ALL for _ in range(N_PER_PROCESS)]
    assert isinstance(sample.jets, pd.DataFrame)
    assert list(sample.jets.columns) == [
        "pt",
        "eta",
        "phi",
        "mass",
        "n_constituents",
        "n_constituents_total",
        "process",
    ]
    assert len(sample.jets) == n
    np.testing.assert_array_equal(sample.jets["process"].to_numpy(), sample.target)
    assert sample.settings["processes"] == list(ALL)
    assert sample.settings["n_jets"] == dict.fromkeys(ALL, N_PER_PROCESS)
    assert sample.settings["random_state"] == 0
    assert set(sample.n_events) == set(ALL)
    assert all(sample.n_events[p] >= N_PER_PROCESS / 2 for p in ALL)


@needs_generator
def test_padding_and_pt_order(sample):
    X = sample.constituents
    counts = sample.jets["n_constituents"].to_numpy()
    np.testing.assert_array_equal(n_constituents(X), counts)
    slots = np.arange(X.shape[1])
    real = slots[None, :] < counts[:, None]
    # Real rows are non-zero, padding rows all zero: the first zero row ends the jet.
    assert np.all(np.any(X != 0, axis=-1) == real)
    # Within the real rows, pT never increases.
    assert np.all(np.diff(pt(X), axis=1)[real[:, 1:]] <= 0)
    p_abs = np.linalg.norm(X[..., 1:].astype(np.float64), axis=-1)
    assert np.all(X[..., 0] >= p_abs * (1 - 1e-5) - 1e-4)
    assert np.all(counts <= 200)
    assert np.all(counts >= 2)


@needs_generator
def test_constituents_sum_to_jet(sample):
    jets = sample.jets
    full = jets["n_constituents"] == jets["n_constituents_total"]
    assert full.mean() > 0.99
    p = jet_four_momentum(sample.constituents[full.to_numpy()])
    sub = jets[full]
    np.testing.assert_allclose(pt(p), sub["pt"], rtol=1e-4)
    np.testing.assert_allclose(eta(p), sub["eta"], atol=1e-4)
    np.testing.assert_allclose(np.cos(phi(p) - sub["phi"]), 1.0, atol=1e-6)
    np.testing.assert_allclose(mass(p), sub["mass"], rtol=1e-2, atol=0.05)


@needs_generator
def test_kinematic_cuts(sample):
    jets = sample.jets
    assert jets["pt"].between(550, 650, inclusive="left").all()
    assert (jets["eta"].abs() < 2.0).all()


# --- physics ------------------------------------------------------------------------------


@needs_generator
def test_mass_medians(sample):
    median = sample.jets.groupby("process")["mass"].median()
    assert 150 < median["top"] < 195
    assert 65 < median["w"] < 100
    assert 75 < median["z"] < 105
    assert median["z"] > median["w"]
    # Measured at this size: qcd ~ 85, q ~ 57, g ~ 90 GeV.
    for light in ("qcd", "q", "g"):
        assert median[light] < 125, light
        assert median[light] < median["top"] - 40, light


@needs_generator
def test_multiplicities(sample):
    median = sample.jets.groupby("process")["n_constituents_total"].median()
    # Hadron level, no detector: measured ~ top 73, g 70, qcd 60, z 45, w 42, q 38.
    for process in ALL:
        assert 20 < median[process] < 150, process
    assert median["g"] > median["q"] + 10
    assert median["top"] > median["w"] + 10


# --- reproducibility, options -------------------------------------------------------------


@needs_generator
def test_n_jobs_does_not_change_the_sample(monkeypatch, data_home):
    monkeypatch.setattr(_generate, "_CHUNK_SIZE", 8)  # 3 chunks for the workers to share
    kwargs = dict(processes="qcd", n_jets=24, random_state=7, progress=False, cache=False)
    serial = generate_jets(n_jobs=1, **kwargs)
    parallel = generate_jets(n_jobs=2, **kwargs)
    np.testing.assert_array_equal(serial.constituents, parallel.constituents)
    pd.testing.assert_frame_equal(serial.jets, parallel.jets)
    assert serial.n_events == parallel.n_events
    other = generate_jets(n_jobs=1, **{**kwargs, "random_state": 8})
    assert not np.array_equal(serial.constituents, other.constituents)


@needs_generator
def test_sample_is_independent_of_other_processes(sample, data_home):
    # Seeds are keyed by process name and chunk: the first qcd jets do not depend on the
    # other processes requested nor on how many jets are asked for.
    alone = generate_jets("qcd", n_jets={"qcd": 10}, random_state=0, progress=False, cache=False)
    first = sample.target == "qcd"
    np.testing.assert_array_equal(alone.constituents, sample.constituents[first][:10])


@needs_generator
def test_t_is_an_alias_of_top(data_home):
    kwargs = dict(n_jets=8, random_state=3, progress=False, cache=False)
    top = generate_jets("top", **kwargs)
    t = generate_jets(("t",), **kwargs)
    np.testing.assert_array_equal(top.constituents, t.constituents)
    assert set(t.target) == {"t"} and list(t.target_names) == ["t"]
    assert set(top.target) == {"top"}


@needs_generator
def test_truncation_keeps_the_hardest(data_home):
    kwargs = dict(processes="qcd", n_jets=10, random_state=4, progress=False, cache=False)
    full = generate_jets(**kwargs)
    short = generate_jets(max_constituents=10, **kwargs)
    assert short.constituents.shape == (10, 10, 4)
    np.testing.assert_array_equal(short.constituents, full.constituents[:, :10])
    assert (short.jets["n_constituents"] == 10).all()
    pd.testing.assert_series_equal(
        short.jets["n_constituents_total"], full.jets["n_constituents_total"]
    )
    assert (short.jets["n_constituents_total"] > 10).all()
    # Jet kinematics describe the whole jet, not the stored slots.
    np.testing.assert_allclose(short.jets["mass"], full.jets["mass"])


@needs_generator
def test_cache_hit_returns_the_same_without_generating(monkeypatch, data_home):
    kwargs = dict(
        processes=("qcd", "w"), n_jets={"qcd": 6, "w": 4}, random_state=11, progress=False
    )
    first = generate_jets(**kwargs)
    files = list((data_home / "generated").glob("*.npz"))
    assert len(files) == 1

    def boom(*args, **kwargs):
        raise AssertionError("regenerated despite the cache")

    monkeypatch.setattr(_generate, "_generate_chunk", boom)
    second = generate_jets(**kwargs)
    np.testing.assert_array_equal(first.constituents, second.constituents)
    assert second.constituents.dtype == np.float32
    np.testing.assert_array_equal(first.target, second.target)
    np.testing.assert_array_equal(first.target_names, second.target_names)
    pd.testing.assert_frame_equal(first.jets, second.jets)
    assert first.settings == second.settings
    assert first.n_events == second.n_events
    X, y = generate_jets(return_X_y=True, **kwargs)
    np.testing.assert_array_equal(X, first.constituents)
    np.testing.assert_array_equal(y, first.target)
    # Any changed setting is a different cache entry; cache=False never reads it.
    with pytest.raises(AssertionError, match="regenerated"):
        generate_jets(**{**kwargs, "radius": 0.4})
    with pytest.raises(AssertionError, match="regenerated"):
        generate_jets(cache=False, **kwargs)


def test_no_cache_without_integer_seed(monkeypatch, data_home):
    monkeypatch.setattr(_generate, "_generate_chunk", _fake_chunk)
    monkeypatch.setattr(_generate, "import_optional", lambda *a, **k: None)
    generate_jets("qcd", n_jets=3, random_state=None, progress=False)
    generate_jets("qcd", n_jets=3, random_state=np.random.RandomState(0), progress=False)
    assert not list(data_home.rglob("*.npz"))
    generate_jets("qcd", n_jets=3, random_state=1, progress=False)
    assert len(list(data_home.rglob("*.npz"))) == 1


def test_interrupted_cache_write_leaves_no_file(monkeypatch, data_home):
    monkeypatch.setattr(_generate, "_generate_chunk", _fake_chunk)
    monkeypatch.setattr(_generate, "import_optional", lambda *a, **k: None)

    def interrupted(fh, arrays):
        fh.write(b"PK\x03\x04 half an archive")
        raise KeyboardInterrupt

    monkeypatch.setattr(_generate, "_save_npz", interrupted)
    with pytest.raises(KeyboardInterrupt):
        generate_jets("qcd", n_jets=3, random_state=2, progress=False)
    assert not [p for p in data_home.rglob("*") if p.is_file()]
    # The next call writes a complete file and a later call reads it back.
    monkeypatch.undo()
    monkeypatch.setenv("SKJET_DATA_HOME", str(data_home))
    monkeypatch.setattr(_generate, "_generate_chunk", _fake_chunk)
    monkeypatch.setattr(_generate, "import_optional", lambda *a, **k: None)
    made = generate_jets("qcd", n_jets=3, random_state=2, progress=False)
    read = generate_jets("qcd", n_jets=3, random_state=2, progress=False)
    np.testing.assert_array_equal(made.constituents, read.constituents)


def test_progress_bar(monkeypatch, data_home, capsys):
    monkeypatch.setattr(_generate, "_generate_chunk", _fake_chunk)
    monkeypatch.setattr(_generate, "import_optional", lambda *a, **k: None)
    generate_jets(("w", "z"), n_jets=2, cache=False, progress=True)
    err = capsys.readouterr().err
    assert "generate_jets" in err and "w=2" in err and "z=2" in err
    generate_jets(("w", "z"), n_jets=2, cache=False, progress=False)
    assert capsys.readouterr().err == ""


def test_chunks_and_seeds_do_not_depend_on_n_jobs(monkeypatch, data_home):
    calls = []

    def record(process, n_jets, seed, *args):
        calls.append((process, n_jets, seed))
        return _fake_chunk(process, n_jets, seed, *args)

    monkeypatch.setattr(_generate, "_generate_chunk", record)
    monkeypatch.setattr(_generate, "import_optional", lambda *a, **k: None)
    monkeypatch.setattr(_generate, "_CHUNK_SIZE", 4)
    out = generate_jets(
        ("t", "g"), n_jets={"t": 10, "g": 3}, random_state=5, cache=False, progress=False
    )
    assert [(p, n) for p, n, _ in calls] == [("top", 4), ("top", 4), ("top", 2), ("g", 3)]
    assert len({s for _, _, s in calls}) == 4
    assert all(1 <= s <= 900_000_000 for _, _, s in calls)
    assert out.constituents.shape == (13, 200, 4)
    assert list(out.target) == ["t"] * 10 + ["g"] * 3


# --- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(processes=("top", "higgs")), r"Unknown process.*'higgs'.*valid names"),
        (dict(processes=()), "processes is empty"),
        (dict(processes=("t", "top")), "same process twice"),
        (dict(n_jets=0), "n_jets must be a positive integer"),
        (dict(n_jets=-5), "n_jets must be a positive integer"),
        (dict(n_jets=2.5), "n_jets must be a positive integer"),
        (dict(n_jets={"top": 5}), r"missing \['qcd'\]"),
        (dict(n_jets={"top": 5, "qcd": 5, "w": 1}), r"unexpected \['w'\]"),
        (dict(n_jets={"top": 5, "qcd": 0}), r"n_jets\['qcd'\] must be a positive integer"),
        (dict(pt_range=(650, 550)), "0 < pt_min < pt_max"),
        (dict(pt_range=(-10, 550)), "0 < pt_min < pt_max"),
        (dict(pt_range=(550,)), "pair"),
        (dict(pt_range=(550, np.inf)), "finite"),
        (dict(pt_range=(8000, 9000)), "kinematic limit"),
        (dict(radius=0), r"'radius' parameter of generate_jets must be a float in the range \(0"),
        (dict(radius=-0.4), r"'radius' parameter .* range \(0(\.0)?, inf\)"),
        (dict(eta_max=0), r"'eta_max' parameter .* range \(0(\.0)?, inf\)"),
        (dict(max_constituents=0), r"'max_constituents' parameter .* int in the range \[1, inf\)"),
        (dict(sqrt_s=-1), r"'sqrt_s' parameter .* range \(0(\.0)?, inf\)"),
        (dict(n_jobs=0), r"'n_jobs' parameter .* \(-inf, -1\], an int in the range \[1, inf\) or None"),
        (dict(random_state=-1), r"'random_state' parameter .* int in the range \[0, "),
    ],
)
def test_argument_errors(kwargs, match, data_home):
    with pytest.raises(ValueError, match=match):
        generate_jets(**{"progress": False, **kwargs})


def test_missing_extra_names_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "pythia8mc", None)
    with pytest.raises(ImportError, match=r"generate_jets.*skjet\[generate\]"):
        generate_jets(n_jets=1, progress=False)


@needs_generator
def test_impossible_cuts_raise(monkeypatch, data_home):
    monkeypatch.setattr(_pythia, "_MIN_EVENTS_FOR_CHECK", 100)
    # Top jets with every decay product inside R=0.05 essentially never happen.
    with pytest.raises(RuntimeError, match="impossible"):
        generate_jets("top", n_jets=1, radius=0.05, random_state=0, progress=False, cache=False)


def test_unreadable_cache_is_regenerated_with_a_warning(tmp_path, monkeypatch):
    pytest.importorskip("pythia8mc")
    pytest.importorskip("fastjet")
    kwargs = dict(processes=("qcd",), n_jets=5, random_state=7, progress=False, data_home=tmp_path)
    first = generate_jets(**kwargs)
    (cache_file,) = (tmp_path / "generated").glob("*.npz")
    cache_file.write_bytes(b"not a zip archive")
    with pytest.warns(RuntimeWarning, match="unreadable or inconsistent"):
        again = generate_jets(**kwargs)
    np.testing.assert_array_equal(again.constituents, first.constituents)
    # The broken file was replaced by a readable one.
    np.testing.assert_array_equal(generate_jets(**kwargs).constituents, first.constituents)


# --- damaged or inconsistent caches -------------------------------------------------------


@pytest.fixture
def fake_generator(monkeypatch, data_home):
    """generate_jets with the synthetic worker; returns the call counter and the kwargs."""
    calls = []

    def counted(*args):
        calls.append(args[0])
        return _fake_chunk(*args)

    monkeypatch.setattr(_generate, "_generate_chunk", counted)
    monkeypatch.setattr(_generate, "import_optional", lambda *a, **k: None)
    kwargs = dict(processes=("w", "z"), n_jets={"w": 4, "z": 3}, random_state=9, progress=False)
    return calls, kwargs


def _only_cache_file(data_home):
    (path,) = (data_home / "generated").glob("*.npz")
    return path


def _regenerates(kwargs, calls, first, match="unreadable or inconsistent"):
    n_before = len(calls)
    with pytest.warns(RuntimeWarning, match=match):
        again = generate_jets(**kwargs)
    assert len(calls) > n_before  # regenerated, not read
    np.testing.assert_array_equal(again.constituents, first.constituents)
    pd.testing.assert_frame_equal(again.jets, first.jets)
    # The file was replaced by a good one: the next call reads it without a warning.
    n_before = len(calls)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read = generate_jets(**kwargs)
    assert len(calls) == n_before
    np.testing.assert_array_equal(read.constituents, first.constituents)


def test_empty_cache_file_is_regenerated(fake_generator, data_home):
    calls, kwargs = fake_generator
    first = generate_jets(**kwargs)
    _only_cache_file(data_home).write_bytes(b"")
    _regenerates(kwargs, calls, first, match="EOFError|ValueError|BadZipFile")


def test_damaged_compressed_member_is_regenerated(fake_generator, data_home):
    import zipfile

    calls, kwargs = fake_generator
    first = generate_jets(**kwargs)
    path = _only_cache_file(data_home)
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("constituents.npy")
    raw = bytearray(path.read_bytes())
    # Local header: 30 bytes, then the name and the extra field, then the deflated data.
    name_length, extra_length = np.frombuffer(
        raw[info.header_offset + 26 : info.header_offset + 30], "<u2"
    )
    start = info.header_offset + 30 + int(name_length) + int(extra_length)
    for k in range(start + info.compress_size // 3, start + info.compress_size // 3 + 16):
        raw[k] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(Exception) as direct:  # what every later call met before the fix
        with np.load(path) as data:
            data["constituents"]
    assert direct.type.__name__ in {"error", "BadZipFile", "ValueError", "EOFError"}
    _regenerates(kwargs, calls, first)


@pytest.mark.parametrize(
    "damage, reason",
    [
        ("fewer_jets", "constituents are float32"),
        ("wrong_names", "target_names"),
        ("jets_rows", "jets columns have different shapes"),
        ("n_constituents", "n_constituents"),
        ("other_settings", "settings differ"),
        ("n_events", "n_events"),
    ],
)
def test_inconsistent_cache_is_regenerated(fake_generator, data_home, damage, reason):
    import json

    calls, kwargs = fake_generator
    first = generate_jets(**kwargs)
    path = _only_cache_file(data_home)
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    if damage == "fewer_jets":  # a valid-looking file with one jet fewer everywhere
        arrays = {k: v[:-1] if v.ndim and k != "target_names" else v for k, v in arrays.items()}
    elif damage == "wrong_names":
        arrays["target_names"] = np.array(["w", "q"])
    elif damage == "jets_rows":
        arrays["jets_pt"] = arrays["jets_pt"][:-1]
    elif damage == "n_constituents":
        arrays["jets_n_constituents"] = arrays["jets_n_constituents"] + 1
    elif damage == "other_settings":
        settings = json.loads(str(arrays["settings"]))
        settings["radius"] = 0.4
        arrays["settings"] = np.array(json.dumps(settings))
    elif damage == "n_events":
        arrays["n_events"] = np.array(json.dumps({"w": 1, "z": 1}))
    with open(path, "wb") as fh:
        np.savez_compressed(fh, **arrays)
    _regenerates(kwargs, calls, first, match=reason)


def test_progress_bar_shows_rate_and_time_left(monkeypatch, data_home, capsys):
    monkeypatch.setattr(_generate, "_generate_chunk", _fake_chunk)
    monkeypatch.setattr(_generate, "import_optional", lambda *a, **k: None)
    generate_jets("qcd", n_jets=3, cache=False, progress=True)
    last = capsys.readouterr().err.replace("\r", "\n").strip().splitlines()[-1]
    # e.g. "generate_jets: 100%|####| 3/3 [00:00<00:00, 2.9e+03jet/s, qcd=3]"
    assert re.search(r"3/3 \[\d\d:\d\d<\d\d:\d\d, .*jet/s, qcd=3\]", last), last


@needs_generator
def test_progress_moves_within_a_chunk(monkeypatch, data_home):
    # One chunk, several batches of events: the bar is told after each batch.
    steps = []
    monkeypatch.setattr(_generate, "_advance", lambda bar, done, name, n: steps.append(n))
    generate_jets("qcd", n_jets=40, random_state=1, cache=False, progress=True, n_jobs=1)
    assert sum(steps) == 40
    assert len([n for n in steps if n]) >= 2


# --- truth from the event record ----------------------------------------------------------


@needs_generator
@pytest.mark.parametrize("process, per_event", [("top", 2), ("w", 1), ("z", 1)])
def test_resonance_targets_from_the_event_record(process, per_event):
    pythia = _pythia._new_pythia(process, (550.0, 650.0), 14000.0, seed=3)
    records = _pythia._Records(pythia.nextBatch(20))
    event, directions = _pythia._resonance_targets(process, records)
    # Hadronic decays are forced: every resonance ends in its quarks (t -> b q q', W/Z -> q q').
    n_quarks = 3 if process == "top" else 2
    assert directions.shape == (per_event * records.n_events, 1 + n_quarks, 2)
    np.testing.assert_array_equal(np.bincount(event), per_event)
    assert np.isfinite(directions).all()
    # Boosted (pT ~ 600 GeV): the quarks fly close to their resonance.
    y, phi = directions[..., 0], directions[..., 1]
    d2 = _pythia._delta_r2(y[:, :1], phi[:, :1], y[:, 1:], phi[:, 1:])
    assert np.median(np.sqrt(d2)) < 0.6


@needs_generator
def test_hard_partons_from_the_event_record():
    pythia = _pythia._new_pythia("qcd", (550.0, 650.0), 14000.0, seed=3)
    records = _pythia._Records(pythia.nextBatch(20))
    event, partons = _pythia._hard_partons(records)
    np.testing.assert_array_equal(np.bincount(event), 2)  # two outgoing partons per event
    assert set(partons[:, 2]) <= {1, 2, 3, 4, 5, 21}
    # Back to back in azimuth, before any shower.
    dphi = np.abs(_pythia._fourvec.delta_phi(partons[0::2, 1], partons[1::2, 1]))
    np.testing.assert_allclose(dphi, np.pi, atol=1e-6)


def test_worker_module_imports_no_heavy_dependencies():
    # Parallel workers import only the chunk module: a fresh worker must not pay for
    # scikit-learn, pandas or scipy (about a second each time a pool starts).
    code = (
        "import sys, skjet.datasets._pythia; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'sklearn', 'pandas', 'scipy', 'torch'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
