import numpy as np
import pandas as pd
import pytest

from skjet.decorrelation import DesignedDecorrelatedTagger, flat_weights, rho
from skjet.metrics import jsd_at_efficiency


def _sculpting_sample(rng, n=20_000):
    """QCD mass falling, signal mass broad; a score that rises with the mass."""
    y = np.repeat([0, 1], n // 2)
    pt = rng.uniform(500, 700, n)
    mass = np.where(y == 1, rng.uniform(20, 250, n), rng.exponential(50, n) + 10)
    score = 0.5 * y + 0.004 * mass + rng.normal(0, 0.3, n)
    return y, pt, mass, score


def test_ddt_flattens_the_background_efficiency_in_rho(rng):
    y, pt, mass, score = _sculpting_sample(rng)
    r = rho(mass, pt)
    ddt = DesignedDecorrelatedTagger(background_efficiency=0.2, n_bins=10)
    out = ddt.fit(np.c_[score, r], y).transform(np.c_[score, r])[:, 0]
    assert ddt.thresholds_.shape == (10, 1) and ddt.bin_edges_.shape == (11,)
    bkg = y == 0
    deciles = np.quantile(r[bkg], np.linspace(0.1, 0.9, 5))
    raw_cut = np.quantile(score[bkg], 0.8)
    raw_efficiencies = []
    for lo, hi in zip(deciles[:-1], deciles[1:]):
        sel = bkg & (r > lo) & (r < hi)
        assert (out[sel] > 0).mean() == pytest.approx(0.2, abs=0.03)
        raw_efficiencies.append((score[sel] > raw_cut).mean())
    assert max(raw_efficiencies) - min(raw_efficiencies) > 0.1  # the raw cut is not flat
    # the DDT score sculpts the background mass far less than the raw score
    bins = np.linspace(10, 300, 30)
    raw, flat = (jsd_at_efficiency(y, s, mass, efficiency=0.5, bins=bins) for s in (score, out))
    assert flat < raw / 5


def test_ddt_direction_less_and_monotonic(rng):
    r = rng.uniform(-6, -2, 5000)
    tau32 = 0.8 + 0.05 * r + rng.normal(0, 0.1, 5000)
    X = np.c_[tau32, tau32 * 2, r]
    ddt = DesignedDecorrelatedTagger(background_efficiency=0.1, direction="less").fit(X)
    out = ddt.transform(X)
    assert out.shape == (5000, 2)
    assert (out[:, 0] > 0).mean() == pytest.approx(0.1, abs=0.01)
    # smaller tau32 at fixed rho -> larger output
    shifted = ddt.transform(np.c_[tau32 - 0.1, tau32 * 2, r])
    np.testing.assert_allclose(shifted[:, 0] - out[:, 0], 0.1)


def test_ddt_labels_weights_and_names(rng):
    y, pt, mass, score = _sculpting_sample(rng, n=4000)
    frame = pd.DataFrame({"score": score, "rho": rho(mass, pt)})
    labels = np.where(y == 1, "top", "qcd")
    a = DesignedDecorrelatedTagger(n_bins=5).fit(frame, labels)
    b = DesignedDecorrelatedTagger(n_bins=5).fit(frame[y == 0])
    np.testing.assert_array_equal(a.thresholds_, b.thresholds_)
    c = DesignedDecorrelatedTagger(n_bins=5).fit(frame, labels, background="top")
    assert (c.thresholds_ > a.thresholds_).all()
    np.testing.assert_array_equal(a.get_feature_names_out(), ["score_ddt"])
    # integer weights count as repetitions
    w = rng.integers(1, 3, size=4000)
    rep = DesignedDecorrelatedTagger(n_bins=5).fit(np.repeat(frame.to_numpy(), w, axis=0))
    weighted = DesignedDecorrelatedTagger(n_bins=5).fit(frame.to_numpy(), sample_weight=w)
    np.testing.assert_allclose(rep.thresholds_, weighted.thresholds_)


def test_ddt_errors(rng):
    with pytest.raises(ValueError, match="1 feature"):
        DesignedDecorrelatedTagger().fit(rng.normal(size=(10, 1)))
    with pytest.raises(ValueError, match="background='w' is not a label"):
        DesignedDecorrelatedTagger().fit(rng.normal(size=(10, 2)), [0, 1] * 5, background="w")
    with pytest.raises(ValueError, match="direction"):
        DesignedDecorrelatedTagger(direction="up").fit(rng.normal(size=(10, 2)))
    with pytest.raises(ValueError, match="pt must be positive"):
        rho([10.0], [0.0])


def test_flat_weights_flatten_each_class(rng):
    y, pt, mass, _ = _sculpting_sample(rng)
    edges = [np.linspace(500, 700, 5), np.linspace(10, 300, 8)]
    w = flat_weights(y, np.c_[pt, mass], bins=edges, max_weight=None)
    for label in (0, 1):
        sel = y == label
        assert w[sel].sum() == pytest.approx(sel.sum())
        # jets beyond the outer edges count in the outer bins
        inside = np.clip(mass[sel], 10, 299.9)
        hist, _, _ = np.histogram2d(pt[sel], inside, bins=edges, weights=w[sel])
        occupied = hist[hist > 0]
        np.testing.assert_allclose(occupied, occupied[0], rtol=1e-9)
    # input weights multiply in; the class totals keep the input weight
    sw = rng.uniform(0.5, 2.0, size=y.size)
    w2 = flat_weights(y, mass, bins=10, sample_weight=sw)
    assert w2[y == 1].sum() == pytest.approx(sw[y == 1].sum())


def test_flat_weights_cap_and_errors(rng):
    y = np.r_[np.zeros(1000), np.ones(1000)]
    mass = np.r_[rng.exponential(30, 1000), rng.normal(170, 10, 1000)]
    capped = flat_weights(y, mass, bins=30, max_weight=5.0)
    uncapped = flat_weights(y, mass, bins=30, max_weight=None)
    assert uncapped[y == 0].max() > 5.0
    # capped, then rescaled to the class total: the cap holds before the rescaling
    assert capped[y == 0].max() < uncapped[y == 0].max() / 2
    assert capped[y == 0].sum() == pytest.approx(1000)
    with pytest.raises(ValueError, match="one row per label"):
        flat_weights(y, mass[:10])
    with pytest.raises(ValueError, match="max_weight must be positive"):
        flat_weights(y, mass, max_weight=0)
