import numpy as np
import pytest
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate

from skjet.metrics import (
    distance_correlation,
    get_scorer,
    jsd_at_efficiency,
    make_jsd_scorer,
)


def _reference_dcor(x, y, w=None):
    """Direct O(n^2) weighted V-statistic: full matrices, no blocks, numpy only."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    p = np.ones(len(x)) if w is None else np.asarray(w, float)
    p = p / p.sum()

    def centred(v):
        a = np.abs(v[:, None] - v[None, :])
        row = a @ p
        return a - row[:, None] - row[None, :] + p @ row

    A, B = centred(x), centred(y)
    pp = np.outer(p, p)
    dxy, dxx, dyy = (pp * A * B).sum(), (pp * A * A).sum(), (pp * B * B).sum()
    return np.sqrt(dxy / np.sqrt(dxx * dyy))


@pytest.mark.parametrize("n", [7, 300, 2500])  # 2500 > one block of rows
def test_distance_correlation_matches_direct_formula(rng, n):
    x = rng.normal(size=n)
    y = np.sin(3 * x) + 0.3 * rng.normal(size=n)
    w = rng.uniform(0.1, 3.0, size=n)
    assert distance_correlation(x, y) == pytest.approx(_reference_dcor(x, y), rel=1e-9)
    assert distance_correlation(x, y, sample_weight=w) == pytest.approx(
        _reference_dcor(x, y, w), rel=1e-9
    )


def test_distance_correlation_matches_dcor(rng):
    dcor = pytest.importorskip("dcor")
    x = rng.exponential(size=400)
    y = (x - 1) ** 2 + rng.normal(size=400)
    assert distance_correlation(x, y) == pytest.approx(dcor.distance_correlation(x, y), rel=1e-9)


def test_integer_weights_are_repetitions(rng):
    x, y = rng.normal(size=60), rng.normal(size=60)
    y = y + x**2
    w = rng.integers(1, 4, size=60)
    expected = distance_correlation(np.repeat(x, w), np.repeat(y, w))
    assert distance_correlation(x, y, sample_weight=w) == pytest.approx(expected, rel=1e-9)


def test_distance_correlation_limits(rng):
    x = rng.normal(size=3000)
    assert distance_correlation(x, 2.5 * x - 7) == pytest.approx(1.0, abs=1e-9)
    assert distance_correlation(x, -x) == pytest.approx(1.0, abs=1e-9)
    # independent: only the finite-sample bias, which falls like 1/sqrt(n)
    small = distance_correlation(x, rng.normal(size=3000))
    assert small < 0.06
    dependent = distance_correlation(x, x**2)  # Pearson's correlation is ~0 here
    assert abs(np.corrcoef(x, x**2)[0, 1]) < 0.1 and dependent > 0.4
    assert distance_correlation(x, np.ones_like(x)) == 0.0


def test_distance_correlation_errors():
    with pytest.raises(ValueError, match="x has 3 samples but y has 2"):
        distance_correlation([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="negative"):
        distance_correlation([1, 2, 3], [1, 2, 4], sample_weight=[1, -1, 1])
    with pytest.raises(ValueError, match="y contains NaN|NaN"):
        distance_correlation([1, 2, 3], [1, np.nan, 4])


def test_jsd_disjoint_and_flat(rng):
    n = 10_000
    y = np.repeat([0, 1], n)
    mass = rng.uniform(0, 200, size=2 * n)
    # background passes exactly when its mass is above the cut: disjoint histograms, JSD 1
    score = np.where(y == 1, 1e3 + rng.uniform(size=2 * n), mass)
    score[y == 1] = np.r_[np.full(n // 2, 150.0), np.full(n - n // 2, 50.0)]
    bins = np.linspace(0, 200, 21)
    assert jsd_at_efficiency(y, score, mass, efficiency=0.5, bins=bins) == pytest.approx(1.0)
    # a score independent of the mass: small, and unchanged by a monotonic transformation
    flat = rng.normal(size=2 * n) + y
    value = jsd_at_efficiency(y, flat, mass, bins=bins)
    assert 0 < value < 5e-3
    assert jsd_at_efficiency(y, np.exp(flat), mass, bins=bins) == pytest.approx(value)


def test_jsd_known_value():
    # background masses 0,0,1,1 with scores: pass (score >= cut) = {0, 1} -> hist [1, 1]/2,
    # fail = {0, 1} -> same: JSD 0; then make the passing jets all at mass 0
    y = np.array([0, 0, 0, 0, 1, 1])
    mass = np.array([0.2, 0.2, 0.8, 0.8, 0.5, 0.5])
    score = np.array([0.9, 0.1, 0.9, 0.1, 0.5, 0.5])
    assert jsd_at_efficiency(y, score, mass, efficiency=0.5, bins=[0, 0.5, 1]) == 0.0
    score = np.array([0.9, 0.9, 0.1, 0.1, 0.5, 0.5])
    assert jsd_at_efficiency(y, score, mass, efficiency=0.5, bins=[0, 0.5, 1]) == 1.0
    # weights: one passing jet at high mass with weight 1 of 4 -> p = [3/4, 1/4], q = [0, 1]
    score = np.array([0.9, 0.9, 0.9, 0.1, 0.5, 0.5])
    w = np.array([3.0, 0.0, 1.0, 1.0, 1.0, 1.0])
    p, q = np.array([0.75, 0.25]), np.array([0.0, 1.0])
    m = (p + q) / 2
    expected = 0.5 * np.sum(p * np.log2(p / m)) + 0.5 * q[1] * np.log2(q[1] / m[1])
    got = jsd_at_efficiency(y, score, mass, efficiency=0.5, bins=[0, 0.5, 1], sample_weight=w)
    assert got == pytest.approx(expected)


def test_jsd_errors(rng):
    y = np.repeat([0, 1], 50)
    s, m = rng.normal(size=100), rng.normal(size=100)
    with pytest.raises(ValueError, match=r"'efficiency' parameter .* must be a float in the "
                       r"range \(0(\.0)?, 1(\.0)?\)"):
        jsd_at_efficiency(y, s, m, efficiency=1.0)
    with pytest.raises(ValueError, match="target has 99 samples"):
        jsd_at_efficiency(y, s, m[:-1])
    with pytest.raises(ValueError, match="bins must be"):
        jsd_at_efficiency(y, s, m, bins=[1, 0, 2])
    perfect = y + 0.0  # every background jet fails the cut
    with pytest.raises(ValueError, match="No background weight passes the cut"):
        jsd_at_efficiency(y, perfect, m)


def _toy(rng, n=1200):
    """One informative feature, one mass-like feature that also separates the classes."""
    y = np.repeat([0, 1], n // 2)
    mass = np.where(y == 1, rng.normal(170, 20, n), rng.exponential(60, n))
    X = np.c_[rng.normal(size=n) + y, mass / 100]
    return X, y, mass


def test_jsd_scorer_target_from_keyword_and_from_constituents(rng):
    X, y, mass = _toy(rng)
    clf = LogisticRegression().fit(X, y)
    scorer = make_jsd_scorer(efficiency=0.5, bins=np.linspace(0, 300, 31))
    score = clf.predict_proba(X)[:, 1]
    expected = 1 / jsd_at_efficiency(y, score, mass, bins=np.linspace(0, 300, 31))
    assert scorer(clf, X, y, decorrelation_target=mass) == pytest.approx(expected)
    assert repr(get_scorer("inv_jsd50")) == "make_jsd_scorer(efficiency=0.5, bins=50)"
    with pytest.raises(ValueError, match="pass the target explicitly"):
        scorer(clf, X, y)


def test_jsd_scorer_jet_mass_of_constituents(top_qcd_sample):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skjet.features import JetKinematics, JetMass

    X, y = top_qcd_sample.constituents, top_qcd_sample.target
    pipe = make_pipeline(JetKinematics(), StandardScaler(), LogisticRegression()).fit(X, y)
    scorer = make_jsd_scorer()
    mass = JetMass().fit_transform(X)[:, 0]
    assert scorer(pipe, X, y) == pytest.approx(scorer(pipe, X, y, decorrelation_target=mass))


def test_jsd_scorer_in_grid_search_with_routing(rng):
    X, y, mass = _toy(rng)
    with sklearn.config_context(enable_metadata_routing=True):
        scorer = make_jsd_scorer(efficiency=0.5).set_score_request(decorrelation_target=True)
        search = GridSearchCV(
            LogisticRegression(),
            {"C": [1e-4, 10.0]},
            scoring={"inv_jsd": scorer, "roc_auc": "roc_auc"},
            refit="inv_jsd",
            cv=StratifiedKFold(3),
        ).fit(X, y, decorrelation_target=mass)
        cv = cross_validate(
            LogisticRegression(C=10.0), X, y, scoring=scorer, cv=3,
            params={"decorrelation_target": mass},
        )
    # the strongly regularised model barely uses the mass column: less sculpting
    assert search.best_params_ == {"C": 1e-4}
    assert np.all(np.isfinite(cv["test_score"])) and np.all(cv["test_score"] > 1)
