"""The parts and the arrows between them: a forbidden import fails here (README, "Layout").

import-linter cannot see this layout (the card's folders are mapped into the ``hepgraph`` package by
setuptools' package-dir, so the package's own folder does not hold them); an AST walk over the folders can.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# folder -> the part its modules belong to (hepgraph/ holds the core: records, settings, errors, Protocols)
PARTS = {
    "hepgraph": "core",
    "extract": "extract",
    "graph": "graph",
    "answer": "answer",
    "pipeline": "pipeline",
    "ui": "ui",
}
# part -> the parts it may import (besides itself). One-way: nothing imports a part above it.
ALLOWED = {
    "core": set(),
    "extract": {"core"},
    "graph": {"core"},
    "answer": {"core", "graph"},
    "pipeline": {"core", "extract", "graph", "answer"},
    "ui": {"core", "extract", "graph", "answer", "pipeline"},
}
_SUBPACKAGE = {f"hepgraph.{folder}": part for folder, part in PARTS.items() if folder != "hepgraph"}


def part_of(module: str) -> str | None:
    """The part a dotted ``hepgraph...`` module belongs to (None outside hepgraph)."""
    if module != "hepgraph" and not module.startswith("hepgraph."):
        return None
    for prefix, part in _SUBPACKAGE.items():
        if module == prefix or module.startswith(prefix + "."):
            return part
    return "core"


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every absolute import in a file, wherever it stands (top, function, guarded)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module == "hepgraph":
            # `from hepgraph import graph` names a part through the alias
            found += [(node.lineno, f"hepgraph.{alias.name}") for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def violations(root: Path = REPO) -> list[str]:
    """Every import that crosses a part boundary the wrong way, as 'file:line part -> part (module)'."""
    out = []
    for folder, part in PARTS.items():
        for path in sorted((root / folder).rglob("*.py")):
            # `python -m hepgraph` is an entrypoint of the faces, whichever folder holds it.
            importer = "ui" if path.name == "__main__.py" else part
            for line, module in imports(path):
                target = part_of(module)
                if target is not None and target != importer and target not in ALLOWED[importer]:
                    out.append(f"{path.relative_to(root)}:{line} {importer} -> {target} ({module})")
    return sorted(set(out))


def test_no_part_imports_a_part_it_must_not() -> None:
    assert violations() == []


@pytest.mark.parametrize(
    ("importer", "statement", "arrow"),
    [
        ("extract/x.py", "from hepgraph.graph.store import GraphStore\n", "extract -> graph"),
        ("graph/x.py", "def f():\n    from hepgraph.extract import nlp\n", "graph -> extract"),
        ("hepgraph/x.py", "import hepgraph.ui.cli\n", "core -> ui"),
        ("answer/x.py", "from hepgraph.pipeline import runtime\n", "answer -> pipeline"),
    ],
)
def test_a_forbidden_import_is_caught(tmp_path: Path, importer: str, statement: str, arrow: str) -> None:
    for folder in PARTS:
        (tmp_path / folder).mkdir()
    (tmp_path / importer).write_text(statement, encoding="utf-8")
    [found] = violations(tmp_path)
    assert found.startswith(importer) and arrow in found
