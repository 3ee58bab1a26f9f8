"""`hepgraph export --format neo4j-admin` and `hepgraph push --to neo4j` on a small real store."""

from __future__ import annotations

import csv
import json
import os
import shlex
import shutil
import socket
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hepgraph.graph.embedded import EmbeddedStore
from hepgraph.models import Citation, ExternalWork
from hepgraph.pipeline.concepts import concept_hash
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
    # The vector cache goes along whole, concept vectors included, as `push` copies it: a bulk-imported
    # store must not embed the vocabulary again at every client start.
    _, cached = _read(out / "nodes_embeddings.csv")
    assert len(cached) == _cached_vectors(home) and len({r[0] for r in cached}) == len(cached)


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


def _stats(home: Path, *backend: str) -> dict:
    done = runner.invoke(app, ["--home", str(home), *backend, "stats", "--json"])
    assert done.exit_code == 0, done.output
    return json.loads(done.output)


@pytest.mark.neo4j
def test_push_copies_the_same_graph_and_a_second_push_adds_nothing(home: Path) -> None:
    from hepgraph.graph.neo4j import Neo4jStore
    from hepgraph.settings import Settings

    settings = Settings()
    target = Neo4jStore.from_settings(settings)
    target.wipe(confirm=settings.neo4j_database)
    target.close()
    first = runner.invoke(app, ["--home", str(home), "push", "--to", "neo4j", "--batch-size", "5"])
    assert first.exit_code == 0, first.output
    assert _stats(home, "--backend", "neo4j") == _stats(home)
    second = runner.invoke(app, ["--home", str(home), "push", "--to", "neo4j"])
    assert second.exit_code == 0, second.output
    rows = {
        cells[0]: cells[1:]
        for line in second.output.splitlines()
        if len(cells := [c.strip() for c in line.strip("│┃ ").split("│")]) == 4 and cells[1].isdigit()
    }
    assert rows["embeddings"] == ["0", "0", str(_cached_vectors(home))]
    assert {what: added for what, (added, _, _) in rows.items()} == dict.fromkeys(rows, "0")
    assert _stats(home, "--backend", "neo4j") == _stats(home)


SERVER = Path(__file__).resolve().parents[2] / "tools" / "neo4j" / "server.sh"


def _server(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(SERVER), *args], env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.neo4j
def test_the_printed_import_command_loads_the_same_graph(
    home: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Neo4j's own bulk importer (neo4j-admin from the project's jars) on what `export` wrote and printed."""
    if not (shutil.which("java") and shutil.which("mvn")) and not os.environ.get("HEPGRAPH_REQUIRE_NEO4J"):
        pytest.skip("the bulk importer runs from tools/neo4j, which needs Java 17 and Maven")
    out = tmp_path / "csv"
    done = runner.invoke(app, ["--home", str(home), "export", "--format", "neo4j-admin", "--out", str(out)])
    assert done.exit_code == 0, done.output
    (command,) = [line for line in done.stdout.splitlines() if line.startswith("neo4j-admin database import")]
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    env |= {"NEO4J_RUN_DIR": str(tmp_path / "run"), "NEO4J_BOLT_PORT": "0", "NEO4J_GDS": "0"}
    imported = _server("admin", str(tmp_path / "neo4j-home"), *shlex.split(command)[1:], env=env)
    assert imported.returncode == 0, imported.stdout[-2000:] + imported.stderr[-2000:]
    started = _server("start", env=env | {"NEO4J_HOME_DIR": str(tmp_path / "neo4j-home")})
    try:
        assert started.returncode == 0, started.stderr[-2000:]
        served = dict(
            line.removeprefix("export ").split("=", 1)
            for line in (tmp_path / "run" / "neo4j.env").read_text().splitlines()
        )
        for key, value in served.items():  # the CLI reads NEO4J_*; restored after, for the later tests
            monkeypatch.setenv(key, value)
        assert _stats(home, "--backend", "neo4j") == _stats(home)
        # The importer creates no index: a question must say which command creates them, and after
        # that command the same question is answered from the database's own indexes.
        question = ["--home", str(home), "--backend", "neo4j", "search", "jet tagging", "--json"]
        before = runner.invoke(app, question)
        assert before.exit_code != 0 and "hepgraph --backend neo4j schema" in before.output, before.output
        made = runner.invoke(app, ["--home", str(home), "--backend", "neo4j", "schema"])
        assert made.exit_code == 0 and "online" in made.output, made.output
        after = runner.invoke(app, question)
        assert after.exit_code == 0, after.output
        assert json.loads(after.output)["results"], after.output
        from hepgraph.graph.neo4j import Neo4jStore
        from hepgraph.settings import Settings

        target = Neo4jStore.from_settings(Settings())
        # An imported database has no Meta nodes yet: the server's hint must not reach the user.
        with caplog.at_level("WARNING"):
            assert target.get_meta("index_hash") is None
        assert [r.getMessage()[:100] for r in caplog.records] == []
        source = EmbeddedStore(home / "hepgraph.sqlite", read_only=True)
        model = Settings().embedding_model
        hashes = [p.text_hash() for p in source.iter_papers()]
        hashes += [concept_hash(c) for c in source.iter_concepts()]
        want, got = source.get_embeddings(model, hashes), target.get_embeddings(model, hashes)
        target.close()
        source.close()
        assert sorted(got) == sorted(want) and len(want) == _cached_vectors(home) > 12
        assert all((got[h] == want[h]).all() for h in want)  # nine digits give back the same float32
    finally:
        _server("stop", env=env)


def _cached_vectors(home: Path) -> int:
    """Paper and concept vectors the embedded store at ``home`` holds: what a push copies."""
    from hepgraph.settings import Settings

    store = EmbeddedStore(home / "hepgraph.sqlite", read_only=True)
    hashes = [p.text_hash() for p in store.iter_papers()] + [concept_hash(c) for c in store.iter_concepts()]
    found = len(store.get_embeddings(Settings().embedding_model, hashes))
    store.close()
    return found
