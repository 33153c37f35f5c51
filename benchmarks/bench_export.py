"""Exported models against the Python models they came from, in one run.

1. Inference throughput (jets per second) of ONNX Runtime on the graph from
   :func:`skjet.export.to_onnx` against ``predict_proba`` of the fitted pipeline, for each
   approach of ``skjet demo`` (fitted quickly on generated top vs QCD jets), at batch size
   1 (one jet per call, as in an event loop) and 1024. Both sides run on one thread
   (``torch.set_num_threads(1)``, ONNX Runtime ``intra_op_num_threads=1``); predict_proba
   gets the input it was fitted on (DataFrame or array), ONNX Runtime a float32 array.
   The largest probability difference is printed as a check.
2. The hls4ml firmware emulation of the jet-exercise MLP (StandardScaler + 16-32-32-32-5
   on the 16 hls4ml features of generated g/q/t/w/z jets) against the float pipeline:
   accuracy and heavy-vs-light projected AUC on held-out jets at several
   ``ap_fixed<W,6>`` precisions (:func:`skjet.export.precision_scan`), with the
   compilation time.
3. The same on top vs QCD jet features in physical units (the 12 ``jet_features`` of
   ``skjet demo``: pT ~ 600 GeV, masses up to 300 GeV next to N-subjettiness ratios),
   where the scaler folded into the first layer matters most: agreement of the firmware's
   decisions with the float pipeline's at the default precision, with the input and
   first-layer types :func:`skjet.export.to_hls4ml` chose. Run it against another
   checkout (``PYTHONPATH=/path/to/other``) for the baseline.

Usage::

    PYTHONPATH=. python benchmarks/bench_export.py [--quick] [--part {all,hls4ml,hls4ml-top}]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd


def _rate(fn, n_jets: int, min_time: float) -> float:
    """Jets per second of ``fn`` (processing ``n_jets`` per call), best of repeated bursts."""
    fn()  # warm-up
    best = np.inf
    for _ in range(3):
        calls, start = 0, time.perf_counter()
        while True:
            fn()
            calls += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_time / 3:
                break
        best = min(best, elapsed / calls)
    return n_jets / best


def _rows(X, index):
    return X.iloc[index] if isinstance(X, pd.DataFrame) else X[index]


def bench_onnx(n_jets: int, min_time: float) -> pd.DataFrame:
    import onnxruntime as ort
    import torch

    from skjet.datasets import generate_jets
    from skjet.export import to_onnx
    from skjet.model_selection import prepare_inputs, standard_approaches

    torch.set_num_threads(1)
    sample = generate_jets(("top", "qcd"), n_jets=n_jets, random_state=0, progress=False,
                           cache=True, n_jobs=1)
    y = np.asarray(sample.target)
    inputs = prepare_inputs(sample.constituents)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    rows = []
    for name, (est, key) in standard_approaches(quick=True, random_state=0,
                                                from_scratch=True, cnn=True).items():
        X = inputs[key]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est.fit(X, y)
        start = time.perf_counter()
        model = to_onnx(est, _rows(X, slice(0, 64)))
        export_s = time.perf_counter() - start
        session = ort.InferenceSession(model.SerializeToString(), options,
                                       providers=["CPUExecutionProvider"])
        big = np.resize(np.arange(len(y)), 1024)
        X1, X1024 = _rows(X, [0]), _rows(X, big)
        A1 = np.asarray(X1, dtype=np.float32)
        A1024 = np.asarray(X1024, dtype=np.float32)
        diff = np.abs(session.run(["probabilities"], {"X": A1024})[0]
                      - est.predict_proba(X1024)).max()
        row = {"approach": name, "export_s": export_s, "max |diff|": diff}
        for batch, Xp, Xo in ((1, X1, A1), (1024, X1024, A1024)):
            py = _rate(lambda Xp=Xp, est=est: est.predict_proba(Xp), batch, min_time)
            rt = _rate(lambda Xo=Xo, s=session: s.run(["probabilities"], {"X": Xo}), batch,
                       min_time)
            row[f"predict_proba b{batch} jets/s"] = py
            row[f"onnxruntime b{batch} jets/s"] = rt
            row[f"ratio b{batch}"] = rt / py
        rows.append(row)
    return pd.DataFrame(rows)


def bench_hls4ml(n_jets: int, widths) -> pd.DataFrame:
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skjet.datasets import generate_jets
    from skjet.export import precision_scan, to_hls4ml
    from skjet.features import HLS4ML_FEATURES, Substructure
    from skjet.models import MLPClassifier

    sample = generate_jets(("g", "q", "t", "w", "z"), n_jets=n_jets, pt_range=(900, 1100),
                           random_state=0, progress=False, cache=True, n_jobs=1)
    X = Substructure(features=HLS4ML_FEATURES).set_output(transform="pandas").fit_transform(
        sample.constituents)
    y = np.asarray(sample.target)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=0)
    pipe = make_pipeline(StandardScaler(), MLPClassifier(max_epochs=40, lr=3e-3,
                                                         batch_size=128, random_state=0))
    pipe.fit(X_train, y_train)
    start = time.perf_counter()
    firmware = to_hls4ml(pipe)
    print(f"to_hls4ml (convert + compile, ap_fixed<16,6>): {time.perf_counter() - start:.1f} s; "
          f"{len(X_test)} test jets, {len(X_train)} training jets")
    agree = (firmware.predict(X_test) == pipe.predict(X_test)).mean()
    print(f"ap_fixed<16,6> and float decisions agree on {agree:.1%} of the test jets")
    return precision_scan(pipe, X_test, y_test, widths=widths, signal=["t", "w", "z"])


def bench_hls4ml_top(n_jets: int) -> pd.DataFrame:
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skjet.datasets import generate_jets
    from skjet.export import to_hls4ml
    from skjet.model_selection import prepare_inputs
    from skjet.models import MLPClassifier

    sample = generate_jets(("top", "qcd"), n_jets=n_jets, random_state=0, progress=False,
                           cache=True, n_jobs=1)
    X = prepare_inputs(sample.constituents)["jet_features"]
    y = np.asarray(sample.target)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=0)
    rows = []
    for seed in (0, 1, 2):
        pipe = make_pipeline(StandardScaler(), MLPClassifier(max_epochs=40, random_state=seed))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pipe.fit(X_train, y_train)
            firmware = to_hls4ml(pipe)  # the defaults: ap_fixed<16,6>, input "auto"
            agree = (firmware.predict(X_test) == pipe.predict(X_test)).mean()
        rows.append(dict(
            seed=seed, test_jets=len(X_test), agree=agree,
            accuracy_float=pipe.score(X_test, y_test),
            accuracy_firmware=firmware.score(X_test, y_test),
            input_type=getattr(firmware, "input_precision_", firmware.input_precision),
            first_layer=str(getattr(firmware, "first_layer_precision_", firmware.precision)),
        ))
    return pd.DataFrame(rows)


def _print_top(quick: bool) -> None:
    print("\n== hls4ml default (ap_fixed<16,6>) vs float, top vs QCD jet features in GeV ==")
    top = bench_hls4ml_top(800 if quick else 2000)
    print(top.to_string(index=False))
    print(f"decisions agree on {top['agree'].mean():.1%} of the test jets (mean of "
          f"{len(top)} trainings)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--part", choices=["all", "hls4ml", "hls4ml-top"], default="all",
                        help="hls4ml: parts 2 and 3; hls4ml-top: part 3 only")
    args = parser.parse_args(argv)
    pd.set_option("display.width", 200)
    pd.set_option("display.float_format", "{:.3g}".format)
    if args.part == "hls4ml-top":
        _print_top(args.quick)
        return 0

    if args.part == "all":
        print("== ONNX Runtime vs predict_proba, one thread each ==")
        table = bench_onnx(800 if args.quick else 2000, 0.5 if args.quick else 2.0)
        print(table.to_string(index=False))

    print("\n== hls4ml fixed-point emulation vs float, 5 classes (heavy vs light AUC) ==")
    widths = (8, 12, 16) if args.quick else range(6, 19, 2)
    scan = bench_hls4ml(300 if args.quick else 1500, widths)
    print(scan[["precision", "accuracy", "accuracy_float", "roc_auc", "roc_auc_float"]]
          .to_string(index=False))

    _print_top(args.quick)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
