import numpy as np
import pytest

from skjet.preprocessing import JetImage
from skjet.utils._sklearn_compat import InvalidParameterError


def _jet(parts):
    """(E, px, py, pz) rows of massless constituents given (pt, eta, phi)."""
    pt, eta, phi = np.asarray(parts, dtype=np.float64).T
    px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
    return np.stack([pt * np.cosh(eta), px, py, pz], axis=1).astype(np.float32)


def _reference_image(jet, size, width):
    """One jet, plain loop: centre, rotate, flip, histogram (the documented recipe)."""
    rows = [r.astype(np.float64) for r in jet if np.any(r)]
    image = np.zeros((size, size))
    if not rows:
        return image
    total = np.sum(rows, axis=0)
    axis_eta = np.arcsinh(total[3] / np.hypot(total[1], total[2]))
    axis_phi = np.arctan2(total[2], total[1])
    pts, xs, ys = [], [], []
    for _energy, px, py, pz in rows:
        pt = np.hypot(px, py)
        dphi = (np.arctan2(py, px) - axis_phi + np.pi) % (2 * np.pi) - np.pi
        pts.append(pt)
        xs.append(np.arcsinh(pz / pt) - axis_eta)
        ys.append(dphi)
    w, x, y = np.array(pts), np.array(xs), np.array(ys)
    x, y = x - np.average(x, weights=w), y - np.average(y, weights=w)
    cov = np.cov(np.stack([x, y]), aweights=w, bias=True)
    values, vectors = np.linalg.eigh(cov)
    major = vectors[:, np.argmax(values)]
    turn = np.pi / 2 - np.arctan2(major[1], major[0])
    x, y = x * np.cos(turn) - y * np.sin(turn), x * np.sin(turn) + y * np.cos(turn)
    if w[x < 0].sum() > w[x > 0].sum():
        x = -x
    if w[y < 0].sum() > w[y > 0].sum():
        y = -y
    edges = np.linspace(-width / 2, width / 2, size + 1)
    hist, _, _ = np.histogram2d(y, x, bins=[edges, edges], weights=w)
    return hist


def _centroid(images):
    size = images.shape[-1]
    grid = np.arange(size)
    img = images[:, 0].astype(np.float64)
    tot = img.sum(axis=(1, 2))
    rows = (img.sum(axis=2) * grid).sum(axis=1) / tot
    cols = (img.sum(axis=1) * grid).sum(axis=1) / tot
    return rows, cols


def test_matches_per_jet_reference(jets):
    images = JetImage(size=15, normalize=None).fit_transform(jets)
    assert images.shape == (len(jets), 1, 15, 15) and images.dtype == np.float32
    reference = np.stack([_reference_image(j, 15, 1.6) for j in jets])
    # Constituents within rounding of a pixel edge may land in the neighbour: compare sums
    # and require almost every pixel to agree.
    np.testing.assert_allclose(images.sum(axis=(1, 2, 3)), reference.sum(axis=(1, 2)), rtol=1e-4)
    close = np.isclose(images[:, 0], reference, rtol=1e-4, atol=1e-3)
    assert close.mean() > 0.999


def test_sum_normalisation_and_centroid_at_centre(jets):
    images = JetImage(size=33).fit_transform(jets)
    sums = images.sum(axis=(1, 2, 3))
    np.testing.assert_allclose(sums[:-1], 1.0, rtol=1e-5)
    # Wide window: nothing falls outside, so the image centroid is the pT centroid.
    wide = JetImage(size=33, width=4.0).fit_transform(jets)
    rows, cols = _centroid(wide[:-1])
    np.testing.assert_allclose(rows, 16.0, atol=1.0)
    np.testing.assert_allclose(cols, 16.0, atol=1.0)


def test_rotation_puts_principal_axis_vertical():
    # Elongated along the diagonal eta = phi: after rotation the spread is along the rows.
    t = np.linspace(-0.4, 0.4, 9)
    jet = _jet([(20.0, 0.3 + s, 1.0 + s) for s in t] + [(10.0, 0.35, 0.95)])
    image = JetImage(size=33, flip=False).fit_transform(jet[None])[0, 0].astype(np.float64)
    grid = np.arange(33) - 16
    var_rows = (image.sum(axis=1) * grid**2).sum()
    var_cols = (image.sum(axis=0) * grid**2).sum()
    assert var_rows > 20 * var_cols
    unrotated = JetImage(size=33, rotate=False).fit_transform(jet[None])[0, 0]
    assert (
        np.count_nonzero(unrotated.sum(axis=1)) > 5 and np.count_nonzero(unrotated.sum(axis=0)) > 5
    )


def test_flip_to_canonical_quadrant(jets):
    images = JetImage(size=33).fit_transform(jets)[:-1, 0].astype(np.float64)
    right, left = images[:, :, 17:].sum(axis=(1, 2)), images[:, :, :16].sum(axis=(1, 2))
    top, bottom = images[:, 17:].sum(axis=(1, 2)), images[:, :16].sum(axis=(1, 2))
    # Pixel edges blur the constituent-level rule by at most the centre strip.
    centre_col, centre_row = images[:, :, 16].sum(axis=1), images[:, 16].sum(axis=1)
    assert np.all(right + centre_col >= left)
    assert np.all(top + centre_row >= bottom)
    unflipped = JetImage(size=33, flip=False).fit_transform(jets)[:-1, 0]
    assert np.any(unflipped[:, :, 17:].sum(axis=(1, 2)) < unflipped[:, :, :16].sum(axis=(1, 2)))


def test_pixel_placement_without_preprocessing():
    # Two constituents of equal pT at delta eta = +-0.2 from the axis, same phi.
    jet = _jet([(10.0, 0.2, 0.5), (10.0, -0.2, 0.5)])
    image = JetImage(size=9, width=0.9, center=False, rotate=False, flip=False, normalize=None)
    img = image.fit_transform(jet[None])[0, 0]
    # Pixel pitch 0.1, centre pixel (4, 4): eta -0.2 and +0.2 fall in the middle of
    # columns 2 and 6; phi = the axis phi -> row 4.
    assert img[4, 2] == pytest.approx(10.0, rel=1e-5)
    assert img[4, 6] == pytest.approx(10.0, rel=1e-5)
    assert img.sum() == pytest.approx(20.0, rel=1e-5)
    # The same along phi lands in rows 2 and 6 of the centre column.
    vertical = image.fit_transform(_jet([(10.0, 0.0, 1.2), (10.0, 0.0, 0.8)])[None])[0, 0]
    assert vertical[2, 4] == pytest.approx(10.0, rel=1e-5)
    assert vertical[6, 4] == pytest.approx(10.0, rel=1e-5)


def test_max_and_log_normalisation(jets):
    raw = JetImage(size=17, normalize=None).fit_transform(jets)
    peak = JetImage(size=17, normalize="max").fit_transform(jets)
    np.testing.assert_allclose(peak[:-1].max(axis=(1, 2, 3)), 1.0, rtol=1e-6)
    np.testing.assert_allclose(
        peak[:-1], raw[:-1] / raw[:-1].max(axis=(1, 2, 3), keepdims=True), rtol=1e-5
    )
    log = JetImage(size=17, normalize="log").fit_transform(jets)
    np.testing.assert_allclose(log, np.log1p(raw), rtol=1e-5)


@pytest.mark.parametrize("normalize", ["sum", "max", "log", None])
def test_empty_jet_gives_zero_image(normalize):
    X = np.zeros((2, 5, 4), dtype=np.float32)
    X[0, :2] = _jet([(30.0, 0.1, 0.2), (5.0, 0.0, 0.1)])
    images = JetImage(size=11, normalize=normalize).fit_transform(X)
    assert np.all(images[1] == 0.0) and images[0].sum() > 0
    assert np.isfinite(images).all()


def test_constituents_outside_window_are_not_in_image():
    jet = _jet([(50.0, 0.0, 0.0), (1.0, 0.7, 0.0)])
    narrow = JetImage(size=5, width=0.5, center=False, rotate=False, flip=False, normalize=None)
    img = narrow.fit_transform(jet[None])
    assert img.sum() == pytest.approx(50.0, rel=1e-4)
    normalised = JetImage(size=5, width=0.5, center=False, rotate=False, flip=False)
    assert normalised.fit_transform(jet[None]).sum() == pytest.approx(1.0, rel=1e-5)


def test_bad_input(jets):
    with pytest.raises(ValueError, match="3-D"):
        JetImage().fit(jets.reshape(len(jets), -1))
    with pytest.raises(ValueError, match="4 features"):
        JetImage().fit(jets[..., :3])
    bad = jets.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        JetImage().fit(bad)
    with pytest.raises(ValueError, match="0 jets"):
        JetImage().fit(jets[:0])
    with pytest.raises(InvalidParameterError, match="size"):
        JetImage(size=0).fit(jets)
    with pytest.raises(InvalidParameterError, match="normalize"):
        JetImage(normalize="l2").fit(jets)


def test_top_images_spread_more_than_qcd(top_qcd_sample):
    images = JetImage(size=33).fit_transform(top_qcd_sample.constituents)[:, 0]
    target = np.asarray(top_qcd_sample.target)
    # Fraction of the jet pT outside the central 5x5 pixels: three prongs vs one core.
    outside = 1.0 - images[:, 14:19, 14:19].sum(axis=(1, 2))
    assert outside[target == "top"].mean() > outside[target == "qcd"].mean() + 0.1
