"""The statistical uncertainty of the background rejection, and negative event weights."""

import warnings

import numpy as np
import pytest
from scipy import stats
from sklearn.base import BaseEstimator, ClassifierMixin

from skjet.metrics import (
    RejectionInterval,
    UndefinedMetricWarning,
    efficiency_at_rejection,
    get_scorer,
    projected_roc_auc,
    rejection_at_efficiency,
)

ONE_SIGMA = 0.6827


def _flat_roc(k, n, n_signal=100):
    """k of n background jets above every signal jet, the rest below: eps_B = k / n for
    every signal efficiency, so the threshold's own uncertainty is zero."""
    y = np.r_[np.ones(n_signal, int), np.zeros(n, int)]
    score = np.r_[np.linspace(0.4, 1.0, n_signal), np.full(k, 2.0), np.full(n - k, 0.0)]
    return y, score


@pytest.mark.parametrize("k, n", [(1, 240), (20, 200), (57, 300)])
def test_clopper_pearson_is_the_exact_binomial_interval(k, n):
    y, score = _flat_roc(k, n)
    r = rejection_at_efficiency(y, score, 0.5, return_interval=True)
    assert isinstance(r, RejectionInterval)
    assert r.rejection == pytest.approx(n / k)
    assert (r.n_background, r.n_passing) == pytest.approx((n, k))
    eps_high, eps_low = 1 / r.low, 1 / r.high
    alpha = 1 - ONE_SIGMA
    # Direct binomial sums: at the upper edge P(X <= k) = alpha / 2, at the lower P(X >= k).
    assert stats.binom.cdf(k, n, eps_high) == pytest.approx(alpha / 2, rel=1e-6)
    assert stats.binom.sf(k - 1, n, eps_low) == pytest.approx(alpha / 2, rel=1e-6)


def test_wilson_interval():
    k, n = 20, 200
    y, score = _flat_roc(k, n)
    r = rejection_at_efficiency(y, score, 0.5, return_interval=True, method="wilson")
    z, p = stats.norm.ppf(0.5 + ONE_SIGMA / 2), k / n
    # The Wilson bounds solve |p - eps| = z sqrt(eps (1 - eps) / n).
    for eps in (1 / r.low, 1 / r.high):
        assert abs(p - eps) == pytest.approx(z * np.sqrt(eps * (1 - eps) / n), rel=1e-9)


def test_no_background_jet_passes_gives_a_lower_limit():
    y, score = _flat_roc(0, 240)
    with pytest.warns(UndefinedMetricWarning):
        r = rejection_at_efficiency(y, score, 0.5, return_interval=True)
    assert np.isinf(r.rejection) and np.isinf(r.high)
    alpha = 1 - ONE_SIGMA
    assert r.low == pytest.approx(1 / (1 - (alpha / 2) ** (1 / 240)))
    assert r.n_passing == 0


def test_interval_contains_the_value_and_shrinks_with_more_jets(rng):
    def sample(n):
        y = np.r_[np.ones(n, int), np.zeros(n, int)]
        return y, np.r_[rng.normal(1.5, 1, n), rng.normal(0, 1, n)]

    small = rejection_at_efficiency(*sample(300), [0.3, 0.5, 0.8], return_interval=True)
    large = rejection_at_efficiency(*sample(30000), [0.3, 0.5, 0.8], return_interval=True)
    for r in (small, large):
        assert np.all((r.low < r.rejection) & (r.rejection < r.high))
        np.testing.assert_allclose(r.background_efficiency, 1 / r.rejection)
    assert np.all(large.high / large.low < small.high / small.low)
    np.testing.assert_allclose(
        large.rejection, 1 / stats.norm.sf(stats.norm.isf([0.3, 0.5, 0.8]) + 1.5), rtol=0.05
    )


def test_the_threshold_uncertainty_widens_the_interval(rng):
    # Few signal jets: the measured eps_S misses the target, eps_B moves along the curve.
    y = np.r_[np.ones(30, int), np.zeros(3000, int)]
    score = np.r_[rng.normal(1.0, 1, 30), rng.normal(0, 1, 3000)]
    r = rejection_at_efficiency(y, score, 0.5, return_interval=True)
    k, n = r.n_passing, r.n_background
    alpha = 1 - ONE_SIGMA
    binomial_only = (stats.beta.ppf(alpha / 2, k, n - k + 1), stats.beta.ppf(1 - alpha / 2, k + 1, n - k))
    assert 1 / r.high < binomial_only[0] and 1 / r.low > binomial_only[1]


@pytest.mark.parametrize(
    "n_signal, n_background, weights, method",
    [
        (200, 400, "unit", "clopper-pearson"),
        (200, 400, "unit", "wilson"),
        (40, 2000, "unit", "clopper-pearson"),  # the threshold dominates
        (300, 600, "negative", "clopper-pearson"),  # 20 % of the jets weigh -0.5
    ],
)
def test_toy_coverage(n_signal, n_background, weights, method):
    # Signal N(1, 1), background N(0, 1): at eps_S = 0.5 the threshold is 1 and the true
    # rejection 1 / Phi(-1) = 6.3. Repeated small test sets: the quoted 68 % interval
    # covers it at close to its nominal rate (Clopper-Pearson is conservative).
    rng = np.random.default_rng(7)
    true_rejection = 1 / stats.norm.sf(1.0)
    y = np.r_[np.ones(n_signal, int), np.zeros(n_background, int)]
    n_toys, covered = 400, 0
    for _ in range(n_toys):
        score = np.r_[rng.normal(1.0, 1, n_signal), rng.normal(0, 1, n_background)]
        w = None
        if weights == "negative":
            w = np.where(rng.random(y.size) < 0.2, -0.5, 1.5)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UndefinedMetricWarning)
            r = rejection_at_efficiency(y, score, 0.5, sample_weight=w, return_interval=True,
                                        method=method)
        covered += r.low <= true_rejection <= r.high
    # 400 toys: the binomial spread of the coverage is 0.023.
    assert 0.62 < covered / n_toys < 0.82


def test_weighted_effective_counts():
    y, score = _flat_roc(20, 200)
    unit = rejection_at_efficiency(y, score, 0.5, return_interval=True)
    # A common scale changes nothing.
    scaled = rejection_at_efficiency(y, score, 0.5, sample_weight=np.full(y.size, 3.7),
                                     return_interval=True)
    np.testing.assert_allclose(scaled, unit)
    # Weight 2 on every jet but half as many jets: half the effective counts.
    y2, score2 = _flat_roc(10, 100, n_signal=50)
    doubled = rejection_at_efficiency(y2, score2, 0.5, sample_weight=np.full(y2.size, 2.0),
                                      return_interval=True)
    assert (doubled.n_background, doubled.n_passing) == pytest.approx((100, 10))
    assert doubled.rejection == unit.rejection and doubled.high > unit.high


def test_negative_weight_effective_count_formula():
    rng = np.random.default_rng(3)
    y, score = _flat_roc(60, 300)
    w = np.where(rng.random(y.size) < 0.25, -1.0, 2.0)
    r = rejection_at_efficiency(y, score, 0.5, sample_weight=w, return_interval=True)
    back = y == 0
    passing = back & (score > 1.5)
    eps = w[passing].sum() / w[back].sum()
    variance = ((1 - eps) ** 2 * (w[passing] ** 2).sum()
                + eps**2 * (w[back & ~passing] ** 2).sum()) / w[back].sum() ** 2
    assert r.rejection == pytest.approx(1 / eps)
    assert r.n_background == pytest.approx(eps * (1 - eps) / variance)
    assert r.n_passing == pytest.approx(eps * r.n_background)
    # The plain call gives the same value.
    assert rejection_at_efficiency(y, score, 0.5, sample_weight=w) == pytest.approx(1 / eps)


def test_negative_weights_read_where_the_efficiency_first_reaches_the_target():
    # By falling threshold: signal +1, signal -1 (eps_S back to 0), two background jets
    # (+1 each, eps_B 1/4 then 1/2), signal +1, signal +1, background +2.
    y = [1, 1, 0, 0, 1, 1, 0]
    score = [7, 6, 5, 4, 3, 2, 1]
    w = [1.0, -1.0, 1.0, 1.0, 1.0, 1.0, 2.0]
    # Total signal weight 2, so eps_S runs 1/2, 0, 0, 0, 1/2, 1, 1 and eps_B 0, 0, 1/4,
    # 1/2, 1/2, 1/2, 1. eps_S = 1 is first reached at score 2, with eps_B = 1/2.
    assert rejection_at_efficiency(y, score, 1.0, sample_weight=w) == pytest.approx(2.0)
    # eps_S = 3/4 is first crossed between scores 3 and 2, where eps_B stays 1/2.
    assert rejection_at_efficiency(y, score, 0.75, sample_weight=w) == pytest.approx(2.0)
    # eps_B = 1/4 is first reached at score 5, where the -1 has cancelled the signal.
    assert efficiency_at_rejection(y, score, 4.0, sample_weight=w) == pytest.approx(0.0)


def test_auc_with_negative_weights_is_the_weighted_mann_whitney_statistic():
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 300)
    score = np.round(rng.normal(size=300) + y, 1)  # ties count one half
    w = np.where(rng.random(300) < 0.2, -0.5, 1.5)
    s, b = y == 1, y == 0
    pair = w[s][:, None] * w[b][None, :]
    greater = score[s][:, None] > score[b][None, :]
    tie = score[s][:, None] == score[b][None, :]
    expected = (pair * (greater + 0.5 * tie)).sum() / (w[s].sum() * w[b].sum())

    class Fixed(ClassifierMixin, BaseEstimator):  # a fitted classifier with given scores
        classes_ = np.array([0, 1])

        def decision_function(self, X):
            return score

    got = get_scorer("roc_auc")(Fixed(), np.zeros((300, 1)), y, sample_weight=w)
    assert got == pytest.approx(expected, rel=1e-12)
    proba = np.c_[1 - (score - score.min()) / np.ptp(score), (score - score.min()) / np.ptp(score)]
    assert projected_roc_auc(y, proba, [0, 1], signal=1, sample_weight=w) == pytest.approx(expected)


@pytest.mark.parametrize(
    "kwargs, match",
    [({"confidence_level": 1.0}, "confidence_level"), ({"method": "jeffreys"}, "method")],
)
def test_interval_options_are_checked(kwargs, match):
    y, score = _flat_roc(20, 200)
    with pytest.raises(ValueError, match=match):
        rejection_at_efficiency(y, score, 0.5, return_interval=True, **kwargs)
