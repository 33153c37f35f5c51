import math
import warnings

import numpy as np
import pytest

from skjet.metrics import (
    SIGNIFICANCE_FORMULAS,
    SignificanceResult,
    UndefinedMetricWarning,
    max_significance,
    significance,
)


def _brute_force(y, score, weight, formula, cross_sections=None):
    """Loop over every distinct threshold, selection score >= threshold."""
    best = (-np.inf, None)
    total_s, total_b = weight[y == 1].sum(), weight[y == 0].sum()
    for threshold in np.unique(score)[::-1]:
        selected = score >= threshold
        s = weight[selected & (y == 1)].sum()
        b = weight[selected & (y == 0)].sum()
        if cross_sections is not None:
            sigma_s, sigma_b, lumi = cross_sections
            s, b = sigma_s * lumi * s / total_s, sigma_b * lumi * b / total_b
        z = float(significance(s, b, formula))
        if z > best[0]:
            best = (z, threshold)
    return best


def test_existing_significance_function_unchanged():
    assert SIGNIFICANCE_FORMULAS == ("s/sqrt(s+b)", "s/sqrt(b)", "asimov")
    assert float(significance(10.0, 90.0)) == 1.0
    assert float(significance(10.0, 100.0, "s/sqrt(b)")) == 1.0
    expected = math.sqrt(2 * ((10 + 100) * math.log(1 + 10 / 100) - 10))
    assert float(significance(10.0, 100.0, "asimov")) == pytest.approx(expected)


def test_hand_computed():
    y = [0, 0, 0, 1, 1, 1]
    score = [0.1, 0.4, 0.35, 0.8, 0.7, 0.3]
    # threshold 0.7 selects 2 signal, 0 background: 2 / sqrt(2)
    result = max_significance(y, score)
    assert result.significance == pytest.approx(math.sqrt(2))
    assert result.threshold == 0.7
    # threshold 0.3 with s/sqrt(b) is 3/sqrt(2) but 0.7 gives inf: the warning case
    with pytest.warns(UndefinedMetricWarning, match="infinite"):
        z, threshold = max_significance(y, score, formula="s/sqrt(b)")
    assert z == np.inf and threshold == 0.8  # the highest threshold wins a tie


def test_named_tuple_behaviour():
    result = max_significance([0, 1, 0, 1], [0.1, 0.9, 0.5, 0.4])
    assert isinstance(result, SignificanceResult) and isinstance(result, tuple)
    z, threshold = result
    assert (z, threshold) == (result.significance, result.threshold)
    assert isinstance(z, float) and isinstance(threshold, float)


@pytest.mark.parametrize("formula", SIGNIFICANCE_FORMULAS)
def test_matches_brute_force_with_weights(rng, formula):
    n = 300
    y = rng.integers(0, 2, n)
    score = np.round(rng.normal(y * 0.8, 1.0), 2)  # rounded: many ties
    weight = rng.uniform(0.1, 2.0, n)
    # Enough background everywhere that no selection is background-free.
    y[np.argsort(score)[-3:]] = 0
    z, threshold = max_significance(y, score, sample_weight=weight, formula=formula)
    expected_z, expected_threshold = _brute_force(y, score, weight, formula)
    assert z == pytest.approx(expected_z, rel=1e-12)
    assert threshold == expected_threshold


def test_cross_sections(rng):
    n = 400
    y = rng.integers(0, 2, n)
    score = rng.normal(y * 1.5, 1.0)
    y[np.argmax(score)] = 0
    weight = rng.uniform(0.5, 1.5, n)
    cross_sections = (2.0, 500.0, 30.0)
    kwargs = dict(
        zip(("signal_cross_section", "background_cross_section", "luminosity"), cross_sections)
    )
    for sw in (None, weight):
        w = np.ones(n) if sw is None else weight
        z, threshold = max_significance(y, score, sample_weight=sw, **kwargs)
        expected_z, expected_threshold = _brute_force(y, score, w, "s/sqrt(s+b)", cross_sections)
        assert z == pytest.approx(expected_z, rel=1e-12)
        assert threshold == expected_threshold
    # No selection: s = 60, b = 15000.
    assert z >= 60 / math.sqrt(15060)


def test_integer_weights_equal_repeated_rows(rng):
    y = rng.integers(0, 2, 200)
    score = rng.normal(y, 1.0)
    y[np.argmax(score)] = 0
    weight = rng.integers(0, 4, 200)
    assert max_significance(y, score, sample_weight=weight) == max_significance(
        np.repeat(y, weight), np.repeat(score, weight)
    )


def test_independent_of_label_names(rng):
    y = rng.integers(0, 2, 200)
    score = rng.normal(y, 1.0)
    y[np.argmax(score)] = 0
    reference = max_significance(y, score, formula="asimov")
    labels = np.where(y == 1, "top", "qcd")
    assert max_significance(labels, score, formula="asimov", pos_label="top") == reference
    assert max_significance(1 - y, score, formula="asimov", pos_label=0) == reference


def test_negative_weights_allowed(rng):
    y = np.array([1, 1, 0, 0, 0, 1])
    score = np.array([0.9, 0.8, 0.7, 0.3, 0.2, 0.1])
    weight = np.array([1.0, 1.0, 2.0, -0.5, 3.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        z, threshold = max_significance(y, score, sample_weight=weight)
    expected = _brute_force(y, score, weight, "s/sqrt(s+b)")
    assert (z, threshold) == pytest.approx(expected)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"signal_cross_section": 1.0}, r"missing \['background_cross_section', 'luminosity'\]"),
        (
            {"signal_cross_section": 1.0, "background_cross_section": 2.0},
            r"missing \['luminosity'\]",
        ),
        (
            {"signal_cross_section": -1.0, "background_cross_section": 2.0, "luminosity": 1.0},
            "positive",
        ),
        (
            {"signal_cross_section": "1", "background_cross_section": 2.0, "luminosity": 1.0},
            "positive number",
        ),
        ({"formula": "s/b"}, r"'formula' parameter .* must be a str among"),
        ({"y_true": [0, 1, 1]}, "y_true has 3 samples but y_score has 4"),
        ({"y_true": [1, 1, 1, 1]}, "single class"),
        ({"y_score": [0.1, np.nan, 0.2, 0.3]}, "NaN"),
        ({"y_true": ["a", "b", "a", "b"]}, "pass pos_label"),
        ({"sample_weight": [1.0, 1.0, 1.0]}, "sample_weight has shape"),
        ({"sample_weight": [1.0, -2.0, 1.0, 1.0]}, "total background weight"),
    ],
)
def test_validation(kwargs, match):
    arguments = {"y_true": [0, 0, 1, 1], "y_score": [0.1, 0.2, 0.3, 0.4], **kwargs}
    with pytest.raises(ValueError, match=match):
        max_significance(**arguments)
