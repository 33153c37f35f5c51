"""Cut-and-count and XGBoost classifiers for tests/test_common.py."""

from skjet.models import CutAndCountClassifier, XGBoostClassifier

INSTANCES = [
    CutAndCountClassifier(n_bins=10),
    CutAndCountClassifier(topology="parallel", n_bins=10, objective="significance"),
    XGBoostClassifier(n_estimators=5, max_depth=2, n_jobs=1),
    XGBoostClassifier(n_estimators=20, early_stopping_rounds=2, n_jobs=1, random_state=0),
]

EXPECTED_FAILED_CHECKS = {
    "XGBoostClassifier": {
        "check_sample_weight_equivalence_on_dense_data": (
            "with early_stopping_rounds the validation set is a random split of the rows, "
            "which differs between repeated rows and integer weights (the instance without "
            "early stopping passes)"
        ),
    },
}


def expected_failed_checks(estimator) -> dict:
    """Only the early-stopping XGBoost instance fails the weight-equivalence check."""
    if isinstance(estimator, XGBoostClassifier) and estimator.early_stopping_rounds is None:
        return {}
    return EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {})
