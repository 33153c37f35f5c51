"""The hls4ml five-class jet exercise as one scikit-learn Pipeline.

Workflow
--------
1. Jets of five classes -- gluon (g), light quark (q), top (t), W (w) and Z (z) at about
   1 TeV -- described by the 16 high-level features of the hls4ml LHC jet dataset. With
   ``--data`` the public table (parquet or CSV) is read with
   :func:`skjet.datasets.load_hls4ml`; without it, jets are generated with Pythia8 + FastJet
   (:func:`skjet.datasets.generate_jets`) and the same 16 features are computed from their
   constituents with :class:`skjet.features.Substructure`.
2. A random 80 / 10 / 10 split into training, validation and test jets.
3. ``Pipeline(StandardScaler, MLPClassifier)``: the scaler learns means and standard
   deviations on the training split only; the MLP is 16 -> 32 -> 32 -> 32 -> 5 and records
   the training and validation loss (mean per jet) after every epoch.
4. Figures: the loss history, the 5x5 confusion matrix of the test jets, and the ROC curve
   of heavy (t, w, z) against light (g, q) jets -- the class probabilities projected by
   summing the heavy ones -- drawn over the curve expected for the full public dataset.
   The 2x2 confusion matrix of that projection at a threshold of 0.5 is printed.
5. The firmware step: :func:`skjet.export.to_hls4ml` folds the scaler into the first layer
   and compiles the hls4ml C++ of the network at ``ap_fixed<16,6>`` for bit-accurate
   emulation. The float network and the emulated firmware are compared side by side: 5x5
   confusion matrices, accuracy, and the projected heavy-vs-light ROC. Without ``--quick``
   a precision scan (6 to 18 total bits, 6 integer bits) is drawn too. The step needs
   hls4ml (``pip install "skjet[hls4ml]"``) and a C++ compiler; without them it is skipped
   with a message, as it is with ``--no-firmware``.

Run ``python examples/hls4ml_mlp.py --quick`` for a small sample (a few seconds once the
sample is cached, plus one compilation of the firmware) or ``--data
hls4ml_lhc_jets_hlf.parquet`` for the public table.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skjet.metrics import (  # noqa: E402
    projected_confusion_matrix,
    projected_roc_auc,
    projected_roc_curve,
)
from skjet.models import MLPClassifier  # noqa: E402
from skjet.plotting import (  # noqa: E402
    plot_confusion_matrix,
    plot_history,
    plot_precision_scan,
    plot_roc,
)

from _common import example_parser, output_dir, save_figure  # noqa: E402

CLASSES = ("g", "q", "t", "w", "z")
HEAVY = ["t", "w", "z"]

# ROC of heavy (t, w, z) vs light (g, q) jets expected from the 16-32-32-32-5 network
# trained on the full public table: rows of [false positive rate, true positive rate].
EXPECTED_ROC = np.array([
    [0.0, 0.01886829927], [0.0001020304051, 0.1289489538],
    [0.0004081216202, 0.209922966], [0.0009182736455, 0.3068408332],
    [0.001632486481, 0.376408661], [0.002550760127, 0.4303733732],
    [0.003673094582, 0.4678969334], [0.004999489848, 0.5027722976],
    [0.006529945924, 0.526339701], [0.00826446281, 0.5538282184],
    [0.01020304051, 0.5764214002], [0.01234567901, 0.6020473392],
    [0.01469237833, 0.6217746216], [0.01724313846, 0.6441249222],
    [0.01999795939, 0.6616243646], [0.02295684114, 0.6776505449],
    [0.0261197837, 0.6922878624], [0.02948678706, 0.7049561472],
    [0.03305785124, 0.7174712901], [0.03683297623, 0.7281837347],
    [0.04081216202, 0.7378146857], [0.04499540863, 0.7487390868],
    [0.04938271605, 0.7581570351], [0.05397408428, 0.7678773984],
    [0.05876951331, 0.7770101384], [0.06376900316, 0.7856509131],
    [0.06897255382, 0.7942924103], [0.07438016529, 0.8015956393],
    [0.07999183757, 0.8080126115], [0.08580757066, 0.8131647638],
    [0.09182736455, 0.8193828345], [0.09805121926, 0.8250768418],
    [0.1044791348, 0.8305736234], [0.1111111111, 0.8350616401],
    [0.1179471483, 0.8392843805], [0.1249872462, 0.843458635],
    [0.132231405, 0.8485805236], [0.1396796245, 0.8527170936],
    [0.1473319049, 0.8568358996], [0.1551882461, 0.8609808587],
    [0.1632486481, 0.8650308152], [0.1715131109, 0.8690270267],
    [0.1799816345, 0.8728376092], [0.188654219, 0.8768071621],
    [0.1975308642, 0.8809618493], [0.2066115702, 0.8844406165],
    [0.2158963371, 0.8878818684], [0.2253851648, 0.8913015608],
    [0.2350780533, 0.895321326], [0.2449750026, 0.8988141059],
    [0.2550760127, 0.9023606647], [0.2653810836, 0.9060166576],
    [0.2758902153, 0.9095274507], [0.2866034078, 0.9131203545],
    [0.2975206612, 0.9160367475], [0.3086419753, 0.9194866744],
    [0.3199673503, 0.9227445269], [0.331496786, 0.9258525464],
    [0.3432302826, 0.9288425431], [0.35516784, 0.9320369642],
    [0.3673094582, 0.934770168], [0.3796551372, 0.937793916],
    [0.3922048771, 0.9407399938], [0.4049586777, 0.9435231388],
    [0.4179165391, 0.946281785], [0.4310784614, 0.9488092479],
    [0.4444444444, 0.9518475898], [0.4580144883, 0.9547152601],
    [0.471788593, 0.9572437037], [0.4857667585, 0.959630249],
    [0.4999489848, 0.9625112252], [0.5143352719, 0.9647093883],
    [0.5289256198, 0.9668044304], [0.5437200286, 0.9689679766],
    [0.5587184981, 0.9712781888], [0.5739210285, 0.9728035781],
    [0.5893276196, 0.9748502201], [0.6049382716, 0.9769168758],
    [0.6207529844, 0.9783125007], [0.636771758, 0.9804721129],
    [0.6529945924, 0.982129956], [0.6694214876, 0.9841034064],
    [0.6860524436, 0.9858651034], [0.7028874605, 0.9875667363],
    [0.7199265381, 0.9892142364], [0.7371696766, 0.9907125562],
    [0.7546168758, 0.9919437219], [0.7722681359, 0.9932740291],
    [0.7901234568, 0.9942632436], [0.8081828385, 0.9954980595],
    [0.826446281, 0.9962563498], [0.8449137843, 0.9970929737],
    [0.8635853484, 0.9977009724], [0.8824609734, 0.9984200208],
    [0.9015406591, 0.9988781108], [0.9208244057, 0.9991514607],
    [0.940312213, 0.9994587815], [0.9600040812, 0.999709012],
    [0.9799000102, 0.9998581822], [1.0, 1.0],
])

FIGURES = ("loss_history.png", "confusion_matrix.png", "projected_roc.png")
FIRMWARE_FIGURES = ("confusion_float_vs_firmware.png", "projected_roc_float_vs_firmware.png")
PRECISION = "ap_fixed<16,6>"


def parse_args(argv=None) -> argparse.Namespace:
    parser = example_parser(
        __doc__, "hls4ml_mlp",
        data="hls4ml jet table (.parquet or .csv); generated jets if omitted",
        out="folder for the figures",
        n_jets="generated jets per class (default 2000, 300 with --quick)",
    )
    parser.add_argument("--no-firmware", action="store_true",
                        help="skip the hls4ml firmware emulation step")
    return parser.parse_args(argv)


def load_features(args):
    """The 16 hls4ml features and the class labels, from the table or from generated jets."""
    if args.data:
        from skjet.datasets import load_hls4ml

        X, y = load_hls4ml(args.data, return_X_y=True)
        return X, np.asarray(y).astype(str)
    from skjet.datasets import generate_jets
    from skjet.features import HLS4ML_FEATURES, Substructure

    # The --quick settings are those of the test-suite fixture, so its cache is reused.
    n_jets = args.n_jets or (300 if args.quick else 2000)
    sample = generate_jets(CLASSES, n_jets=n_jets, pt_range=(900, 1100),
                           random_state=args.random_state, n_jobs=1, progress=False)
    substructure = Substructure(features=HLS4ML_FEATURES).set_output(transform="pandas")
    return substructure.fit_transform(sample.constituents), np.asarray(sample.target)


def main(argv=None) -> int:
    args = parse_args(argv)
    out = output_dir(args)

    X, y = load_features(args)
    print(f"{len(y)} jets, {X.shape[1]} features, classes {sorted(set(y.tolist()))}")

    # 80 / 10 / 10: hold out 20 %, then halve it into validation and test.
    X_train, X_rest, y_train, y_rest = train_test_split(
        X, y, test_size=0.2, stratify=y, random_state=args.random_state)
    X_valid, X_test, y_valid, y_test = train_test_split(
        X_rest, y_rest, test_size=0.5, stratify=y_rest, random_state=args.random_state)

    # The validation jets reach the network directly (not through the Pipeline), so they
    # are scaled here with the statistics of the training split, the ones the Pipeline
    # learns again when it is fitted on the same jets.
    scaler = StandardScaler().fit(X_train)
    mlp = MLPClassifier(
        hidden_layer_sizes=(32, 32, 32), max_epochs=10 if args.quick else 40, lr=3e-3,
        batch_size=128, train_split=(scaler.transform(X_valid), y_valid),
        random_state=args.random_state,
    )
    model = make_pipeline(StandardScaler(), mlp).fit(X_train, y_train)
    print(model[-1].history_[["epoch", "train_loss", "valid_loss", "valid_accuracy"]]
          .tail(3).to_string(index=False))

    proba = model.predict_proba(X_test)
    classes = model.classes_
    print(f"test accuracy (5 classes): {model.score(X_test, y_test):.3f}")
    cm2 = projected_confusion_matrix(y_test, proba, classes=classes, signal=HEAVY, threshold=0.5)
    print("heavy (t, w, z) vs light (g, q) at threshold 0.5, rows predicted, columns actual:")
    print(f"  [[TP, FP], [FN, TN]] = {cm2.tolist()}")
    auc = projected_roc_auc(y_test, proba, classes=classes, signal=HEAVY)
    print(f"projected AUC: {auc:.3f}")

    fig, ax = plt.subplots()
    plot_history(model, ax=ax)
    save_figure(fig, out / "loss_history.png")

    fig, ax = plt.subplots(figsize=(6, 6))
    plot_confusion_matrix(y_test, model.predict(X_test), labels=list(classes), ax=ax)
    save_figure(fig, out / "confusion_matrix.png")

    fpr, tpr, _ = projected_roc_curve(y_test, proba, classes=classes, signal=HEAVY)
    fig, ax = plt.subplots(figsize=(6, 6))
    plot_roc({"MLP, heavy vs light": (fpr, tpr)}, expected=EXPECTED_ROC, ax=ax)
    save_figure(fig, out / "projected_roc.png")
    print(f"figures written to {out}/: {', '.join(FIGURES)}")
    if not args.no_firmware:
        firmware_step(model, X_test, y_test, out, quick=args.quick)
    return 0


def firmware_step(model, X_test, y_test, out: Path, *, quick: bool) -> None:
    """Float network vs its ap_fixed<16,6> firmware emulation, side by side."""
    from skjet.export import find_cxx_compiler, precision_scan, to_hls4ml

    try:
        import hls4ml  # noqa: F401
    except ImportError:
        print('firmware step skipped: hls4ml is not installed (pip install "skjet[hls4ml]")')
        return
    if find_cxx_compiler() is None:
        print("firmware step skipped: the emulation compiles C++ and no g++ was found")
        return
    firmware = to_hls4ml(model, PRECISION)
    print(f"hls4ml firmware at {PRECISION} compiled in {firmware.compile_seconds_:.1f} s")
    classes = model.classes_
    fig_cm, axes_cm = plt.subplots(1, 2, figsize=(12, 5.5))
    curves = {}
    for (name, clf), ax in zip((("float", model), (PRECISION, firmware)), axes_cm):
        proba = clf.predict_proba(X_test)
        accuracy = clf.score(X_test, y_test)
        auc = projected_roc_auc(y_test, proba, classes=classes, signal=HEAVY)
        print(f"{name:>15}: accuracy {accuracy:.3f}, projected AUC {auc:.3f}")
        plot_confusion_matrix(y_test, clf.predict(X_test), labels=list(classes),
                              normalize="true", ax=ax)
        ax.set_title(f"{name}: accuracy {accuracy:.3f}")
        fpr, tpr, _ = projected_roc_curve(y_test, proba, classes=classes, signal=HEAVY)
        curves[f"{name}, heavy vs light"] = (fpr, tpr)
    agree = (firmware.predict(X_test) == model.predict(X_test)).mean()
    print(f"firmware and float decisions agree on {agree:.1%} of the test jets")
    fig_cm.savefig(out / FIRMWARE_FIGURES[0], dpi=100, bbox_inches="tight")
    plt.close(fig_cm)
    fig, ax = plt.subplots(figsize=(6, 6))
    plot_roc(curves, expected=EXPECTED_ROC, ax=ax)
    fig.savefig(out / FIRMWARE_FIGURES[1], dpi=100, bbox_inches="tight")
    plt.close(fig)
    figures = list(FIRMWARE_FIGURES)
    if not quick:
        # one compilation per width: about half a minute in all
        scan = precision_scan(model, X_test, y_test, widths=range(6, 19, 2), signal=HEAVY)
        print(scan[["precision", "accuracy", "roc_auc"]].to_string(index=False))
        fig, ax = plt.subplots()
        plot_precision_scan(scan, ax=ax)
        fig.savefig(out / "precision_scan.png", dpi=100, bbox_inches="tight")
        plt.close(fig)
        figures.append("precision_scan.png")
    print(f"firmware figures written to {out}/: {', '.join(figures)}")


if __name__ == "__main__":
    raise SystemExit(main())
