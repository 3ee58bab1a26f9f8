"""The card's folders ship as subpackages of one `hepgraph` import package, never as top-level modules."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FOLDERS = {
    "hepgraph": "hepgraph",
    "extract": "hepgraph.extract",
    "graph": "hepgraph.graph",
    "pipeline": "hepgraph.pipeline",
    "answer": "hepgraph.answer",
    "ui": "hepgraph.ui",
    "data": "hepgraph.data",
}


def _declared() -> list[str]:
    return tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]


def test_every_subpackage_folder_is_declared() -> None:
    declared = set(_declared())
    found = set()
    for folder, dotted in FOLDERS.items():
        for init in (REPO / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(REPO / folder)
            found.add(".".join([dotted, *rel.parts]) if rel.parts else dotted)
    assert found - declared == set(), "add these to [tool.setuptools] packages in pyproject.toml"


def test_subpackages_import_from_the_card_folders() -> None:
    import hepgraph.answer
    import hepgraph.extract
    import hepgraph.graph
    import hepgraph.pipeline
    import hepgraph.ui

    assert Path(hepgraph.graph.__file__).parent == REPO / "graph"
    assert Path(hepgraph.pipeline.__file__).parent == REPO / "pipeline"
    assert Path(hepgraph.answer.__file__).parent == REPO / "answer"
    assert Path(hepgraph.extract.__file__).parent == REPO / "extract"
    assert Path(hepgraph.ui.__file__).parent == REPO / "ui"


@pytest.mark.slow
def test_wheel_holds_only_the_hepgraph_package(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(REPO),
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("hepgraph-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    assert tops == {"hepgraph", next(t for t in tops if t.endswith(".dist-info"))}
    assert {"hepgraph/store.py", "hepgraph/graph/retrieve.py", "hepgraph/pipeline/build.py"} <= set(names)
    assert any(n.startswith("hepgraph/data/vocabulary/") and n.endswith(".yaml") for n in names)
    prompts = {"hepgraph/extract/prompts/relations.v1.md", "hepgraph/answer/prompts/answer.v1.md"}
    assert prompts <= set(names)
