"""compare(..., decorrelation_target=...): DisCo fits, the 1/JSD metric and the figures."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skjet.metrics import jsd_at_efficiency
from skjet.model_selection import compare, write_comparison_report
from skjet.models import MLPClassifier

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_compare_passes_the_target_and_adds_inv_jsd(tmp_path, mass_correlated_jets):
    X, y, mass = mass_correlated_jets(n=1600)
    mlp = dict(hidden_layer_sizes=(16,), max_epochs=8, batch_size=400, random_state=0,
               device="cpu", lr=0.01)
    estimators = {
        "logistic": LogisticRegression(),
        "MLP DisCo": make_pipeline(
            StandardScaler(),
            MLPClassifier(decorrelation="disco", decorrelation_strength=2.0, **mlp)),
    }
    result = compare(estimators, X, y, test_size=0.5, random_state=0, scoring=["r50"],
                     decorrelation_target=mass, return_estimators=True)
    assert list(result.metrics) == ["r50", "inv_jsd50"]
    pred = result.predictions
    np.testing.assert_array_equal(pred["decorrelation_target"], mass[pred["index"]])
    for name in estimators:
        expected = 1 / jsd_at_efficiency(pred["is_signal"], pred[name], pred["decorrelation_target"])
        assert result.table.loc[name, "inv_jsd50_mean"] == pytest.approx(expected)
    # the DisCo network sculpts less than the mass-using logistic regression
    assert result.table.loc["MLP DisCo", "inv_jsd50_mean"] > 3 * result.table.loc[
        "logistic", "inv_jsd50_mean"]
    path = write_comparison_report(result, tmp_path, formats=("png",))
    html = path.read_text()
    assert "decorrelation_plane" in html or (tmp_path / "decorrelation_plane.png").exists()
    assert (tmp_path / "sculpting.png").exists() and (tmp_path / "decorrelation_plane.png").exists()


def test_compare_target_errors(mass_correlated_jets):
    X, y, mass = mass_correlated_jets(n=200)
    with pytest.raises(ValueError, match=r"decorrelation_target has shape \(10,\)"):
        compare({"lr": LogisticRegression()}, X, y, test_size=0.5, decorrelation_target=mass[:10])
    with pytest.raises(ValueError, match="reserved"):
        compare({"decorrelation_target": LogisticRegression()}, X, y, test_size=0.5)
