"""What the talk figures draw: rejection bands, training histories, per-class
distributions, mean jet images, score histograms, the house style and sample labels."""

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import StepPatch
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

from skjet.metrics import rejection_at_efficiency
from skjet.model_selection import compare
from skjet.plotting import (
    add_sample_label,
    best_epoch,
    plot_feature_distributions,
    plot_mean_images,
    plot_rejection,
    plot_score_histograms,
    plot_training,
    sample_label,
    save_figure,
    use_style,
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.UndefinedMetricWarning")


@pytest.fixture(scope="module")
def held_out():
    X, y = make_classification(n_samples=600, n_features=5, class_sep=0.7, flip_y=0.02,
                               random_state=1)
    return compare(
        {"logistic": LogisticRegression(), "tree": DecisionTreeClassifier(max_depth=4, random_state=0)},
        X, np.where(y == 1, "top", "qcd"), test_size=0.4, scoring=["r50"], random_state=0,
    )


def _steps(ax):
    return [p for p in ax.patches if isinstance(p, StepPatch)]


# -- rejection with its band -------------------------------------------------------------------
def test_rejection_band_and_stat_limited_part(held_out):
    ax = plot_rejection(held_out)
    assert ax.get_yscale() == "log"
    assert ax.get_xlim() == (0.1, 1.0)
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == 2  # one per approach
    pred = held_out.predictions
    eff = np.linspace(0.1, 1.0, 181)
    for name, band in zip(["logistic", "tree"], bands):
        r = rejection_at_efficiency(pred["is_signal"], pred[name], eff, return_interval=True)
        line = next(line for line in ax.get_lines() if line.get_label() == name)
        np.testing.assert_allclose(line.get_xdata(), eff)
        solid = np.isfinite(line.get_ydata())
        # The solid line is where at least 10 background jets pass, the rest is dotted.
        np.testing.assert_array_equal(solid, (r.n_passing >= 10) & np.isfinite(r.rejection))
        np.testing.assert_allclose(line.get_ydata()[solid], r.rejection[solid])
        # The band spans the interval: its vertices hold the low and high edges at 0.7.
        assert np.isfinite(r.high[120])
        vertices = np.concatenate([path.vertices for path in band.get_paths()])
        at = vertices[np.isclose(vertices[:, 0], eff[120])][:, 1]
        assert min(at) == pytest.approx(r.low[120]) and max(at) == pytest.approx(r.high[120])
    dotted = [line for line in ax.get_lines() if line.get_linestyle() == ":"]
    assert dotted, "the few-background tail of a curve is drawn dotted"
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts == ["logistic", "tree", "random", "< 10 background jets pass"]
    # The legend sits beside the axes, over no curve.
    assert ax.get_legend().get_bbox_to_anchor().x0 > ax.get_window_extent().x1


def test_rejection_without_band_and_custom_edge(held_out):
    ax = plot_rejection(held_out, band=False, min_efficiency=0.3)
    assert not [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert ax.get_xlim() == (0.3, 1.0)


# -- training ----------------------------------------------------------------------------------
HISTORY = pd.DataFrame({
    "epoch": [1, 2, 3, 4, 5],
    "train_loss": [0.7, 0.5, 0.4, 0.35, 0.3],
    "valid_loss": [0.72, 0.55, 0.5, 0.52, 0.56],
    "train_accuracy": [0.6, 0.7, 0.8, 0.82, 0.85],
    "valid_accuracy": [0.58, 0.69, 0.75, 0.74, 0.73],
    "valid_loss_best": [True, True, True, False, False],
})


def test_best_epoch():
    assert best_epoch(HISTORY) == 3
    assert best_epoch(HISTORY.drop(columns="valid_loss_best")) == 3  # from the lowest loss
    assert best_epoch(HISTORY[["epoch", "train_loss"]]) is None


def test_plot_training_loss_and_accuracy_with_name_and_best_epoch():
    class Fitted:
        history_ = HISTORY

        def fit(self):  # an estimator: its class name is the default title
            return self

    fig = plot_training(Fitted(), name="MLP")
    loss, acc = fig.axes
    assert (loss.get_ylabel(), acc.get_ylabel()) == ("loss", "accuracy")
    for ax, columns in ((loss, ["train_loss", "valid_loss"]), (acc, ["train_accuracy", "valid_accuracy"])):
        lines = ax.get_lines()
        assert [line.get_label() for line in lines] == [
            "training sample", "validation sample", "best epoch (3)"]
        np.testing.assert_array_equal(lines[1].get_ydata(), HISTORY[columns[1]])
        assert list(lines[2].get_xdata()) == [3, 3]
        assert ax.get_legend() is None  # one legend for the figure, beside the panels
    legend = fig.legends[0]
    assert legend.get_title().get_text() == "MLP"
    assert [t.get_text() for t in legend.get_texts()] == [
        "training sample", "validation sample", "best epoch (3)"]
    assert plot_training(Fitted()).legends[0].get_title().get_text() == "Fitted"
    only_loss = plot_training(HISTORY[["epoch", "train_loss", "valid_loss"]])
    assert len(only_loss.axes) == 1
    with pytest.raises(ValueError, match="no loss column"):
        plot_training(HISTORY[["epoch", "train_accuracy"]])


# -- per-class distributions -------------------------------------------------------------------
def test_feature_distributions_weighted_with_units():
    rng = np.random.default_rng(0)
    n = 400
    y = np.where(np.arange(n) % 2, "top", "qcd")
    X = pd.DataFrame({"mass": np.where(y == "top", rng.normal(173, 10, n), rng.exponential(50, n)),
                      "tau32": rng.uniform(0, 1, n), "custom": rng.normal(size=n)})
    w = np.where(rng.random(n) < 0.2, -0.5, 1.5)  # negative weights are sums like any other
    fig = plot_feature_distributions(X, y, sample_weight=w, bins=20, density=False)
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_xlabel() for ax in axes] == [
        "jet mass $m_J$ [GeV]", r"$\tau_{32} = \tau_3 / \tau_2$", "custom"]
    for ax in axes:
        steps = _steps(ax)
        assert [s.get_label() for s in steps] == ["qcd", "top"]
        for step, label in zip(steps, ["qcd", "top"]):
            assert step.get_data().values.sum() == pytest.approx(w[y == label].sum())
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["qcd", "top"]
    one = plot_feature_distributions(X, y, features=["mass"])
    assert len([ax for ax in one.axes if ax.get_visible()]) == 1
    with pytest.raises(ValueError, match="not columns"):
        plot_feature_distributions(X, y, features=["pt"])
    with pytest.raises(ValueError, match="y has shape"):
        plot_feature_distributions(X, y[:-1])


def test_mean_images():
    rng = np.random.default_rng(0)
    images = rng.random((10, 1, 5, 5))
    y = np.array(["top"] * 4 + ["qcd"] * 6)
    fig = plot_mean_images(images, y, width=1.0)
    panels = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in panels] == ["qcd", "top"]
    np.testing.assert_allclose(panels[1].images[0].get_array(), images[:4, 0].mean(axis=0))
    assert panels[0].images[0].get_extent() == [-0.5, 0.5, -0.5, 0.5]
    assert panels[0].get_ylabel() == r"$\Delta\phi'$ [rad]"
    assert len(fig.axes) == 3  # two panels and the colour bar
    assert isinstance(panels[0].images[0].norm, mpl.colors.LogNorm)
    with pytest.raises(ValueError, match="images must have shape"):
        plot_mean_images(images[:, 0, 0], y)


def test_score_histograms_per_approach(held_out):
    fig = plot_score_histograms(held_out, bins=15)
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in axes] == ["logistic", "tree"]
    pred = held_out.predictions
    for ax in axes:
        steps = _steps(ax)
        assert [s.get_label() for s in steps] == ["signal", "background"]
        values, edges = steps[0].get_data().values, steps[0].get_data().edges
        assert (values * np.diff(edges)).sum() == pytest.approx(1.0)  # unit area
        assert ax.get_yscale() == "log"
    # Probabilities: every panel spans [0, 1].
    assert pred["logistic"].between(0, 1).all()
    np.testing.assert_allclose(_steps(axes[0])[0].get_data().edges[[0, -1]], [0, 1])
    no_curves = compare({"lr": LogisticRegression()}, *make_classification(100, random_state=0),
                        cv=2, scoring="accuracy", return_curves=False)
    with pytest.raises(ValueError, match="no pooled scores"):
        plot_score_histograms(no_curves)


# -- style, labels, output ---------------------------------------------------------------------
def test_use_style_house_and_mplhep_names():
    before = dict(mpl.rcParams)
    with use_style():
        assert list(mpl.rcParams["figure.figsize"]) == [8.0, 6.0]
        assert mpl.rcParams["xtick.direction"] == "in"  # mplhep's HEP ticks
    with use_style("ATLAS"):
        assert mpl.rcParams["xtick.direction"] == "in"
    assert mpl.rcParams["figure.figsize"] == before["figure.figsize"]
    with pytest.raises(ValueError, match="Unknown style 'BELLE'"):
        with use_style("BELLE"):
            pass


def test_sample_label_from_generated_settings_and_on_figures():
    settings = {"processes": ["top", "qcd"], "sqrt_s": 13000.0, "radius": 0.8,
                "pt_range": [500.0, 1000.0], "eta_max": 2.0, "pythia": {}}
    label = sample_label(settings)
    assert label == ("top vs QCD, Pythia 8 particle level, √s = 13 TeV, anti-$k_T$ R = 0.8, "
                     r"500 < $p_T$ < 1000 GeV, $|\eta|$ < 2")
    assert sample_label({"radius": 0.4}, process="W vs QCD") == "W vs QCD, anti-$k_T$ R = 0.4"
    fig = Figure()
    add_sample_label(fig, label)
    assert fig.get_suptitle() == label


def test_save_figure_png_and_pdf(tmp_path):
    fig = Figure()
    fig.add_subplot().plot([0, 1])
    paths = save_figure(fig, tmp_path / "roc")
    assert [p.name for p in paths] == ["roc.png", "roc.pdf"]
    assert paths[0].read_bytes()[:4] == b"\x89PNG" and paths[1].read_bytes()[:4] == b"%PDF"


# -- non-finite, empty and negatively weighted input ------------------------------------------
def test_plot_roc_refuses_nan_and_draws_negative_weight_curves():
    from skjet.plotting import plot_roc

    with pytest.raises(ValueError, match=r"curve 'a': tpr holds 1 NaN or infinite value\(s\) of 3"):
        plot_roc({"a": ([0.0, 0.5, 1.0], [0.0, np.nan, 1.0])})
    # Negative weights make fpr dip back; the area is taken along the curve.
    ax = plot_roc({"a": ([0.0, 0.6, 0.5, 1.0], [0.0, 0.5, 0.7, 1.0])})
    assert ax.get_legend().get_texts()[0].get_text() == "a (AUC = 0.515)"


def test_feature_distributions_refuse_nan_and_empty():
    X = pd.DataFrame({"mass": [170.0, np.nan, 40.0, np.nan], "tau32": [0.5, 0.6, 0.8, 0.9]})
    with pytest.raises(ValueError, match=r"NaN values in 1 feature column\(s\) \(NaN jets per "
                       r"column: \{'mass': 2\}\) of 4 jets.*silently"):
        plot_feature_distributions(X, ["top", "top", "qcd", "qcd"])
    fig = plot_feature_distributions(X, ["top", "top", "qcd", "qcd"], features=["tau32"], bins=4)
    assert len(fig.axes[0].patches) == 2  # one histogram per class
    with pytest.raises(ValueError, match=r"X has no jets \(shape \(0, 2\)\)"):
        plot_feature_distributions(X.iloc[:0], [])


def test_mean_images_refuse_empty_and_nan():
    with pytest.raises(ValueError, match=r"images holds no jets \(shape \(0, 4, 4\)\)"):
        plot_mean_images(np.zeros((0, 1, 4, 4)), [])
    images = np.ones((2, 1, 4, 4))
    images[1, 0, 2, 2] = np.nan
    with pytest.raises(ValueError, match=r"images contains 1 NaN"):
        plot_mean_images(images, ["top", "qcd"])
