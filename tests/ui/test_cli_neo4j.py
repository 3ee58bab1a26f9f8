"""`hepgraph export --format neo4j-admin` and `hepgraph push --to neo4j` on a small real store."""

from __future__ import annotations

import csv
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hepgraph.graph.embedded import EmbeddedStore
from hepgraph.models import Citation, ExternalWork
from hepgraph.pipeline.neo4j_admin import FILES
from hepgraph.ui.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def home(hepml_slice_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store built by `hepgraph build` from 12 real HEP-ML papers, plus citations in and out of it."""
    root = tmp_path_factory.mktemp("cli-neo4j")
    small = root / "small.jsonl"
    small.write_text(
        "".join(hepml_slice_file.read_text(encoding="utf-8").splitlines(True)[:12]), encoding="utf-8"
    )
    done = runner.invoke(app, ["--home", str(root / "home"), "build", str(small), "--json"])
    assert done.exit_code == 0, done.output
    store = EmbeddedStore(root / "home" / "hepgraph.sqlite")
    keys = [p.key for p in store.iter_papers()]
    store.add_citations(
        [
            Citation(citing=keys[0], cited=keys[1]),
            Citation(citing=keys[2], cited="hep-ph/9709356"),
            Citation(citing="hep-th/9601001", cited=keys[0]),
        ]
    )
    store.add_external_works(
        [ExternalWork(key="hep-th/9601001", title="An external work", categories=["hep-th"])]
    )
    store.close()
    return root / "home"


def _read(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def test_export_writes_admin_import_files(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "csv"
    done = runner.invoke(app, ["--home", str(home), "export", "--format", "neo4j-admin", "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert (
        "neo4j-admin database import full" in done.stdout
        and f"--nodes={out / 'nodes_papers.csv'}" in done.stdout
    )
    ids: dict[str, set[str]] = {}
    for name, header in FILES.items():
        got, rows = _read(out / name)
        assert got == header, name
        assert all(len(r) == len(header) for r in rows), name
        if name.startswith("nodes_"):
            space = header[0].split("(")[1].rstrip(")")
            assert ":LABEL" in header
            ids.setdefault(space, set()).update(r[0] for r in rows)
    papers_header, papers = _read(out / "nodes_papers.csv")
    assert len(papers) == 12 and "categories:string[]" in papers_header
    cats, key = papers_header.index("categories:string[]"), papers_header.index("key:ID(Work)")
    store = EmbeddedStore(home / "hepgraph.sqlite", read_only=True)
    expected = {p.key: ";".join(p.categories) for p in store.iter_papers()}
    store.close()
    assert {r[key]: r[cats] for r in papers} == expected
    emb = papers_header.index("embedding:float[]")
    assert all(len(r[emb].split(";")) == 384 for r in papers)  # `build` cached the model's vectors
    counted = 0
    for name, header in FILES.items():
        if not name.startswith("rels_"):
            continue
        start = header[0].split("(")[1].rstrip(")")
        end = header[1].split("(")[1].rstrip(")")
        _, rows = _read(out / name)
        for r in rows:
            assert r[0] in ids[start] and r[1] in ids[end], (name, r[:3])
            assert r[2]  # :TYPE
            counted += 1
    _, links = _read(out / "rels_links.csv")
    _, cites = _read(out / "rels_cites.csv")
    assert links and len(cites) == 3 and counted > len(links)
    _, works = _read(out / "nodes_works.csv")
    assert {r[0]: r[1] for r in works} == {"hep-ph/9709356": "Work", "hep-th/9601001": "Work;ExternalWork"}


def test_push_to_unreachable_neo4j_is_one_clear_error(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("NEO4J_URI", f"bolt://127.0.0.1:{port}")
    monkeypatch.setenv("NEO4J_PASSWORD", "never-print-me")
    done = runner.invoke(app, ["--home", str(home), "push", "--to", "neo4j", "--batch-size", "50"])
    assert done.exit_code == 2
    assert f"cannot reach Neo4j at bolt://127.0.0.1:{port}" in done.output
    assert "never-print-me" not in done.output and "Traceback" not in done.output
