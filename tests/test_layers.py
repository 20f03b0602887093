"""The import layers of ARCHITECTURE.md hold: data flows one way, no arrow runs back up.

shared ground  <-  stages  <-  orchestration (sources, stages list, batch runner)  <-  cli
      ^              ^                                   |
      +------ store <-------------------------------------+
      +------ readers of the store (reconcile, audit, report, letters)  <-  cli
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "pipeline"
LAYERS = {
    "ground": {"model", "errors", "forms", "contest", "normalize", "imaging", "labels", "i18n",
               "checks", "filetypes", "pdf", "limits", "overrule", "support", "known"},
    "stage": {"ingest", "mail", "preprocess", "ocr", "layout", "classify", "extract", "ticks",
              "snap", "verify", "pictures"},
    "orchestration": {"ahead", "sources", "stages", "workers", "cluster", "batch"},
    "store": {"store"},
    "reader": {"reconcile", "audit", "report", "corrections", "review", "refresh", "sheets",
               "letters", "confirm"},
    "cli": {"cli", "__main__", "api"},
}
# What each layer may import, besides itself within one module package (mail/, verify/).
ALLOWED = {
    "ground": {"ground"},
    "stage": {"ground"},
    "orchestration": {"ground", "stage", "store", "orchestration"},
    "store": {"ground"},
    "reader": {"ground", "stage", "store", "reader"},
    "cli": {"ground", "stage", "orchestration", "store", "reader", "cli"},
}


def _layer(top: str) -> str:
    return next(layer for layer, names in LAYERS.items() if top in names)


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or
                  p.parent != PACKAGE)


def _imports(path: Path) -> set[str]:
    """The pipeline modules a file imports, by their first name under ``pipeline``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "pipeline" and len(parts) > 1 and parts[1] != "__version__":
                found.add(parts[1])
    return found


def _top(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def test_every_module_has_a_layer():
    for path in _modules():
        assert _layer(_top(path)), path


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_follow_the_layers(path):
    own = _top(path)
    layer = _layer(own)
    for imported in _imports(path) - {own}:
        other = _layer(imported)
        assert other in ALLOWED[layer], f"{own} ({layer}) imports {imported} ({other})"


def test_stages_never_import_each_other_nor_what_sits_above_them():
    for path in _modules():
        own = _top(path)
        if _layer(own) == "stage":
            assert not {i for i in _imports(path) - {own} if _layer(i) != "ground"}, path
