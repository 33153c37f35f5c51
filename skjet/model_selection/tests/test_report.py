"""report.html: one self-contained page, checked in a real (headless) browser."""

import json
import re
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

from skjet.model_selection import ReportFigure, compare, write_comparison_report, write_report

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.UndefinedMetricWarning")

SAMPLE = r"top vs QCD, √s = 14 TeV, anti-$k_T$ R = 0.8, 550 < $p_T$ < 650 GeV, $|\eta|$ < 2"


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    import matplotlib

    matplotlib.use("Agg")
    from skjet.models import MLPClassifier

    X, y = make_classification(n_samples=400, n_features=4, class_sep=0.8, random_state=0)
    y = np.where(y == 1, "top", "qcd")
    features = pd.DataFrame(X, columns=["mass", "pt", "tau32", "tau21"])
    estimators = {
        "logistic": LogisticRegression(),
        "tree": DecisionTreeClassifier(max_depth=3, random_state=0),
        "MLP": MLPClassifier(hidden_layer_sizes=(8,), max_epochs=3, random_state=0),
    }
    result = compare(estimators, X.astype(np.float32), y, test_size=0.3, random_state=0,
                     return_estimators=True)
    images = np.random.default_rng(0).random((400, 1, 7, 7))
    out = tmp_path_factory.mktemp("report")
    path = write_comparison_report(
        result, out, X=X.astype(np.float32), y=y, features=features, images=images,
        sample=SAMPLE, settings={"n_jets": 400, "model": {"hidden": [8]}},
        formats=("png",),  # PDF output: tests/test_cli.py and the plotting tests
    )
    return path, result


def test_page_is_self_contained_in_reader_order(report):
    path, result = report
    page = path.read_text()
    out = path.parent
    pngs = sorted(p.name for p in out.glob("*.png"))
    assert {"features_data.png", "features_inputs.png", "jet_images.png", "history_mlp.png",
            "roc.png", "rejection.png", "scores.png", "confusion.png"} <= set(pngs)
    sources = re.findall(r'<img src="([^"]*)"', page)
    assert len(sources) == len(pngs)
    assert all(src.startswith("data:image/png;base64,") for src in sources)
    assert "<link" not in page and "<script" not in page  # nothing to fetch
    positions = [page.index(f'<h2 id="{s}">') for s in
                 ("settings", "table", "data", "inputs", "training", "performance")]
    assert positions == sorted(positions)
    assert result.to_html() in page
    assert "+" in result.to_html() and "68 % stat. interval" in page
    assert "<dt>model</dt><dd>{&quot;hidden&quot;: [8]}</dd>" in page
    assert "<dt>evaluation</dt><dd>held-out split, 30% test</dd>" in page
    # The sample line in plain text (the figures carry it as mathtext).
    assert "top vs QCD, √s = 14 TeV, anti-kT R = 0.8, 550 &lt; pT &lt; 650 GeV, |η| &lt; 2" in page


def test_write_report_refuses_what_it_cannot_embed(tmp_path, report):
    _, result = report
    with pytest.raises(ValueError, match="section must be one of"):
        ReportFigure("results", tmp_path / "a.png")
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(b"%PDF")
    with pytest.raises(ValueError, match="embeds PNG"):
        write_report(tmp_path / "r.html", result, [ReportFigure("data", pdf)])


def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("no chromium on PATH: the browser test of report.html needs headless Chromium "
                "(Debian: apt-get install chromium), as CI installs it")


_CHECK = """<script>
window.addEventListener("load", function () {
  var images = Array.from(document.images);
  var out = document.createElement("pre");
  out.id = "skjet-check";
  out.textContent = JSON.stringify({
    widths: images.map(function (i) { return i.complete ? i.naturalWidth : 0; }),
    tables: document.querySelectorAll("table.skjet-comparison tbody tr").length,
  });
  document.body.appendChild(out);
});
</script>"""


def _render(page: str, tmp_path) -> dict:
    """Load ``page`` in headless Chromium; what the page's own JavaScript saw once loaded."""
    probe = tmp_path / "probe.html"
    probe.write_text(page.replace("</body>", _CHECK + "</body>"), encoding="utf-8")
    command = [
        _chromium(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
        "--virtual-time-budget=10000", "--dump-dom", probe.as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    found = re.search(r'<pre id="skjet-check">(.*?)</pre>', done.stdout)
    assert found, f"chromium rendered no check (rc {done.returncode}): {done.stderr[-2000:]}"
    return json.loads(found.group(1).replace("&quot;", '"'))


def test_every_image_loads_in_a_browser(report, tmp_path):
    path, result = report
    page = path.read_text()
    seen = _render(page, tmp_path)
    assert len(seen["widths"]) == page.count("<img ")
    assert all(width > 0 for width in seen["widths"]), seen
    assert seen["tables"] == len(result.table)
    # The check can fail: a corrupt image has no width.
    broken = page.replace("data:image/png;base64,iVBOR", "data:image/png;base64,AAAAA", 1)
    assert _render(broken, tmp_path)["widths"].count(0) == 1
