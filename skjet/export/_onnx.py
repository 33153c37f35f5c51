"""One ONNX graph per fitted estimator or Pipeline, through skl2onnx's extension API.

scikit-learn steps are converted by skl2onnx itself. skjet's steps get converters registered
with :func:`skl2onnx.update_registered_converter`, so ``skl2onnx.to_onnx`` walks a whole
Pipeline and each step adds its nodes to the same graph:

- the neural classifiers: ``softmax(module_(x))`` is exported by torch's exporter
  (``torch.onnx.export(..., dynamo=True)``) and its nodes are inlined into the graph; any
  classifier with a fitted torch ``module_`` that returns logits from the validated float32
  input (every skjet neural classifier) is handled, with no per-class code;
- XGBoostClassifier: onnxmltools' tree-ensemble converter on the wrapped booster;
- CutAndCountClassifier, the constituent transformers and the kinematic feature extractors:
  their arithmetic written as ONNX operators here, in float64 where skjet computes in
  float64.
"""

from __future__ import annotations

import copy
import os
import warnings
from collections.abc import Callable
from numbers import Real
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from ..utils import import_optional
from ..utils._sklearn_compat import Interval, validate_params
from ._skl2onnx_compat import has_converter, xgboost_converter

# ONNX operator set of the graphs (torch's exporter and skl2onnx both produce it).
TARGET_OPSET = 18
_ML_OPSET = 3
_EXTRA = "skjet.export.to_onnx"

# Steps that cannot be written as ONNX operators: by class name, when (a test on the
# step's parameters: steps are refused before anything is fitted or converted) and why.
_NOT_EXPRESSIBLE: dict[str, tuple[Callable[[Any], bool], str]] = {
    "Substructure": (
        lambda step: True,
        "its observables (N-subjettiness, soft-drop mass, energy correlation functions) run "
        "FastJet's clustering, which has no ONNX equivalent; compute them upstream and export "
        "the model that takes the jet-feature table",
    ),
    "RelativeConstituents": (
        lambda step: bool(tuple(step.nsubjettiness_axes)),
        "with nsubjettiness_axes, the distances to the N-subjettiness axes run FastJet's "
        "clustering, which has no ONNX equivalent; compute the features upstream and export "
        "the model that takes them",
    ),
    "JetImage": (
        lambda step: True,
        "pixelation bins each constituent by a floor of float coordinates after centring, "
        "rotation and flipping, and a constituent within rounding of a pixel edge lands in a "
        "different pixel in float32 ONNX arithmetic than in skjet's float64; make the images "
        "upstream and export the model that takes images",
    ),
}


def _modules():
    onnx = import_optional("onnx", purpose=_EXTRA)
    skl2onnx = import_optional("skl2onnx", purpose=_EXTRA)
    return onnx, skl2onnx


# --------------------------------------------------------------------------- node helpers
class _Graph:
    """Adds nodes and constants to a skl2onnx container under unique names."""

    def __init__(self, scope, container, prefix: str):
        self.scope, self.container, self.prefix = scope, container, prefix

    def name(self, hint: str) -> str:
        return self.scope.get_unique_variable_name(f"{self.prefix}_{hint}")

    def const(self, value, dtype=np.float32, hint: str = "c") -> str:
        from onnx import numpy_helper

        array = np.asarray(value, dtype=dtype)
        tensor = numpy_helper.from_array(array, self.name(hint))
        self.container.initializers.append(tensor)
        return tensor.name

    def op(self, op_type: str, *inputs: str, out: str | None = None, **attrs) -> str:
        out = out or self.name(op_type.lower())
        self.container.add_node(
            op_type,
            list(inputs),
            [out],
            name=self.scope.get_unique_operator_name(f"{self.prefix}_{op_type}"),
            **attrs,
        )
        return out

    def cast(self, x: str, to) -> str:
        from onnx import TensorProto

        return self.op("Cast", x, to={np.float32: TensorProto.FLOAT,
                                      np.float64: TensorProto.DOUBLE}[to])

    def take(self, x: str, index: int, axis: int = -1) -> str:
        """``x[..., index]`` along ``axis`` (the axis is dropped)."""
        return self.op("Gather", x, self.const(index, np.int64, "i"), axis=axis)

    def where(self, cond: str, a: str, b: str) -> str:
        return self.op("Where", cond, a, b)

    def atan2(self, y: str, x: str, dtype) -> str:
        """numpy's arctan2 (ONNX has no Atan2; ONNX Runtime's Atan is float32 only)."""
        zero, one = self.const(0, dtype), self.const(1, dtype)
        safe = self.where(self.op("Equal", x, zero), one, x)
        base = self.op("Atan", self.cast(self.op("Div", y, safe), np.float32))
        base = self.cast(base, dtype) if dtype is not np.float32 else base
        pi, half_pi = self.const(np.pi, dtype), self.const(np.pi / 2, dtype)
        shifted = self.op(
            "Add", base,
            self.where(self.op("GreaterOrEqual", y, zero), pi, self.op("Neg", pi)),
        )
        on_axis = self.op("Mul", self.op("Sign", y), half_pi)
        return self.where(
            self.op("Greater", x, zero), base,
            self.where(self.op("Less", x, zero), shifted, on_axis),
        )

    def hypot(self, a: str, b: str) -> str:
        return self.op("Sqrt", self.op("Add", self.op("Mul", a, a), self.op("Mul", b, b)))

    def eta(self, p: str, dtype) -> str:
        """asinh(pz / pT), 0 where pT = 0, on four-momenta (..., 4), as skjet's ``eta``."""
        transverse = self.hypot(self.take(p, 1), self.take(p, 2))
        zero, one = self.const(0, dtype), self.const(1, dtype)
        has_pt = self.op("Greater", transverse, zero)
        ratio = self.op("Div", self.take(p, 3), self.where(has_pt, transverse, one))
        # asinh(z) = sign(z) log(|z| + sqrt(z^2 + 1)), stable for both signs (no Asinh in
        # float64 in ONNX Runtime)
        size = self.op("Abs", ratio)
        root = self.op("Sqrt", self.op("Add", self.op("Mul", size, size), one))
        value = self.op("Log", self.op("Add", size, root))
        return self.where(has_pt, self.op("Mul", self.op("Sign", ratio), value), zero)

    def real_mask(self, X: str) -> str:
        """Boolean (n, m): the constituent row has a non-zero entry."""
        nonzero = self.op("Not", self.op("Equal", X, self.const(0.0, np.float32)))
        as_int = self.op("Cast", nonzero, to=6)  # INT32: ReduceMax has no bool kernel
        return self.op("Cast", self.op("ReduceMax", as_int, self.const([-1], np.int64),
                                       keepdims=0), to=9)  # BOOL


def _label_output(g: _Graph, proba: str, label: str, classes: np.ndarray) -> None:
    """``classes_[argmax(proba)]`` into the label output."""
    _gather_label(g, g.op("ArgMax", proba, axis=1, keepdims=0), label, classes)


def _gather_label(g: _Graph, index: str, label: str, classes: np.ndarray) -> None:
    if classes.dtype.kind in "iub":
        table = g.const(classes.astype(np.int64), np.int64, "classes")
    else:
        from onnx import TensorProto, helper

        name = g.name("classes")
        g.container.initializers.append(
            helper.make_tensor(
                name, TensorProto.STRING, [len(classes)],
                [str(c).encode() for c in classes],  # type: ignore[misc]  # stubs omit bytes
            )
        )
        table = name
    g.op("Gather", table, index, out=label, axis=0)


def _classifier_shapes(operator) -> None:
    from skl2onnx.common.data_types import FloatTensorType, Int64TensorType, StringTensorType

    est = operator.raw_operator
    n = operator.inputs[0].get_first_dimension()
    kind = np.asarray(est.classes_).dtype.kind
    operator.outputs[0].type = (Int64TensorType if kind in "iub" else StringTensorType)([n])
    operator.outputs[1].type = FloatTensorType([n, len(est.classes_)])


# --------------------------------------------------------------------------- neural networks
def _input_dims(variable) -> list:
    return list(variable.type.shape)


def _example_input(dims):
    """An example tensor of the graph input's layout, a physical four-momentum (E > |p|)
    in every row of constituents: a module may compute angles and logarithms."""
    import torch

    example = torch.ones([2, *(d if isinstance(d, int) else 3 for d in dims[1:])])
    if example.ndim == 3 and example.shape[-1] >= 4:
        example[..., 0] = 2.0
    return example


def _neural_proba_module(est):
    """``softmax(module_(x))`` on CPU.

    ``module_`` takes the estimator's input as it is (``validate_input`` only checks and
    converts to float32): everything the model computes from it (the hardest constituents,
    the particle features, a channel axis) is part of the module, so it is exported as it
    is, with no knowledge of the estimator's input check.
    """
    import torch

    module = copy.deepcopy(est.module_).to("cpu").eval()
    # A subclass's module_inputs (features computed per batch) is part of the model.
    batch_inputs = est._batch_inputs() if hasattr(est, "_batch_inputs") else None

    class Proba(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.module = module

        def forward(self, x):
            inputs = batch_inputs(x) if batch_inputs is not None else x
            logits = self.module(*inputs) if isinstance(inputs, tuple) else self.module(inputs)
            return torch.softmax(logits, dim=1)

    return Proba()


def _export_torch(est, module, dims):
    """The ONNX model of the torch ``module`` (``est``'s computation, named in errors),
    batch (and constituent) axes dynamic."""
    import torch
    from torch.export import Dim

    onnx = import_optional("onnx", purpose=_EXTRA)
    import_optional("onnxscript", purpose=_EXTRA)
    example = _example_input(dims)
    dynamic = {0: Dim("batch")}
    for axis, d in enumerate(dims[1:], start=1):
        if not isinstance(d, int):
            dynamic[axis] = Dim(f"axis{axis}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            program = torch.onnx.export(
                module, (example,), dynamo=True, dynamic_shapes={"x": dynamic},
                opset_version=TARGET_OPSET, verbose=False, optimize=True,
            )
    except Exception as exc:  # the exporter raises many types
        # torch.export cannot trace some reference modules (weaver's ParticleNet and ParT);
        # the TorchScript exporter can. It is the fallback only: it once exported Deep Sets'
        # index_add_ pooling wrongly, and to_onnx's parity check guards against that.
        model = _export_torchscript(est, module, example, dims, exc)
    else:
        model = program.model_proto
    if model.functions:
        model = onnx.inliner.inline_local_functions(model)
    return model


def _sort_nodes(graph, outer: frozenset = frozenset()) -> None:
    """Put the nodes of ``graph`` and of its subgraphs in topological order, in place
    (stable: nodes already in order keep it). Merging the TorchScript exporter's graphs can
    leave a node before the node that makes its input; ONNX requires the order. ``outer``:
    the names a subgraph sees in its enclosing graphs."""
    from onnx import AttributeProto

    known = {i.name for i in graph.input} | {t.name for t in graph.initializer} | {""}
    known |= outer
    nodes = list(graph.node)
    visible = frozenset(known.union(*(n.output for n in nodes)))
    for node in nodes:
        for attribute in node.attribute:
            if attribute.type == AttributeProto.GRAPH:
                _sort_nodes(attribute.g, visible)
            elif attribute.type == AttributeProto.GRAPHS:
                for sub in attribute.graphs:
                    _sort_nodes(sub, visible)
    needs = [set(n.input) | _outer_names(n) for n in nodes]
    pending, ordered = list(range(len(nodes))), []
    while pending:
        ready = [i for i in pending if needs[i] <= known]
        if not ready:
            return  # a cycle or an unknown name: leave it to the checker's message
        ready_set = set(ready)
        pending = [i for i in pending if i not in ready_set]
        for i in ready:
            ordered.append(nodes[i])
            known.update(nodes[i].output)
    copies = [type(n)() for n in ordered]
    for copy_, node in zip(copies, ordered, strict=True):
        copy_.CopyFrom(node)
    del graph.node[:]
    graph.node.extend(copies)


def _rename_outer_references(node, rename, local: frozenset = frozenset()) -> None:
    """Rename, inside the subgraphs of ``node`` (an If's branches, a Loop's body), the names
    they read from the enclosing graph, as the enclosing graph's were renamed; the names
    a subgraph makes itself stay."""
    from onnx import AttributeProto

    for attribute in node.attribute:
        graphs = (
            [attribute.g] if attribute.type == AttributeProto.GRAPH
            else list(attribute.graphs) if attribute.type == AttributeProto.GRAPHS else []
        )
        for sub in graphs:
            own = set(local) | {i.name for i in sub.input} | {t.name for t in sub.initializer}
            for inner in sub.node:
                own.update(inner.output)
            own.discard("")
            for inner in sub.node:
                for i, name in enumerate(inner.input):
                    if name and name not in own:
                        inner.input[i] = rename(name)
                _rename_outer_references(inner, rename, frozenset(own))
            for output in sub.output:
                if output.name not in own:
                    output.name = rename(output.name)


def _outer_names(node) -> set:
    """Names the subgraphs of ``node`` (an If's branches, a Loop's body) read from the
    enclosing graph: a node must come after the producers of those too."""
    from onnx import AttributeProto

    outer: set = set()
    for attribute in node.attribute:
        graphs = (
            [attribute.g] if attribute.type == AttributeProto.GRAPH
            else list(attribute.graphs) if attribute.type == AttributeProto.GRAPHS else []
        )
        for sub in graphs:
            local = {i.name for i in sub.input} | {t.name for t in sub.initializer}
            for inner in sub.node:
                local.update(inner.output)
            for inner in sub.node:
                outer.update(name for name in inner.input if name not in local)
                outer.update(_outer_names(inner) - local)
    outer.discard("")
    return outer


def _module_name(module) -> str:
    """The class name of the module inside ``_neural_proba_module``'s wrapper."""
    return type(getattr(module, "module", module)).__name__


def _export_torchscript(est, module, example, dims, first_error):
    """``module`` exported by torch's TorchScript-based exporter, with dynamic axes."""
    import io

    import torch

    onnx = import_optional("onnx", purpose=_EXTRA)
    axes = {0: "batch"}
    axes.update({axis: f"axis{axis}" for axis, d in enumerate(dims[1:], start=1)
                 if not isinstance(d, int)})
    buffer = io.BytesIO()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                module, (example,), buffer, dynamo=False, input_names=["x"],
                output_names=["proba"], dynamic_axes={"x": axes, "proba": {0: "batch"}},
                opset_version=TARGET_OPSET,
            )
    except Exception as exc:  # the exporter raises many types; name the step
        raise ValueError(
            f"{type(est).__name__}: torch's ONNX exporters failed on its module "
            f"{_module_name(module)}: torch.export: {type(first_error).__name__}: "
            f"{str(first_error)[:300]}; TorchScript: {type(exc).__name__}: {str(exc)[:300]}"
        ) from exc
    model = onnx.load_from_string(buffer.getvalue())
    for node in model.graph.node:
        # omitted optional inputs ("") at the end mean the same as no input, and the
        # graph merging downstream cannot place a tensor without a name
        while node.input and node.input[-1] == "":
            node.input.pop()
    if any(name == "" for node in model.graph.node for name in node.input):
        raise ValueError(
            f"{type(est).__name__}: torch.export cannot trace its module "
            f"{_module_name(module)} ({type(first_error).__name__}), and the "
            "TorchScript exporter's graph omits optional inputs in the middle of operators, "
            "which skl2onnx cannot merge into one graph; export the module alone with "
            "torch.onnx.export instead."
        )
    try:
        onnx.checker.check_model(model)
    except onnx.checker.ValidationError as exc:
        raise ValueError(
            f"{type(est).__name__}: torch.export cannot trace its module "
            f"{_module_name(module)} ({type(first_error).__name__}), and the "
            f"TorchScript exporter gives an invalid ONNX graph: {str(exc)[:300]}"
        ) from exc
    return model


def _convert_neural(scope, operator, container):
    est = operator.raw_operator
    sub = _export_torch(est, _neural_proba_module(est), _input_dims(operator.inputs[0]))
    g = _Graph(scope, container, type(est).__name__)
    proba = operator.outputs[1].full_name
    _inline(g, sub, operator.inputs[0].full_name, proba)
    _label_output(g, proba, operator.outputs[0].full_name, np.asarray(est.classes_))


def _inline(g: _Graph, sub, input_name: str, output_name: str) -> None:
    """The nodes and weights of the one-input, one-output ONNX model ``sub`` added to the
    graph of ``g``, under fresh names, reading ``input_name`` and writing ``output_name``."""
    scope, container = g.scope, g.container
    rename = {sub.graph.input[0].name: input_name, sub.graph.output[0].name: output_name,
              "": ""}
    for tensor in sub.graph.initializer:
        rename[tensor.name] = g.name("w")
        new = copy.deepcopy(tensor)
        new.name = rename[tensor.name]
        container.initializers.append(new)
    for node in sub.graph.node:
        new = copy.deepcopy(node)
        for i, name in enumerate(new.input):
            new.input[i] = rename.setdefault(name, g.name("t"))
        for i, name in enumerate(new.output):
            new.output[i] = rename.setdefault(name, g.name("t"))
        _rename_outer_references(new, lambda name: rename.setdefault(name, g.name("t")))
        new.name = scope.get_unique_operator_name(f"{g.prefix}_{node.op_type}")
        container.nodes.append(new)
    for opset in sub.opset_import:
        container.node_domain_version_pair_sets.add((opset.domain, opset.version))


# --------------------------------------------------------------------------- trees and cuts
def _convert_xgboost(scope, operator, container):
    from skl2onnx.common.data_types import FloatTensorType, Int64TensorType

    est = operator.raw_operator
    g = _Graph(scope, container, "XGBoostClassifier")
    label = scope.declare_local_variable("xgb_label", Int64TensorType())
    proba = operator.outputs[1]

    # onnxmltools reads features as f0, f1, ...: drop the column names of a DataFrame fit
    booster = copy.deepcopy(est.estimator_)
    booster.get_booster().feature_names = None

    class _Booster:  # the operator onnxmltools expects: the wrapped xgboost model
        raw_operator = booster
        inputs = operator.inputs
        outputs = [label, proba]
        input_full_names = [v.full_name for v in operator.inputs]
        output_full_names = [label.full_name, proba.full_name]

    proba.type = FloatTensorType([None, len(est.classes_)])
    xgboost_converter()(scope, _Booster, container)
    _label_output(g, proba.full_name, operator.outputs[0].full_name, np.asarray(est.classes_))


def _convert_cut_and_count(scope, operator, container):
    est = operator.raw_operator
    g = _Graph(scope, container, "CutAndCountClassifier")
    X = g.cast(operator.inputs[0].full_name, np.float64)
    n_passed, margin, active = None, None, 0
    for cut in est.cuts_:
        if cut["form"] == "all":
            continue
        active += 1
        x = g.take(X, int(cut["index"]))
        scale = float(est._scale[cut["index"]])
        low = None if cut["low"] is None else g.const(cut["low"], np.float64)
        high = None if cut["high"] is None else g.const(cut["high"], np.float64)
        s = g.const(scale, np.float64)
        if cut["form"] == "below":
            passed, m = g.op("Less", x, high), g.op("Div", g.op("Sub", high, x), s)
        elif cut["form"] == "above":
            passed, m = g.op("GreaterOrEqual", x, low), g.op("Div", g.op("Sub", x, low), s)
        else:
            inside = g.op("And", g.op("GreaterOrEqual", x, low), g.op("Less", x, high))
            depth = g.op("Div", g.op("Min", g.op("Sub", x, low), g.op("Sub", high, x)), s)
            if cut["form"] == "window":
                passed, m = inside, depth
            else:
                passed, m = g.op("Not", inside), g.op("Neg", depth)
        passed = g.op("Cast", passed, to=11)  # DOUBLE
        n_passed = passed if n_passed is None else g.op("Add", n_passed, passed)
        margin = m if margin is None else g.op("Min", margin, m)
    if active == 0:
        # no active cut: every event passes, the tie-breaker is neutral
        zeros = g.op("ReduceSum", g.op("Mul", X, g.const(0.0, np.float64)),
                     g.const([1], np.int64), keepdims=0)
        score = g.op("Add", zeros, g.const(0.5, np.float64))
    else:
        # passed - active cuts + squash(margin), as CutAndCountClassifier._signal_score (cuts
        # of the form "all" count as passed on both sides)
        base = g.op("Sub", n_passed, g.const(float(active), np.float64))
        one = g.const(1.0, np.float64)
        t = g.op("Div", margin, g.op("Add", one, g.op("Abs", margin)))
        squash = g.op("Mul", g.const(0.5, np.float64), g.op("Add", one, t))
        squash = g.op("Clip", squash, g.const(0.0, np.float64),
                      g.const(np.nextafter(1.0, 0.0), np.float64))
        score = g.op("Add", base, squash)
    p_sig = _isotonic(g, score, est.calibrator_)
    share = np.asarray(est._background_share, dtype=np.float64)
    tau = share.max() / (1.0 + share.max())
    p_sig = g.where(
        g.op("Greater", score, g.const(0.0, np.float64)),
        g.op("Max", p_sig, g.const(tau + 1e-6, np.float64)),
        g.op("Min", p_sig, g.const(tau - 1e-6, np.float64)),
    )
    is_sig = np.asarray(est.classes_ == est.signal_class_)
    background = np.zeros(len(is_sig))
    background[~is_sig] = share
    column = g.op("Unsqueeze", p_sig, g.const([1], np.int64))
    proba = g.op(
        "Add",
        g.op("Mul", column, g.const(is_sig.astype(np.float64), np.float64)),
        g.op("Mul", g.op("Sub", g.const(1.0, np.float64), column),
             g.const(background, np.float64)),
    )
    g.op("Cast", proba, to=1, out=operator.outputs[1].full_name)
    # the label is the cut decision, as predict: signal when every cut passes, else the
    # largest background class (the probabilities of background classes may tie)
    classes = np.asarray(est.classes_)
    index = g.where(g.op("Greater", score, g.const(0.0, np.float64)),
                    g.const(int(np.flatnonzero(is_sig)[0]), np.int64),
                    g.const(int(np.flatnonzero(classes == est.background_class_)[0]),
                            np.int64))
    _gather_label(g, index, operator.outputs[0].full_name, classes)


def _isotonic(g: _Graph, score: str, iso) -> str:
    """``IsotonicRegression(out_of_bounds="clip").predict``: np.interp on its thresholds."""
    xs = np.asarray(iso.X_thresholds_, dtype=np.float64)
    ys = np.asarray(iso.y_thresholds_, dtype=np.float64)
    if len(xs) == 1:
        return g.op("Add", g.op("Mul", score, g.const(0.0, np.float64)),
                    g.const(ys[0], np.float64))
    s = g.op("Clip", score, g.const(xs[0], np.float64), g.const(xs[-1], np.float64))
    # segment j with xs[j] <= s, clipped to the last segment
    above = g.op("GreaterOrEqual", g.op("Unsqueeze", s, g.const([1], np.int64)),
                 g.const(xs[None, 1:-1], np.float64))
    j = g.op("ReduceSum", g.op("Cast", above, to=7), g.const([1], np.int64), keepdims=0)

    def at(values):
        return g.op("Gather", g.const(values, np.float64), j)

    x0, x1, y0, y1 = at(xs[:-1]), at(xs[1:]), at(ys[:-1]), at(ys[1:])
    t = g.op("Div", g.op("Sub", s, x0), g.op("Sub", x1, x0))
    return g.op("Add", y0, g.op("Mul", t, g.op("Sub", y1, y0)))


# --------------------------------------------------------------------------- transformers
def _transformer_shapes(width_fn):
    def calculate(operator):
        from skl2onnx.common.data_types import FloatTensorType

        dims = _input_dims(operator.inputs[0])
        operator.outputs[0].type = FloatTensorType(width_fn(operator.raw_operator, dims))

    return calculate


def _convert_constituent_scaler(scope, operator, container):
    est = operator.raw_operator
    g = _Graph(scope, container, "ConstituentScaler")
    X = operator.inputs[0].full_name
    scaled = g.op("Div", g.op("Sub", X, g.const(est.center_.astype(np.float32))),
                  g.const(est.scale_.astype(np.float32)))
    real = g.op("Unsqueeze", g.real_mask(X), g.const([-1], np.int64))
    g.op("Where", real, scaled, g.const(0.0, np.float32), out=operator.outputs[0].full_name)


def _convert_flatten(scope, operator, container):
    est = operator.raw_operator
    g = _Graph(scope, container, "FlattenConstituents")
    X = operator.inputs[0].full_name
    # fewer constituents than fitted: pad with zero rows; more make the Reshape fail
    m = g.op("Slice", g.op("Shape", X), g.const([1], np.int64), g.const([2], np.int64))
    missing = g.op("Max", g.op("Sub", g.const([est.n_constituents_], np.int64), m),
                   g.const([0], np.int64))
    zero = g.const([0], np.int64)
    pads = g.op("Concat", zero, zero, zero, zero, missing, zero, axis=0)
    padded = g.op("Pad", X, pads, g.const(0.0, np.float32))
    # the width comes from the padded shape: more slots than fitted give a wider table,
    # which the next step refuses (a fixed [-1, width] would fold extra slots into rows)
    shape = g.op("Shape", padded)
    width = g.op("Mul", g.op("Slice", shape, g.const([1], np.int64), g.const([2], np.int64)),
                 g.op("Slice", shape, g.const([2], np.int64), g.const([3], np.int64)))
    batch = g.op("Slice", shape, g.const([0], np.int64), g.const([1], np.int64))
    g.op("Reshape", padded, g.op("Concat", batch, width, axis=0),
         out=operator.outputs[0].full_name)


def _convert_reshape(scope, operator, container):
    est = operator.raw_operator
    g = _Graph(scope, container, "ReshapeConstituents")
    g.op("Reshape", operator.inputs[0].full_name,
         g.const([-1, est.n_constituents_, est.n_features], np.int64),
         out=operator.outputs[0].full_name)


def _convert_relative(scope, operator, container):
    """RelativeConstituents: the torch layer it computes with, exported by torch."""
    from ..utils._layers import RelativeFeatures

    est = operator.raw_operator
    sub = _export_torch(est, RelativeFeatures().eval(), _input_dims(operator.inputs[0]))
    _inline(_Graph(scope, container, type(est).__name__), sub, operator.inputs[0].full_name,
            operator.outputs[0].full_name)


def _convert_kinematics(scope, operator, container):
    """JetMass, Multiplicity and JetKinematics, in float64 as skjet computes them."""
    est = operator.raw_operator
    g = _Graph(scope, container, type(est).__name__)
    X = operator.inputs[0].full_name
    f64 = np.float64
    jet = g.op("ReduceSum", g.cast(X, f64), g.const([1], np.int64), keepdims=0)  # (n, 4)
    zero = g.const(0.0, f64)
    jet_pt = g.hypot(g.take(jet, 1), g.take(jet, 2))
    multiplicity = g.op("ReduceSum", g.cast(g.op("Cast", g.real_mask(X), to=1), f64),
                        g.const([1], np.int64), keepdims=0)

    def mass():
        squares = [g.op("Mul", g.take(jet, k), g.take(jet, k)) for k in range(4)]
        m2 = g.op("Sub", g.op("Sub", g.op("Sub", squares[0], squares[1]), squares[2]), squares[3])
        return g.op("Sqrt", g.op("Max", m2, zero))

    def pts():
        return g.hypot(g.take(X, 1), g.take(X, 2))  # float32, as numpy's hypot of float32

    def mean_pt():
        total = g.op("ReduceSum", g.cast(pts(), f64), g.const([1], np.int64), keepdims=0)
        filled = g.op("Greater", multiplicity, zero)
        return g.where(filled, g.op("Div", total, g.where(filled, multiplicity,
                                                          g.const(1.0, f64))), zero)

    def leading_fraction():
        leading = g.cast(g.op("ReduceMax", pts(), g.const([1], np.int64), keepdims=0), f64)
        has_pt = g.op("Greater", jet_pt, zero)
        return g.where(has_pt, g.op("Div", leading, g.where(has_pt, jet_pt, g.const(1.0, f64))),
                       zero)

    columns = {
        "pt": lambda: jet_pt,
        "eta": lambda: g.eta(jet, f64),
        "phi": lambda: g.atan2(g.take(jet, 2), g.take(jet, 1), f64),
        "mass": mass,
        "energy": lambda: g.take(jet, 0),
        "multiplicity": lambda: multiplicity,
        "mean_pt": mean_pt,
        "leading_pt_fraction": leading_fraction,
    }
    axis = g.const([1], np.int64)
    parts = [g.op("Unsqueeze", columns[name](), axis) for name in est.features_]
    table = parts[0] if len(parts) == 1 else g.op("Concat", *parts, axis=1)
    g.op("Cast", table, to=1, out=operator.outputs[0].full_name)


# --------------------------------------------------------------------------- registration
def _register(est) -> None:
    """Register the converter for ``type(est)`` with skl2onnx (once per class)."""
    from skl2onnx import update_registered_converter

    cls = type(est)
    if has_converter(cls):
        return
    from ..features import JetKinematics, JetMass, Multiplicity
    from ..models import CutAndCountClassifier, XGBoostClassifier
    from ..preprocessing import (
        ConstituentScaler,
        FlattenConstituents,
        RelativeConstituents,
        ReshapeConstituents,
    )

    options = {"zipmap": [False, True], "nocl": [False, True]}
    same = _transformer_shapes(lambda est, dims: dims)
    transformers = {
        ConstituentScaler: (same, _convert_constituent_scaler),
        RelativeConstituents: (
            _transformer_shapes(lambda est, dims: [*dims[:2], 7]), _convert_relative),
        FlattenConstituents: (
            _transformer_shapes(
                lambda est, dims: [dims[0], est.n_constituents_ * est.n_features_in_]),
            _convert_flatten),
        ReshapeConstituents: (
            _transformer_shapes(lambda est, dims: [dims[0], est.n_constituents_, est.n_features]),
            _convert_reshape),
    }
    for kinematic in (JetMass, Multiplicity, JetKinematics):
        transformers[kinematic] = (
            _transformer_shapes(lambda est, dims: [dims[0], len(est.features_)]),
            _convert_kinematics,
        )
    alias = f"Skjet{cls.__name__}"
    if cls in transformers:
        shape, convert = transformers[cls]
        update_registered_converter(cls, alias, shape, convert)
    elif isinstance(est, CutAndCountClassifier):
        update_registered_converter(cls, alias, _classifier_shapes, _convert_cut_and_count,
                                    options=options)
    elif isinstance(est, XGBoostClassifier):
        import_optional("onnxmltools", purpose=_EXTRA)
        update_registered_converter(cls, alias, _classifier_shapes, _convert_xgboost,
                                    options=options)
    elif _is_neural(est):
        update_registered_converter(cls, alias, _classifier_shapes, _convert_neural,
                                    options=options)


def _is_neural(est) -> bool:
    """A skjet-style neural classifier: a fitted torch ``module_`` fed by ``validate_input``."""
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a core dependency
        return False
    try:
        module = est.module_
    except Exception:  # noqa: BLE001 - unfitted or no such attribute
        return False
    return isinstance(module, torch.nn.Module) and hasattr(est, "validate_input")


def _steps(fitted, prefix: str = "") -> list[tuple[str, object]]:
    """Every estimator inside ``fitted`` (Pipelines, FeatureUnions and ColumnTransformers
    opened), as ``(path of step names, estimator)``."""
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import FeatureUnion

    if isinstance(fitted, Pipeline):
        children = fitted.steps
    elif isinstance(fitted, FeatureUnion):
        children = fitted.transformer_list
    elif isinstance(fitted, ColumnTransformer):
        children = [(n, t) for n, t, _ in getattr(fitted, "transformers_", fitted.transformers)]
    else:
        return [(prefix, fitted)]
    out = [] if isinstance(fitted, Pipeline) else [(prefix, fitted)]
    for name, step in children:
        if step is None or isinstance(step, str):  # "passthrough", "drop"
            continue
        out.extend(_steps(step, f"{prefix}/{name}" if prefix else name))
    return out


def _check_steps(fitted) -> list[tuple[str, object]]:
    steps = _steps(fitted)
    labels = [f"step {n!r} ({type(s).__name__})" if n else type(s).__name__ for n, s in steps]
    for label, (_, step) in zip(labels, steps):
        applies, why = _NOT_EXPRESSIBLE.get(type(step).__name__, (lambda step: False, ""))
        if applies(step):
            raise ValueError(f"to_onnx cannot export {label}: {why}.")
    check_is_fitted(fitted)
    for label, (_, step) in zip(labels, steps):
        _register(step)
        if not has_converter(type(step)):
            raise ValueError(
                f"to_onnx cannot export {label}: there is no ONNX converter for it in "
                "skl2onnx or skjet. Register one with skl2onnx.update_registered_converter, "
                "or leave the step out of the exported pipeline."
            )
    if not hasattr(_final(fitted), "predict_proba"):
        raise ValueError(
            f"to_onnx exports classifiers (raw input -> class probabilities); the last step "
            f"is a {type(_final(fitted)).__name__} without predict_proba."
        )
    return steps


def _final(fitted):
    while isinstance(fitted, Pipeline):
        fitted = fitted.steps[-1][1]
    return fitted


def _example_array(X_example) -> np.ndarray:
    if isinstance(X_example, pd.DataFrame):
        X_example = X_example.to_numpy()
    X = np.asarray(X_example)
    if X.dtype.kind not in "biuf":
        raise ValueError(f"to_onnx: X_example must be numeric, got dtype {X.dtype}.")
    if X.ndim not in (2, 3, 4) or len(X) == 0:
        raise ValueError(
            "to_onnx: X_example must be a non-empty 2-D (jets, features), 3-D (jets, "
            f"constituents, features or images) or 4-D array, got shape {X.shape}."
        )
    return X.astype(np.float32)


def _input_shape(steps, X: np.ndarray) -> list:
    """Graph input dims: batch dynamic; the constituent axis dynamic for constituent input."""
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import FeatureUnion

    from ..features._kinematics import _JetFeatureTransformer
    from ..preprocessing._base import _NDOutputTransformer

    first = next(s for _, s in steps if not isinstance(s, FeatureUnion | ColumnTransformer))
    dims: list = [None, *X.shape[1:]]
    constituents = X.ndim == 3 and (
        isinstance(first, _NDOutputTransformer | _JetFeatureTransformer)
        # a bare classifier on zero-padded constituents (DeepSets, EFN, ParticleNet, ParT)
        or getattr(first, "padded_constituents", False)
        or type(first).__name__ == "FlattenConstituents"
    )
    if type(first).__name__ == "ReshapeConstituents":
        constituents = False
    if constituents:
        dims[1] = None
    return dims


@validate_params(
    {
        "path": [str, os.PathLike, None],
        "check": ["boolean"],
        "atol": [Interval(Real, 0, None, closed="left")],
        "name": [str, None],
    },
    prefer_skip_nested_validation=True,
)
def to_onnx(
    fitted,
    X_example,
    path: str | Path | None = None,
    *,
    check: bool = True,
    atol: float = 1e-5,
    name: str | None = None,
):
    """One ONNX model of a fitted classifier or Pipeline: raw input -> class probabilities.

    Preprocessing and classifier become one graph with one input ``"X"`` (float32, the
    layout ``fitted`` takes: jet features ``(n, f)``, constituents ``(n, m, k)`` or
    images) and two outputs: ``"label"`` (the predicted class, ``classes_`` values) and
    ``"probabilities"`` (``(n, n_classes)`` float32, columns in ``classes_`` order). The
    batch axis is dynamic; for constituents the number of constituents is too, up to the
    fitted maximum where a step needs a fixed width (:class:`FlattenConstituents` pads
    shorter jets with zero rows, as the padded layout means).

    scikit-learn steps are converted by skl2onnx; skjet's steps by converters that this
    function registers with :func:`skl2onnx.update_registered_converter` (after a call,
    ``skl2onnx.to_onnx`` converts them too). Neural classifiers are exported by torch's
    ONNX exporter and XGBoost by onnxmltools.

    Parameters
    ----------
    fitted : fitted classifier or Pipeline ending in a classifier
    X_example : array-like or DataFrame
        A few rows of the raw input: they fix the layout and the feature count (a
        DataFrame's columns, in order, become the columns of ``X``), and, with ``check``,
        are run through ONNX Runtime.
    path : str or Path, optional
        Where to write the model (``.onnx``).
    check : bool, default=True
        Run ``X_example`` through ONNX Runtime and raise if any probability differs from
        ``fitted.predict_proba`` (on the float32 input) by more than ``atol``.
    atol : float, default=1e-5
    name : str, optional
        Graph name; default the class name of ``fitted``.

    Returns
    -------
    model : onnx.ModelProto

    Raises
    ------
    ValueError
        A step that cannot be exported (the message names it and says why), or a failed
        ``check``.
    ImportError
        onnx, skl2onnx, onnxruntime or onnxmltools missing: ``pip install "skjet[export]"``.

    Examples
    --------
    >>> import numpy as np, onnxruntime as ort
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skjet.models import MLPClassifier
    >>> from skjet.export import to_onnx
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 16)).astype(np.float32)
    >>> y = np.where(X[:, 0] > 0, "w", "q")
    >>> clf = make_pipeline(StandardScaler(), MLPClassifier(max_epochs=3, random_state=0))
    >>> model = to_onnx(clf.fit(X, y), X[:10])
    >>> session = ort.InferenceSession(model.SerializeToString())
    >>> label, proba = session.run(None, {"X": X[:3]})
    >>> bool(np.allclose(proba, clf.predict_proba(X[:3]), atol=1e-5))
    True
    """
    _, skl2onnx = _modules()
    from skl2onnx.common.data_types import FloatTensorType

    steps = _check_steps(fitted)
    X = _example_array(X_example)
    classifier = _final(fitted)
    dims = _input_shape(steps, X)
    options = {id(classifier): {"zipmap": False}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            model = skl2onnx.convert_sklearn(
                fitted,
                name=name or type(fitted).__name__,
                initial_types=[("X", FloatTensorType(dims))],
                target_opset={"": TARGET_OPSET, "ai.onnx.ml": _ML_OPSET},
                options=options,
            )
        except ValueError:
            raise
        except Exception as exc:
            raise ValueError(
                f"to_onnx: skl2onnx could not convert {type(fitted).__name__}: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
    import onnx

    _sort_nodes(model.graph)
    try:
        onnx.checker.check_model(model)
    except onnx.checker.ValidationError as exc:
        raise ValueError(
            f"to_onnx: the ONNX graph of {type(fitted).__name__} is invalid: {str(exc)[:500]}"
        ) from exc
    if check:
        _check_parity(model, fitted, X_example, X, atol)
    if path is not None:
        Path(path).write_bytes(model.SerializeToString())
    return model


def _check_parity(model, fitted, X_example, X, atol) -> None:
    ort = import_optional("onnxruntime", purpose=_EXTRA)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    got = session.run(["probabilities"], {"X": X})[0]
    reference = X
    if isinstance(X_example, pd.DataFrame):
        reference = pd.DataFrame(X, columns=X_example.columns, index=X_example.index)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = fitted.predict_proba(reference)
    diff = np.abs(got - expected).max()
    if not diff <= atol:
        raise ValueError(
            f"to_onnx: ONNX Runtime's probabilities differ from predict_proba by up to "
            f"{diff:.3g} (> atol={atol}) on X_example; the exported graph does not reproduce "
            "the model. Pass check=False to keep it anyway."
        )


def onnx_session(model):
    """An ONNX Runtime CPU session for ``model`` (a ModelProto, bytes or a path).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skjet.export import to_onnx, onnx_session
    >>> X = np.random.default_rng(0).normal(size=(50, 2)).astype(np.float32)
    >>> clf = LogisticRegression().fit(X, X[:, 0] > 0)
    >>> onnx_session(to_onnx(clf, X)).run(["probabilities"], {"X": X[:2]})[0].shape
    (2, 2)

    Raises
    ------
    ValueError
        ``model`` is not an ONNX model ONNX Runtime can read (another format, a truncated
        file); the message names the file.
    """
    ort = import_optional("onnxruntime", purpose=_EXTRA)
    what = "the bytes given"
    if isinstance(model, str | Path):
        what = str(model)
        data = Path(model).read_bytes()
    elif isinstance(model, bytes):
        data = model
    else:
        data = model.SerializeToString()
    try:
        return ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    except Exception as exc:  # ONNX Runtime raises its own pybind types
        summary = str(exc).strip().splitlines()[-1][:300] if str(exc).strip() else ""
        raise ValueError(
            f"onnx_session: {what} is not a readable ONNX model ({len(data)} bytes; ONNX "
            f"Runtime: {type(exc).__name__}: {summary}). Pass the .onnx file written by "
            "skjet.export.to_onnx (a truncated copy, or another format such as a pickle or "
            "a torch checkpoint, cannot be read)."
        ) from exc

