"""The ``.pyi`` stubs beside skjet's lazy ``__init__``s (``__getattr__`` exports).

A type checker reads ``package/__init__.pyi`` instead of ``__init__.py``, where a lazy
``__getattr__`` would make every public name ``Any``. These tests keep each stub's names
equal to its package's ``__all__`` (a new export cannot be forgotten), importing from where
the names really live, and check with mypy that users see the real types.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import skjet

ROOT = Path(skjet.__file__).parent


def _defines_getattr(tree: ast.Module) -> bool:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "__getattr__":
            return True
        if isinstance(node, ast.Assign):
            targets = [t for target in node.targets
                       for t in (target.elts if isinstance(target, ast.Tuple) else [target])]
            if any(isinstance(t, ast.Name) and t.id == "__getattr__" for t in targets):
                return True
    return False


def _lazy_packages() -> list[str]:
    packages = []
    for init in sorted(ROOT.rglob("__init__.py")):
        if _defines_getattr(ast.parse(init.read_text())):
            parts = init.parent.relative_to(ROOT.parent).parts
            packages.append(".".join(parts))
    return packages


LAZY = _lazy_packages()


def _stub(package: str) -> tuple[dict[str, str], list[str]]:
    """({name: module it is imported from}, __all__) of the package's stub."""
    path = ROOT.parent.joinpath(*package.split("."), "__init__.pyi")
    assert path.exists(), f"{package} exports lazily but has no {path.name} beside its __init__"
    tree = ast.parse(path.read_text())
    imported, exported = {}, []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            imported.update({alias.asname or alias.name: module for alias in node.names})
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            exported = ast.literal_eval(node.value)
    return imported, exported


def test_lazy_packages_are_found():
    assert {"skjet.datasets", "skjet.models", "skjet.utils"} <= set(LAZY)


@pytest.mark.parametrize("package", LAZY)
def test_stub_names_equal_all(package):
    imported, exported = _stub(package)
    public = importlib.import_module(package).__all__
    assert sorted(exported) == sorted(public)
    assert sorted(imported) == sorted(public)


@pytest.mark.parametrize("package", LAZY)
def test_stub_imports_the_objects_the_package_exports(package):
    imported, _ = _stub(package)
    module = importlib.import_module(package)
    for name, source in imported.items():
        assert getattr(importlib.import_module(source, package), name) is getattr(module, name)


@pytest.mark.slow
def test_mypy_sees_the_real_types(tmp_path):
    """About 15 s: mypy on a user's snippet reveals classes and signatures, not Any."""
    pytest.importorskip("mypy")
    snippet = tmp_path / "snippet.py"
    snippet.write_text(
        "from skjet.datasets import generate_jets\n"
        "from skjet.models import DeepSetsClassifier\n"
        "from skjet.utils import check_finite\n"
        "reveal_type(DeepSetsClassifier)\n"
        "reveal_type(generate_jets)\n"
        "reveal_type(check_finite)\n"
    )
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--ignore-missing-imports", "--no-error-summary",
         "--cache-dir", str(tmp_path / "cache"), str(snippet)],
        cwd=ROOT.parent, capture_output=True, text=True, check=False,
    ).stdout
    revealed = [line for line in out.splitlines() if "Revealed type" in line]
    assert len(revealed) == 3, out
    assert "-> skjet.models._neural._deepsets.DeepSetsClassifier" in revealed[0]
    assert "processes:" in revealed[1] and "n_jets:" in revealed[1]
    assert "def (X: " in revealed[2]
    assert not any('"Any"' in line for line in revealed), out
