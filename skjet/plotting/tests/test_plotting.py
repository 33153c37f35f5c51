import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle, StepPatch
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix, roc_curve
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from skjet.model_selection import RocCurve, compare
from skjet.plotting import (
    feature_label,
    plot_confusion_matrix,
    plot_cuts,
    plot_history,
    plot_importances,
    plot_precision_scan,
    plot_rejection,
    plot_roc,
    plot_score_distributions,
    use_style,
)


@pytest.fixture(scope="module")
def binary():
    X, y = make_classification(n_samples=300, n_features=4, class_sep=0.7, flip_y=0.05,
                               random_state=0)
    return X, np.where(y == 1, "top", "qcd")


@pytest.fixture(scope="module")
def result(binary):
    X, y = binary
    return compare(
        {"logistic": LogisticRegression(), "tree": DecisionTreeClassifier(max_depth=3, random_state=0)},
        X, y, cv=3, scoring=["roc_auc"], random_state=0,
    )


def legend_texts(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


# -- ROC ------------------------------------------------------------------------------------
def test_plot_roc_from_result_with_expected(result):
    expected = np.array([[0.0, 0.0], [0.2, 0.7], [1.0, 1.0]])
    ax = plot_roc(result, expected=expected)
    assert isinstance(ax, Axes)
    lines = ax.get_lines()
    assert len(lines) == 4  # two approaches, expected, diagonal
    for line, name in zip(lines, ["logistic", "tree"]):
        curve = result.curves[name]
        np.testing.assert_array_equal(line.get_xdata(), curve.fpr)
        np.testing.assert_array_equal(line.get_ydata(), curve.tpr)
    np.testing.assert_array_equal(lines[2].get_xdata(), expected[:, 0])
    assert lines[2].get_linestyle() == ":"
    texts = legend_texts(ax)
    assert texts[0] == f"logistic (AUC = {result.curves['logistic'].auc:.3f})"
    assert texts[2:] == ["expected", "random"]


def test_plot_roc_single_curve_and_dict_and_given_axes():
    fig, ax = plt.subplots()
    fpr, tpr = np.array([0.0, 0.5, 1.0]), np.array([0.0, 1.0, 1.0])
    assert plot_roc((fpr, tpr), ax=ax) is ax
    assert legend_texts(ax)[0] == "AUC = 0.750"
    ax2 = plot_roc({"a": RocCurve(fpr, tpr, np.array([2.0, 1.0, 0.0])), "b": (fpr, fpr)})
    assert legend_texts(ax2)[:2] == ["a (AUC = 0.750)", "b (AUC = 0.500)"]


def test_plot_roc_errors(binary):
    X, y = binary
    with pytest.raises(ValueError, match="same length"):
        plot_roc(([0, 1], [0, 0.5, 1]))
    with pytest.raises(TypeError, match="fpr, tpr"):
        plot_roc({"a": 3})
    with pytest.raises(ValueError, match="empty"):
        plot_roc({})
    empty = compare({"lr": LogisticRegression()}, X, y, cv=2, scoring="accuracy",
                    return_curves=False)
    with pytest.raises(ValueError, match="no ROC curves"):
        plot_roc(empty)


def test_plot_rejection_skips_zero_background(result):
    ax = plot_rejection(result, band=False)
    assert ax.get_yscale() == "log"
    curve = result.curves["tree"]
    line = ax.get_lines()[1]
    keep = curve.fpr > 0
    np.testing.assert_allclose(line.get_xdata(), curve.tpr[keep])
    np.testing.assert_allclose(line.get_ydata(), 1.0 / curve.fpr[keep])
    assert np.isfinite(line.get_ydata()).all()
    assert legend_texts(ax) == ["logistic", "tree", "random"]


# -- confusion matrices ----------------------------------------------------------------------
def test_confusion_matrix_5x5():
    rng = np.random.default_rng(0)
    classes = np.array(["g", "q", "t", "w", "z"])
    y_true = rng.choice(classes, 200)
    y_pred = np.where(rng.random(200) < 0.7, y_true, rng.choice(classes, 200))
    ax = plot_confusion_matrix(y_true, y_pred)
    expected = confusion_matrix(y_true, y_pred, labels=classes)
    np.testing.assert_array_equal(ax.images[0].get_array(), expected)
    assert [t.get_text() for t in ax.texts] == [str(v) for v in expected.ravel()]
    assert [t.get_text() for t in ax.get_xticklabels()] == list(classes)
    assert ax.get_xlabel() == "predicted" and ax.get_ylabel() == "true"
    assert len(ax.figure.axes) == 2  # the colour bar


def test_confusion_matrix_2x2_normalized_with_labels():
    y_true = np.array(["heavy", "heavy", "light", "light", "light"])
    y_pred = np.array(["heavy", "light", "light", "light", "heavy"])
    ax = plot_confusion_matrix(y_true, y_pred, labels=["heavy", "light"], normalize="true")
    np.testing.assert_allclose(ax.images[0].get_array(), [[0.5, 0.5], [1 / 3, 2 / 3]])
    assert [t.get_text() for t in ax.texts] == ["0.50", "0.50", "0.33", "0.67"]
    with pytest.raises(ValueError, match="normalize"):
        plot_confusion_matrix(y_true, y_pred, normalize="rows")


# -- training history ------------------------------------------------------------------------
def test_plot_history_from_frame_attribute_and_list():
    frame = pd.DataFrame({"epoch": [1, 2, 3], "train_loss": [0.9, 0.6, 0.5],
                          "valid_loss": [1.0, 0.7, 0.65], "valid_loss_best": [True, True, True],
                          "lr": [1e-3] * 3})

    class Fitted:
        history_ = frame

    for source in (Fitted(), frame, frame.to_dict("records")):
        ax = plot_history(source)
        lines = ax.get_lines()
        assert [line.get_label() for line in lines] == [
            "training sample", "validation sample", "best epoch (3)"]
        assert lines[2].get_xdata()[0] == 3  # the vertical best-epoch line
        np.testing.assert_array_equal(lines[0].get_xdata(), [1, 2, 3])
        np.testing.assert_array_equal(lines[1].get_ydata(), [1.0, 0.7, 0.65])


def test_plot_history_skorch_like_and_no_validation():
    skorch_like = [{"epoch": 1, "train_loss": 0.8, "batches": [{"train_loss": 0.9}]},
                   {"epoch": 2, "train_loss": 0.7, "batches": []}]
    ax = plot_history(skorch_like)
    assert len(ax.get_lines()) == 1
    no_valid = pd.DataFrame({"train_loss": [0.5, 0.4], "valid_loss": [np.nan, np.nan]})
    ax = plot_history(no_valid)
    assert len(ax.get_lines()) == 1
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), [1, 2])


def test_plot_history_errors():
    with pytest.raises(ValueError, match="no history_"):
        plot_history(LogisticRegression())
    with pytest.raises(ValueError, match="no loss column"):
        plot_history(pd.DataFrame({"epoch": [1], "acc": [0.5]}))
    with pytest.raises(ValueError, match="empty"):
        plot_history([])


def test_invalid_options_name_the_parameter():
    # the options are a set: their order in the message varies between runs
    with pytest.raises(ValueError, match=r"'metric' parameter of plot_history must be a str "
                       r"among \{'(loss|accuracy)', '(loss|accuracy)'\}. Got 'auc' instead"):
        plot_history(pd.DataFrame({"epoch": [1], "train_loss": [0.5]}), metric="auc")
    with pytest.raises(ValueError, match=r"'normalize' parameter of plot_confusion_matrix "
                       r"must be a str among \{.*'true'.*\} or None. Got 'rows' instead"):
        plot_confusion_matrix(["t", "q"], ["t", "t"], normalize="rows")
    with pytest.raises(TypeError, match=r"'scan' parameter of plot_precision_scan must be an "
                       r"instance of 'pandas.*DataFrame'"):
        plot_precision_scan({"width": [8], "accuracy": [0.5]})


def test_plot_history_of_mlp():
    models = pytest.importorskip("skjet.models")
    try:
        mlp_class = models.MLPClassifier
    except (ImportError, AttributeError) as exc:
        pytest.skip(f"MLPClassifier unavailable: {exc}")
    X, y = make_classification(n_samples=60, n_features=5, random_state=0)
    mlp = mlp_class(hidden_layer_sizes=(8,), max_epochs=2, random_state=0, device="cpu")
    pipe = make_pipeline(StandardScaler(), mlp).fit(X, y)
    for source in (pipe, mlp):
        lines = plot_history(source).get_lines()
        assert lines[0].get_label() == "training sample"
        np.testing.assert_array_equal(lines[0].get_xdata(), mlp.history_["epoch"])
        np.testing.assert_array_equal(lines[0].get_ydata(), mlp.history_["train_loss"])


# -- cut-and-count ---------------------------------------------------------------------------
class _FakeCuts:
    """Stands for a fitted cut-and-count model: only ``cuts_`` and ``topology`` are read."""

    topology = "parallel"
    cuts_ = [
        {"feature": "mass", "index": 0, "form": "window", "low": -0.5, "high": 1.0,
         "signal_efficiency": 0.8, "background_efficiency": 0.3},
        {"feature": "tau32", "index": 1, "form": "below", "low": None, "high": 0.2,
         "signal_efficiency": 0.6, "background_efficiency": 0.1},
        {"feature": "pt", "index": 2, "form": "outside", "low": -1.0, "high": 1.0,
         "signal_efficiency": 0.5, "background_efficiency": 0.05},
    ]


def test_plot_cuts_panels_lines_and_histograms(binary):
    X, y = binary
    fig = plot_cuts(_FakeCuts(), X, y, bins=20)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 3
    for ax, cut in zip(fig.axes, _FakeCuts.cuts_):
        assert ax.get_xlabel() == feature_label(cut["feature"])  # units for known features
        steps = [p for p in ax.patches if isinstance(p, StepPatch)]
        assert [s.get_label() for s in steps] == ["qcd", "top"]
        counts, edges, _ = steps[1].get_data()
        expected, _ = np.histogram(X[y == "top", cut["index"]],
                                   bins=np.histogram_bin_edges(X[:, cut["index"]], 20))
        np.testing.assert_array_equal(counts, expected)
        vlines = [line.get_xdata()[0] for line in ax.get_lines()]
        assert vlines == [b for b in (cut["low"], cut["high"]) if b is not None]
    # kept region: one span for a window, two for "outside"
    spans = [[p for p in ax.patches if not isinstance(p, StepPatch)] for ax in fig.axes]
    assert [len(s) for s in spans] == [1, 1, 2]


def test_plot_cuts_sequential_shows_survivors(binary):
    X, y = binary
    model = _FakeCuts()
    model.topology = "sequential"
    fig = plot_cuts(model, X, y, bins=10)
    first = X[:, 0]
    survivors = (first >= -0.5) & (first < 1.0)
    step = [p for p in fig.axes[1].patches if isinstance(p, StepPatch)][0]
    assert step.get_data()[0].sum() == np.sum(survivors & (y == "qcd"))
    with pytest.raises(ValueError, match="no cuts_"):
        plot_cuts(LogisticRegression(), X, y)


def test_plot_cuts_of_real_cut_and_count(binary):
    models = pytest.importorskip("skjet.models")
    try:
        cnc = models.CutAndCountClassifier(n_bins=15)
    except (ImportError, AttributeError) as exc:
        pytest.skip(f"CutAndCountClassifier unavailable: {exc}")
    X, y = binary
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    pipe = make_pipeline(StandardScaler().set_output(transform="pandas"), cnc).fit(frame, y)
    fig = plot_cuts(pipe, frame, y)
    assert len(fig.axes) == len(cnc.cuts_)
    assert [ax.get_xlabel() for ax in fig.axes] == [c["feature"] for c in cnc.cuts_]


# -- importances -----------------------------------------------------------------------------
def test_plot_importances_table():
    table = pd.DataFrame({"feature": ["pt", "mass", "tau32"], "mean": [0.01, 0.2, 0.05],
                          "std": [0.001, 0.02, 0.01]})
    ax = plot_importances(table)
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    np.testing.assert_allclose([b.get_width() for b in bars], [0.2, 0.05, 0.01])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["mass", "tau32", "pt"]
    assert ax.get_legend() is None
    ax = plot_importances(table, top_n=2)
    assert len(ax.patches) == 2
    with pytest.raises(ValueError, match="lacks column"):
        plot_importances(pd.DataFrame({"feature": ["a"]}))


def test_plot_importances_of_pruner(binary):
    fs = pytest.importorskip("skjet.feature_selection")
    X, y = binary
    pruner = fs.ImportancePruner(LogisticRegression(), random_state=0).fit(X, y)
    ax = plot_importances(pruner)
    table = pruner.importances_
    np.testing.assert_allclose([p.get_width() for p in ax.patches], table["mean"])
    colors = [p.get_facecolor() for p in ax.patches]
    kept = table["selected"].to_numpy()
    assert len({c for c, k in zip(colors, kept) if k}) == 1
    if (~kept).any():
        assert {c for c, k in zip(colors, kept) if k}.isdisjoint(
            {c for c, k in zip(colors, kept) if not k})
    assert legend_texts(ax) == ["kept", "pruned"]


# -- score distributions ---------------------------------------------------------------------
def test_plot_score_distributions_binary(binary):
    X, y = binary
    clf = LogisticRegression().fit(X, y)
    ax = plot_score_distributions(clf, X, y, bins=10, density=False)
    steps = ax.patches
    assert [s.get_label() for s in steps] == ["qcd", "top"]
    score = clf.predict_proba(X)[:, 1]
    edges = np.histogram_bin_edges(score, 10)
    np.testing.assert_array_equal(steps[1].get_data()[0], np.histogram(score[y == "top"], edges)[0])
    assert "top" in ax.get_xlabel()


def test_plot_score_distributions_projected():
    X, y = make_classification(n_samples=300, n_classes=3, n_informative=4, random_state=0)
    labels = np.array(["g", "t", "w"])[y]
    clf = LogisticRegression(max_iter=300).fit(X, labels)
    ax = plot_score_distributions(clf, X, labels, signal=["t", "w"], bins=5)
    assert len(ax.patches) == 3
    for step in ax.patches:  # densities integrate to one
        values, edges, _ = step.get_data()
        np.testing.assert_allclose((values * np.diff(edges)).sum(), 1.0)
    with pytest.raises(ValueError, match="pass signal="):
        plot_score_distributions(clf, X, labels)


def test_use_style_restores_settings():
    before = dict(plt.rcParams)
    with use_style("CMS"):
        ax = plot_roc(([0.0, 1.0], [0.0, 1.0]))
    assert dict(plt.rcParams) == before
    assert isinstance(ax, Axes)


def test_roc_curve_data_matches_sklearn(binary):
    X, y = binary
    score = LogisticRegression().fit(X, y).predict_proba(X)[:, 1]
    fpr, tpr, thr = roc_curve(y == "top", score)
    ax = plot_roc({"lr": RocCurve(fpr, tpr, thr)})
    np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), tpr)


def test_plot_score_distributions_decision_function_signal_first_class():
    from sklearn.svm import LinearSVC

    X, y = make_classification(n_samples=200, random_state=0)
    labels = np.array(["qcd", "top"])[y]
    clf = LinearSVC().fit(X, labels)
    # Without predict_proba the binary decision function is the score, negated for classes_[0].
    ax = plot_score_distributions(clf, X, labels, signal="qcd", bins=5, density=False)
    score = -clf.decision_function(X)
    edges = np.histogram_bin_edges(score, 5)
    np.testing.assert_array_equal(ax.patches[0].get_data()[0],
                                  np.histogram(score[labels == "qcd"], edges)[0])
    assert ax.get_xlabel() == "signal score (qcd)"
