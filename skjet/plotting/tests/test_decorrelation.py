import matplotlib.pyplot as plt
import numpy as np
import pytest

from skjet.metrics import jsd_at_efficiency, rejection_at_efficiency
from skjet.plotting import plot_decorrelation_plane, plot_mass_sculpting


@pytest.fixture
def sample():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 3000)
    mass = rng.exponential(50, 6000)
    return y, mass, {"mass-like": mass + 40 * y, "flat": rng.normal(size=6000) + 1.5 * y}


def test_sculpting_plot_histograms_and_labels(sample):
    y, mass, scores = sample
    bins = np.linspace(0, 300, 31)
    ax = plot_mass_sculpting(y, scores["mass-like"], mass, bins=bins, efficiencies=(0.5, 0.3),
                             title="mass-like")
    assert len(ax.patches) == 3
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    inv = 1 / jsd_at_efficiency(y, scores["mass-like"], mass, 0.5, bins=bins)
    assert labels[0] == "all background" and f"1/JSD = {inv:.3g}" in labels[1]
    assert ax.get_xlabel() == "jet mass [GeV]" and ax.get_title() == "mass-like"
    # the passing background of a mass-like score sits at higher mass than all background
    all_bkg, passing = (np.asarray(p.get_data().values) for p in ax.patches[:2])
    centres = (bins[:-1] + bins[1:]) / 2
    assert (passing * centres).sum() / passing.sum() > (all_bkg * centres).sum() / all_bkg.sum()
    plt.close(ax.figure)


def test_decorrelation_plane_points(sample):
    y, mass, scores = sample
    ax = plot_decorrelation_plane(y, scores, mass, bins=30)
    assert [line.get_label() for line in ax.lines] == list(scores)
    for line, score in zip(ax.lines, scores.values()):
        x, r = line.get_xdata()[0], line.get_ydata()[0]
        assert r == pytest.approx(rejection_at_efficiency(y, score, 0.5))
        assert x == pytest.approx(1 / jsd_at_efficiency(y, score, mass, 0.5, bins=30))
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert ax.lines[1].get_xdata()[0] > 10 * ax.lines[0].get_xdata()[0]
    with pytest.raises(ValueError, match="scores is empty"):
        plot_decorrelation_plane(y, {}, mass)
    plt.close(ax.figure)
