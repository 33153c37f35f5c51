import numpy as np
import pytest
from sklearn.metrics import roc_curve

from skjet.metrics import UndefinedMetricWarning, efficiency_at_rejection, rejection_at_efficiency


def _gaussian_sample(rng, n_signal, n_background, shift=1.0):
    y = np.r_[np.ones(n_signal, dtype=int), np.zeros(n_background, dtype=int)]
    score = np.r_[rng.normal(shift, 1.0, n_signal), rng.normal(0.0, 1.0, n_background)]
    return y, score


def test_hand_computed():
    # ROC points (tpr, fpr) by decreasing threshold: (1/3, 0), (1/3, 1/3), (2/3, 1/3),
    # (2/3, 2/3), (1, 2/3), (1, 1).
    y = np.array([0, 1, 0, 1, 0, 1])
    score = np.array([0.1, 0.9, 0.5, 0.6, 0.7, 0.3])
    assert rejection_at_efficiency(y, score, 0.5) == pytest.approx(3.0)
    # Between (2/3, 2/3) and (1, 2/3): flat at 2/3.
    assert rejection_at_efficiency(y, score, 0.9) == pytest.approx(1.5)
    # eps_S = 1 is reached first at eps_B = 2/3 (np.interp would give eps_B = 1).
    assert rejection_at_efficiency(y, score, 1.0) == pytest.approx(1.5)
    # Exactly on the eps_S = 2/3 plateau: the lowest eps_B, 1/3.
    assert rejection_at_efficiency(y, score, 2 / 3) == pytest.approx(3.0)


def test_linear_interpolation_between_points():
    # Signal 0.9, 0.4; background 0.8, 0.1 -> (tpr, fpr): (.5, 0), (.5, .5), (1, .5), (1, 1):
    # the segment from the end of the tpr = .5 plateau is flat at eps_B = .5.
    assert rejection_at_efficiency([1, 1, 0, 0], [0.9, 0.4, 0.8, 0.1], 0.75) == pytest.approx(2.0)
    # A tie of a signal and a background score makes a sloped segment: signal 0.9, 0.5;
    # background 0.5, 0.1 -> (.5, 0), (1, .5), (1, 1).
    y = [1, 1, 0, 0]
    score = [0.9, 0.5, 0.5, 0.1]
    assert rejection_at_efficiency(y, score, 0.75) == pytest.approx(4.0)  # eps_B = .25
    assert rejection_at_efficiency(y, score, 0.6) == pytest.approx(10.0)  # eps_B = .1
    assert rejection_at_efficiency(y, score, 1.0) == pytest.approx(2.0)


def test_matches_np_interp_convention(rng):
    y, score = _gaussian_sample(rng, 3000, 5000)
    fpr, tpr, _ = roc_curve(y, score, drop_intermediate=False)
    efficiency = rng.uniform(0.05, 0.999, size=50)  # off the tpr grid k / 3000 almost surely
    expected = 1.0 / np.interp(efficiency, tpr, fpr)
    np.testing.assert_allclose(rejection_at_efficiency(y, score, efficiency), expected, rtol=1e-12)


def test_matches_independent_quantile_computation(rng):
    n = 20000
    y, score = _gaussian_sample(rng, n, n)
    signal_desc = np.sort(score[y == 1])[::-1]
    background = score[y == 0]
    for efficiency in (0.3, 0.5, 0.8, 0.99):
        threshold = signal_desc[int(np.ceil(efficiency * n)) - 1]
        eps_b = np.mean(background >= threshold)
        got = 1.0 / rejection_at_efficiency(y, score, efficiency)
        assert got == pytest.approx(eps_b, abs=2e-3)


def test_scalar_and_array_outputs(rng):
    y, score = _gaussian_sample(rng, 200, 200)
    assert isinstance(rejection_at_efficiency(y, score, 0.5), float)
    out = rejection_at_efficiency(y, score, [0.3, 0.5, 0.99])
    assert isinstance(out, np.ndarray) and out.shape == (3,)
    assert out[0] > out[1] > out[2] >= 1.0
    assert out[1] == rejection_at_efficiency(y, score, 0.5)


def test_integer_weights_equal_repeated_rows(rng):
    y, score = _gaussian_sample(rng, 150, 250)
    weight = rng.integers(0, 4, size=y.size)
    efficiency = [0.3, 0.5, 0.7, 0.99]
    weighted = rejection_at_efficiency(y, score, efficiency, sample_weight=weight)
    repeated = rejection_at_efficiency(np.repeat(y, weight), np.repeat(score, weight), efficiency)
    np.testing.assert_allclose(weighted, repeated, rtol=1e-12)
    assert not np.allclose(weighted, rejection_at_efficiency(y, score, efficiency))
    np.testing.assert_allclose(
        efficiency_at_rejection(y, score, [2.0, 10.0], sample_weight=weight),
        efficiency_at_rejection(np.repeat(y, weight), np.repeat(score, weight), [2.0, 10.0]),
        rtol=1e-12,
    )


def test_independent_of_label_names_and_order(rng):
    y, score = _gaussian_sample(rng, 300, 400)
    reference = rejection_at_efficiency(y, score, [0.3, 0.7])
    for signal_name, background_name in (("top", "qcd"), ("a_top", "qcd"), ("sig", "bkg")):
        labels = np.where(y == 1, signal_name, background_name)
        np.testing.assert_array_equal(
            rejection_at_efficiency(labels, score, [0.3, 0.7], pos_label=signal_name), reference
        )
    # The signal as label 0: pos_label=0 with the negated labels.
    np.testing.assert_array_equal(
        rejection_at_efficiency(1 - y, score, [0.3, 0.7], pos_label=0), reference
    )
    # Row order does not matter.
    perm = rng.permutation(y.size)
    np.testing.assert_allclose(rejection_at_efficiency(y[perm], score[perm], [0.3, 0.7]), reference)


def test_boolean_and_pm_one_labels(rng):
    y, score = _gaussian_sample(rng, 100, 100)
    reference = rejection_at_efficiency(y, score)
    assert rejection_at_efficiency(y.astype(bool), score) == reference
    assert rejection_at_efficiency(2 * y - 1, score) == reference


def test_infinite_rejection_warns():
    y = [0, 0, 1, 1]
    score = [0.1, 0.2, 0.8, 0.9]
    with pytest.warns(UndefinedMetricWarning, match="background efficiency is zero"):
        assert rejection_at_efficiency(y, score, 0.5) == np.inf
    with pytest.warns(UndefinedMetricWarning):
        out = rejection_at_efficiency(y, score, [0.5, 1.0])
    assert out[0] == np.inf and out[1] == np.inf


def test_efficiency_at_rejection_hand_and_roundtrip(rng):
    y = [0, 0, 0, 0, 1, 1, 1, 1]
    score = [0.1, 0.2, 0.3, 0.75, 0.4, 0.7, 0.8, 0.9]
    # points (tpr, fpr): (.25,0), (.5,0), (.5,.25), (.75,.25), (1,.25), (1,.5), ...
    assert efficiency_at_rejection(y, score, 4.0) == 1.0  # best eps_S at eps_B = .25
    assert efficiency_at_rejection(y, score, 8.0) == 0.5  # between (.5, 0) and (.5, .25)
    assert efficiency_at_rejection(y, score, 1.0) == 1.0

    y, score = _gaussian_sample(rng, 4000, 4000)
    efficiency = np.array([0.2, 0.5, 0.9])
    rejection = rejection_at_efficiency(y, score, efficiency)
    np.testing.assert_allclose(efficiency_at_rejection(y, score, rejection), efficiency, atol=1e-3)
    assert isinstance(efficiency_at_rejection(y, score, 3.0), float)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"y_true": [0, 1, 1], "y_score": [0.1, 0.2]}, "y_true has 3 samples but y_score has 2"),
        ({"y_true": [1, 1, 1], "y_score": [0.1, 0.2, 0.3]}, "single class"),
        ({"y_true": [0, 1, 2], "y_score": [0.1, 0.2, 0.3]}, "3 classes"),
        ({"y_true": ["qcd", "top"], "y_score": [0.1, 0.2]}, "pass pos_label"),
        ({"y_true": ["qcd", "top"], "y_score": [0.1, 0.2], "pos_label": "w"}, "pos_label='w'"),
        ({"y_true": [0, 1, 1], "y_score": [0.1, np.nan, 0.3]}, "y_score contains 1 NaN"),
        ({"y_true": [0, 1, 1], "y_score": [0.1, np.inf, 0.3]}, "1 infinite"),
        ({"y_true": [0, 1], "y_score": [[0.9, 0.1], [0.2, 0.8]]}, "signal column"),
        ({"y_true": [[0, 1]], "y_score": [0.1, 0.2]}, "y_true must be 1-D"),
        ({"y_true": [0, 1], "y_score": ["a", "b"]}, "y_score must be numeric"),
        ({"y_true": [], "y_score": []}, "empty"),
        ({"y_true": [0, 1], "y_score": [0.1, 0.2], "efficiency": 0.0}, r"\(0, 1\]"),
        ({"y_true": [0, 1], "y_score": [0.1, 0.2], "efficiency": 1.5}, r"\(0, 1\]"),
        ({"y_true": [0, 1], "y_score": [0.1, 0.2], "efficiency": [0.5, -0.1]}, r"\[-0.1\]"),
        ({"y_true": [0, 1], "y_score": [0.1, 0.2], "efficiency": np.nan}, r"\(0, 1\]"),
        (
            {"y_true": [0, 1], "y_score": [0.1, 0.2], "sample_weight": [1.0]},
            "sample_weight has shape",
        ),
        ({"y_true": [0, 1], "y_score": [0.1, 0.2], "sample_weight": [1.0, -1.0]}, "total signal weight is not positive"),
        (
            {"y_true": [0, 1], "y_score": [0.1, 0.2], "sample_weight": [1.0, np.nan]},
            "sample_weight contains",
        ),
        (
            {"y_true": [0, 1], "y_score": [0.1, 0.2], "sample_weight": [0.0, 1.0]},
            "total background weight",
        ),
    ],
)
def test_rejection_validation(kwargs, match):
    with pytest.raises(ValueError, match=match):
        rejection_at_efficiency(**kwargs)


@pytest.mark.parametrize("rejection", [0.5, np.inf, np.nan, [2.0, 0.9]])
def test_efficiency_at_rejection_validation(rejection):
    with pytest.raises(ValueError, match="rejection must be finite and >= 1"):
        efficiency_at_rejection([0, 1], [0.1, 0.2], rejection)
