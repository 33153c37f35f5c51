"""skjet.feature_selection instances for tests/test_common.py."""

from sklearn.linear_model import LogisticRegression

from skjet.feature_selection import ImportancePruner

INSTANCES = [
    ImportancePruner(LogisticRegression(), n_repeats=2, random_state=0),
    ImportancePruner(LogisticRegression(), n_features_to_select=1, cv=2, random_state=0),
]

EXPECTED_FAILED_CHECKS: dict = {}
