"""ComparisonResult keeps every approach's predictions: the report never predicts again."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from skjet.model_selection import compare, write_comparison_report
from skjet.models import CutAndCountClassifier

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.UndefinedMetricWarning")


class CountingLogistic(LogisticRegression):
    """Counts the calls of predict and predict_proba of all its instances."""

    calls = {"predict": 0, "predict_proba": 0}

    def predict(self, X):
        CountingLogistic.calls["predict"] += 1
        return super().predict(X)

    def predict_proba(self, X):
        CountingLogistic.calls["predict_proba"] += 1
        return super().predict_proba(X)


@pytest.fixture
def binary():
    X, y = make_classification(n_samples=300, n_features=5, class_sep=0.7, random_state=0)
    return X, np.where(y == 1, "top", "qcd")


def test_y_pred_and_y_proba_are_those_of_the_fitted_folds(binary):
    X, y = binary
    result = compare({"lr": LogisticRegression(), "svm": LinearSVC()}, X, y, cv=3,
                     random_state=0, return_estimators=True)
    assert result.classes.tolist() == ["qcd", "top"]
    np.testing.assert_array_equal(result.y, y)
    np.testing.assert_array_equal(result.test_index, result.predictions["index"])
    for name in ("lr", "svm"):
        expected = [est.predict(X[test])
                    for est, (_, test) in zip(result.estimators[name], result.splits)]
        np.testing.assert_array_equal(result.y_pred[name], np.concatenate(expected))
    proba = [est.predict_proba(X[test])
             for est, (_, test) in zip(result.estimators["lr"], result.splits)]
    np.testing.assert_array_equal(result.y_proba["lr"], np.concatenate(proba))
    # the signal scores are its "top" column
    np.testing.assert_array_equal(result.predictions["lr"], result.y_proba["lr"][:, 1])
    assert "svm" not in result.y_proba  # no predict_proba to keep


def test_projection_keeps_the_full_multiclass_probabilities():
    X, y = make_classification(n_samples=400, n_classes=4, n_informative=5, random_state=0)
    labels = np.array(["g", "q", "t", "w"])[y]
    result = compare({"lr": LogisticRegression(max_iter=500)}, X, labels, test_size=0.3,
                     signal=["t", "w"], random_state=0)
    proba = result.y_proba["lr"]
    assert proba.shape == (120, 4) and result.classes.tolist() == ["g", "q", "t", "w"]
    np.testing.assert_allclose(result.predictions["lr"], proba[:, 2:].sum(axis=1))
    # y_pred is the classifier's own (4-class) predict, not the projected decision
    assert set(result.y_pred["lr"]) <= {"g", "q", "t", "w"}
    np.testing.assert_array_equal(result.y_pred["lr"], result.classes[proba.argmax(axis=1)])


def test_a_class_missing_from_a_training_fold_gets_a_zero_column():
    X, y = make_classification(n_samples=90, n_classes=3, n_informative=3, random_state=0)
    order = np.argsort(y, kind="stable")
    X, y = X[order], y[order]
    # the first fold trains on classes 0 and 1 only
    no_two = np.flatnonzero(y != 2)
    splits = [(no_two[::2], np.setdiff1d(np.arange(90), no_two[::2])),
              (np.arange(0, 90, 2), np.arange(1, 90, 2))]
    result = compare({"lr": LogisticRegression()}, X, y, cv=splits, scoring=["accuracy"])
    proba = result.y_proba["lr"]
    n_first = len(splits[0][1])
    assert (proba[:n_first, 2] == 0).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_the_report_never_predicts_again(binary, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    X, y = binary
    features = pd.DataFrame(X[:, :2], columns=["mass", "tau32"])
    CountingLogistic.calls.update(predict=0, predict_proba=0)
    result = compare({"lr": CountingLogistic(), "cuts": CutAndCountClassifier()},
                     {"lr": X, "cuts": features}, y, cv=2, random_state=0,
                     return_estimators=True)
    # one predict_proba and one predict per fold, shared by the scorers and the result
    assert CountingLogistic.calls == {"predict": 2, "predict_proba": 2}
    path = write_comparison_report(result, tmp_path, features=features, formats=("png",))
    assert CountingLogistic.calls == {"predict": 2, "predict_proba": 2}
    # the confusion matrices from the kept predictions, the cuts from the feature table
    assert (tmp_path / "confusion.png").exists() and (tmp_path / "cuts_cuts.png").exists()
    assert path.read_text().count("<img") == len(list(tmp_path.glob("*.png")))


def test_result_pickles_with_its_predictions(binary):
    X, y = binary
    result = compare({"lr": LogisticRegression()}, X, y, test_size=0.3, random_state=0)
    loaded = pickle.loads(pickle.dumps(result))
    np.testing.assert_array_equal(loaded.y_proba["lr"], result.y_proba["lr"])
    np.testing.assert_array_equal(loaded.y_pred["lr"], result.y_pred["lr"])
    assert loaded.to_string() == result.to_string()


class Relabelling(LogisticRegression):
    """A broken classifier: its classes_ are not the labels it was fitted on."""

    def fit(self, X, y):
        super().fit(X, y)
        self.classes_ = self.classes_ + 5
        return self


def test_classes_that_are_not_labels_are_named(binary):
    X, y = binary
    with pytest.raises(ValueError, match=r"'odd' has classes_ \[5, 6\] on fold 0, not among"):
        compare({"odd": Relabelling()}, X, (y == "top").astype(int), cv=2,
                scoring={"none": lambda estimator, X, y: 0.0})
