import numpy as np
import pytest
from sklearn.metrics import roc_auc_score, roc_curve

from skjet.metrics import (
    project_proba,
    projected_confusion_matrix,
    projected_roc_auc,
    projected_roc_curve,
)

CLASSES = np.array(["g", "q", "t", "w", "z"])
HEAVY = ["t", "w", "z"]


def _five_class(rng, n=600):
    y = CLASSES[rng.integers(0, 5, n)]
    logits = rng.normal(size=(n, 5)) + 1.5 * (y[:, None] == CLASSES[None, :])
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return y, proba


def test_project_proba():
    proba = np.array([[0.1, 0.2, 0.3, 0.25, 0.15], [0.5, 0.3, 0.1, 0.05, 0.05]])
    np.testing.assert_allclose(project_proba(proba, CLASSES, HEAVY), [0.7, 0.2])
    np.testing.assert_allclose(project_proba(proba, CLASSES, "g"), [0.1, 0.5])
    np.testing.assert_allclose(project_proba(proba, CLASSES, ("q", "g")), [0.3, 0.8])
    # Integer class labels, and a duplicated signal name counts once.
    np.testing.assert_allclose(project_proba(proba, [0, 1, 2, 3, 4], [2, 3, 4, 4]), [0.7, 0.2])


def test_confusion_matrix_hand_count():
    # The hls4ml exercise's layout: rows predicted heavy/light, columns actual heavy/light.
    y = np.array(["t", "w", "z", "g", "q", "g", "t", "q"])
    heavy_sum = np.array([0.9, 0.6, 0.4, 0.7, 0.2, 0.5, 0.51, 0.1])
    proba = np.zeros((8, 5))
    proba[:, 2] = heavy_sum  # all heavy probability on "t"
    proba[:, 0] = 1 - heavy_sum
    # predicted heavy (> .5): rows 0, 1, 3, 6 -> actual heavy 0, 1, 6 (TP=3); light 3 (FP=1)
    # predicted light: rows 2 (heavy: FN=1), 4, 5, 7 (light: TN=3); 0.5 itself is light
    matrix = projected_confusion_matrix(y, proba, CLASSES, HEAVY, threshold=0.5)
    np.testing.assert_array_equal(matrix, [[3, 1], [1, 3]])
    assert matrix.dtype.kind == "i"
    np.testing.assert_array_equal(
        projected_confusion_matrix(y, proba, CLASSES, HEAVY, threshold=0.05), [[4, 4], [0, 0]]
    )
    weight = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0])
    np.testing.assert_allclose(
        projected_confusion_matrix(y, proba, CLASSES, HEAVY, sample_weight=weight),
        [[1 + 2 + 7, 4], [3, 5 + 6 + 8]],
    )


def test_confusion_matrix_rates_lie_on_roc_curve(rng):
    y, proba = _five_class(rng)
    fpr, tpr, thresholds = projected_roc_curve(y, proba, CLASSES, HEAVY, drop_intermediate=False)
    for index in (5, len(thresholds) // 2, len(thresholds) - 5):
        # score > t == score >= next distinct score
        (tp, fp), (fn, tn) = projected_confusion_matrix(
            y, proba, CLASSES, HEAVY, threshold=thresholds[index + 1]
        )
        assert tp / (tp + fn) == pytest.approx(tpr[index])
        assert fp / (fp + tn) == pytest.approx(fpr[index])


def test_binary_projection_equals_sklearn(rng):
    n = 500
    y = np.where(rng.integers(0, 2, n) == 1, "top", "qcd")
    p_top = np.clip(rng.normal(0.3 + 0.4 * (y == "top"), 0.2), 0, 1)
    proba = np.c_[1 - p_top, p_top]
    classes = ["qcd", "top"]
    assert projected_roc_auc(y, proba, classes, "top") == pytest.approx(
        roc_auc_score(y == "top", p_top), rel=1e-12
    )
    for got, expected in zip(
        projected_roc_curve(y, proba, classes, "top"), roc_curve(y, p_top, pos_label="top")
    ):
        np.testing.assert_allclose(got, expected)
    # The background class as signal: AUC of the other column.
    assert projected_roc_auc(y, proba, classes, "qcd") == pytest.approx(
        roc_auc_score(y == "qcd", 1 - p_top)
    )


def test_five_class_heavy_vs_light(rng):
    y, proba = _five_class(rng)
    is_heavy = np.isin(y, HEAVY)
    heavy_score = proba[:, 2:].sum(axis=1)
    auc = projected_roc_auc(y, proba, CLASSES, HEAVY)
    assert auc == pytest.approx(roc_auc_score(is_heavy, heavy_score), rel=1e-12)
    assert 0.7 < auc < 1.0
    weight = rng.uniform(0.2, 3.0, y.size)
    assert projected_roc_auc(y, proba, CLASSES, HEAVY, sample_weight=weight) == pytest.approx(
        roc_auc_score(is_heavy, heavy_score, sample_weight=weight), rel=1e-12
    )
    # Light as signal: 1 - heavy score ranks the other way round.
    assert projected_roc_auc(y, proba, CLASSES, ["g", "q"]) == pytest.approx(auc, rel=1e-12)


def test_independent_of_class_order(rng):
    y, proba = _five_class(rng)
    reference_auc = projected_roc_auc(y, proba, CLASSES, HEAVY)
    reference_matrix = projected_confusion_matrix(y, proba, CLASSES, HEAVY)
    perm = np.array([3, 0, 4, 2, 1])
    assert projected_roc_auc(y, proba[:, perm], CLASSES[perm], ["z", "t", "w"]) == reference_auc
    np.testing.assert_array_equal(
        projected_confusion_matrix(y, proba[:, perm], CLASSES[perm], HEAVY), reference_matrix
    )


def test_integer_weights_equal_repeated_rows(rng):
    y, proba = _five_class(rng, 200)
    weight = rng.integers(0, 4, y.size)
    y_rep, proba_rep = np.repeat(y, weight), np.repeat(proba, weight, axis=0)
    assert projected_roc_auc(y, proba, CLASSES, HEAVY, sample_weight=weight) == pytest.approx(
        projected_roc_auc(y_rep, proba_rep, CLASSES, HEAVY), rel=1e-12
    )
    np.testing.assert_allclose(
        projected_confusion_matrix(y, proba, CLASSES, HEAVY, sample_weight=weight),
        projected_confusion_matrix(y_rep, proba_rep, CLASSES, HEAVY),
    )


Y = np.array(["g", "t", "w", "q"])
PROBA = np.full((4, 5), 0.2)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"proba": np.full((4, 4), 0.25)}, r"shape \(n_samples, 5\).*got shape \(4, 4\)"),
        ({"proba": np.full(4, 0.2)}, r"got shape \(4,\)"),
        ({"proba": np.where(np.eye(4, 5) > 0, np.nan, 0.2)}, "proba contains 4 NaN"),
        ({"signal": ["t", "top", "W"]}, r"signal classes \['top', 'W'\] are not in classes"),
        ({"signal": "x"}, r"\['x'\] are not in classes"),
        ({"signal": []}, "signal is empty"),
        ({"signal": list(CLASSES)}, "every class"),
        ({"classes": ["g", "q", "t", "t", "z"]}, "duplicate"),
        ({"classes": ["g"], "proba": np.ones((4, 1))}, "at least 2 labels"),
        ({"y_true": Y[:3]}, "y_true has 3 samples but proba has 4 rows"),
        ({"y_true": np.array(["g", "t", "w", "b"])}, r"labels \['b'\] that are not in classes"),
        ({"y_true": np.array(["t", "t", "w", "z"])}, "every sample of y_true is signal"),
        ({"y_true": np.array(["g", "q", "q", "g"])}, "every sample of y_true is background"),
        ({"sample_weight": [1.0, 2.0]}, "sample_weight has shape"),
    ],
)
@pytest.mark.parametrize(
    "function", [projected_roc_curve, projected_roc_auc, projected_confusion_matrix]
)
def test_validation(function, kwargs, match):
    arguments = {"y_true": Y, "proba": PROBA, "classes": CLASSES, "signal": HEAVY, **kwargs}
    with pytest.raises(ValueError, match=match):
        function(**arguments)


@pytest.mark.parametrize("threshold", [np.nan, "0.5", None, True])
def test_confusion_matrix_threshold_validation(threshold):
    with pytest.raises(ValueError, match=r"'threshold' parameter .* must be a float in the "
                       r"range \(-inf, inf\)"):
        projected_confusion_matrix(Y, PROBA, CLASSES, HEAVY, threshold=threshold)


def test_project_proba_validation():
    with pytest.raises(ValueError, match=r"\['top'\] are not in classes"):
        project_proba(PROBA, CLASSES, "top")
    with pytest.raises(ValueError, match=r"shape \(n_samples, 5\)"):
        project_proba(PROBA[:, :3], CLASSES, "t")
