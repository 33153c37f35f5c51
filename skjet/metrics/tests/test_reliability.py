"""Metrics refuse input that would give a silent wrong number."""

from __future__ import annotations

import numpy as np
import pytest

from skjet.metrics import max_significance, project_proba, significance
from skjet.metrics._projection import projected_roc_curve


@pytest.mark.parametrize("formula", ["s/sqrt(s+b)", "s/sqrt(b)", "asimov"])
def test_significance_refuses_nan_and_negative_background(formula):
    with pytest.raises(ValueError, match=r"s holds 1 NaN yield"):
        significance(np.nan, 10.0, formula)
    with pytest.raises(ValueError, match=r"b holds 1 NaN yield"):
        significance([1.0, 2.0], [np.nan, 3.0], formula)
    with pytest.raises(ValueError, match=r"b holds 1 negative background yield.*smallest -4"):
        significance([5.0, 5.0], [1.0, -4.0], formula)
    assert significance(0.0, 0.0, formula) == 0.0  # documented: no signal gives 0


def test_max_significance_with_signed_weights_still_works():
    # Partial sums of signed weights dip below 0 at some thresholds: those count as 0.
    y = np.array([0, 0, 1, 1, 0])
    score = np.array([0.9, 0.8, 0.7, 0.6, 0.1])
    weight = np.array([-1.0, 0.5, 1.0, 1.0, 3.0])
    z, threshold = max_significance(y, score, sample_weight=weight)
    assert threshold == 0.6 and z == pytest.approx(2.0 / np.sqrt(2.0 - 0.5))


def test_project_proba_refuses_what_is_not_probabilities():
    proba = np.array([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]])
    np.testing.assert_allclose(project_proba(proba, ["g", "q", "t"], "t"), [0.5, 0.1])
    # float32 softmax rounding is accepted
    np.testing.assert_allclose(
        project_proba(proba.astype(np.float32), ["g", "q", "t"], ["q", "t"]), [0.8, 0.4], rtol=1e-6
    )
    with pytest.raises(ValueError, match="2 of 2 rows are not.*log-probabilities"):
        project_proba(np.log(proba), ["g", "q", "t"], "t")
    with pytest.raises(ValueError, match="1 of 2 rows are not, first row 1.*sum 1.5"):
        project_proba([[0.2, 0.3, 0.5], [0.6, 0.8, 0.1]], ["g", "q", "t"], "t")
    with pytest.raises(ValueError, match="decision_function"):
        projected_roc_curve(["g", "t"], [[2.0, -1.0, 0.5], [0.1, 0.2, 0.7]], ["g", "q", "t"], "t")


@pytest.mark.parametrize("formula", ["s/sqrt(s+b)", "s/sqrt(b)", "asimov"])
def test_significance_refuses_infinite_yields(formula):
    with pytest.raises(ValueError, match=r"s holds 1 infinite yield\(s\)"):
        significance(np.inf, 10.0, formula)
    with pytest.raises(ValueError, match=r"b holds 1 infinite yield\(s\)"):
        significance([1.0, 2.0], [np.inf, 3.0], formula)


def test_rejection_with_negative_passing_background_is_undefined_not_infinite():
    from skjet.metrics import rejection_at_efficiency

    # The background jet at 0.8 weighs -2: the background passing any threshold below the
    # first signal jet weighs -1 of a total 4.
    y = np.array([1, 0, 1, 0, 0])
    score = np.array([0.9, 0.8, 0.7, 0.6, 0.1])
    weight = np.array([1.0, -2.0, 1.0, 1.0, 5.0])
    with pytest.raises(ValueError, match=r"passing the threshold at signal efficiency \[0.75\] "
                       r"have a negative total weight \(background efficiency \[-0.5\] of the "
                       r"total background weight 4\).*undefined"):
        rejection_at_efficiency(y, score, 0.75, sample_weight=weight)
    with pytest.raises(ValueError, match=r"signal efficiency \[0.75, 1.0\] have a negative"):
        rejection_at_efficiency(y, score, [0.75, 1.0], sample_weight=weight, return_interval=True)
    # With a positive passing background, the rejection is read as before: 8 / 2.
    weight[1] = 2.0
    assert rejection_at_efficiency(y, score, 1.0, sample_weight=weight) == 4.0
