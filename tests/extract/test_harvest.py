"""Harvests against a local server replaying real arXiv OAI-PMH, arXiv API, INSPIRE and HEPML responses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from replay_server import Replay, ReplayServer, inspire_records, oai_records

from hepgraph.errors import ConfigError, HarvestError
from hepgraph.extract.fetch import PoliteClient, retry_after_s
from hepgraph.extract.harvest import (
    IdListHarvest,
    InspireHarvest,
    OaiHarvest,
    UrlHarvest,
    arxiv_ids_of_pages,
    day,
    read_id_file,
)
from hepgraph.graph.factory import open_store
from hepgraph.pipeline.ingest import ingest
from hepgraph.settings import Settings

pytestmark = pytest.mark.corpus


@pytest.fixture
def replay(corpus_dir: Path) -> Replay:
    return Replay(
        records=oai_records(corpus_dir / "oai-pmh"), inspire=inspire_records(corpus_dir / "inspire")
    )


def _client() -> PoliteClient:
    return PoliteClient(delay_s=0.0, backoff_s=0.0)


def _physics(replay: Replay) -> list[str]:
    return [r.identifier for r in replay.records if any(s.startswith("physics") for s in r.sets)]


def _pages(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("page-*.xml"))}


def _harvest(server: ReplayServer, folder: Path, **kw: object) -> object:
    harvest = OaiHarvest(_client(), folder, endpoint=f"{server.url}/oai")
    return harvest.run(set_spec=kw.pop("set_spec", "physics"), from_=kw.pop("from_", None), **kw)


def _store_rows(home: Path, folder: Path) -> tuple[set, int]:
    store = open_store(Settings(home=home))
    try:
        ingest([folder], store=store)
        rows = {(p.key, p.title, tuple(p.categories)) for p in store.iter_papers()}
        return rows, store.stats().papers
    finally:
        store.close()


def test_oai_pages_through_resumption_tokens_into_files_ingest_reads(replay: Replay, tmp_path: Path) -> None:
    with ReplayServer(replay) as server:
        result = _harvest(server, tmp_path / "h")
    physics = _physics(replay)
    assert result.records == len(physics)
    assert len(result.files) == -(-len(physics) // replay.page_size)  # ceil: one file per page
    assert sum("resumptionToken=" in line for line in replay.log) == len(result.files) - 1
    rows, papers = _store_rows(tmp_path / "store", tmp_path / "h")
    assert papers == len(physics)
    assert {i.removeprefix("oai:arXiv.org:") for i in physics} == {key for key, _, _ in rows}


@pytest.mark.parametrize("fault", ["503", "429", "truncated", "reset"])
def test_oai_transient_failures_end_with_the_files_of_a_clean_harvest(
    replay: Replay, tmp_path: Path, fault: str
) -> None:
    with ReplayServer(replay) as server:
        _harvest(server, tmp_path / "clean")
    replay.faults = {replay.requests + 2: fault}  # the second page of the next harvest fails once
    with ReplayServer(replay) as server:
        result = _harvest(server, tmp_path / "faulty")
    assert replay.faults == {}, "the fault was never served"
    assert result.requests == len(result.files) + 1  # the failed request was retried once
    assert _pages(tmp_path / "faulty") == _pages(tmp_path / "clean")


def test_expired_resumption_token_harvests_the_window_again(replay: Replay, tmp_path: Path) -> None:
    with ReplayServer(replay) as server:
        _harvest(server, tmp_path / "clean")
        replay.faults = {replay.requests + 3: "expire"}  # the third request's token is forgotten
        result = _harvest(server, tmp_path / "expired")
    state = json.loads((tmp_path / "expired" / ".harvest-state.json").read_text())
    assert state["restarts"] == 1 and state["complete"]
    assert result.requests == len(result.files) + 3  # two pages, the refused token, then every page again
    assert _pages(tmp_path / "expired") == _pages(tmp_path / "clean")


def test_a_token_refused_twice_stops_with_an_error_naming_the_state_file(
    replay: Replay, tmp_path: Path
) -> None:
    replay.faults = {2: "expire", 4: "expire"}
    with ReplayServer(replay) as server, pytest.raises(HarvestError) as err:
        _harvest(server, tmp_path / "h")
    assert "badResumptionToken" in str(err.value) and ".harvest-state.json" in str(err.value)


def test_empty_set_is_an_empty_harvest_not_an_error(replay: Replay, tmp_path: Path) -> None:
    with ReplayServer(replay) as server:
        result = _harvest(server, tmp_path / "h", set_spec="q-bio")
    assert result.records == 0 and len(result.files) == 1
    assert _store_rows(tmp_path / "store", tmp_path / "h")[1] == 0


def test_a_finished_harvest_run_again_fetches_nothing(replay: Replay, tmp_path: Path) -> None:
    with ReplayServer(replay) as server:
        _harvest(server, tmp_path / "h")
        before = {p: p.stat().st_mtime_ns for p in (tmp_path / "h").iterdir()}
        served = replay.requests
        result = _harvest(server, tmp_path / "h")
        assert replay.requests == served
        assert result.already_complete and result.written == 0
        assert {p: p.stat().st_mtime_ns for p in (tmp_path / "h").iterdir()} == before
        again = _harvest(server, tmp_path / "h", again=True)
    assert again.written == len(again.files) and replay.requests > served


def test_date_window_keeps_only_records_stamped_inside(replay: Replay, tmp_path: Path) -> None:
    with ReplayServer(replay) as server:
        result = _harvest(server, tmp_path / "h", from_="2016-03-01", until="2016-06-30")
    inside = [
        r
        for r in replay.records
        if "2016-03-01" <= r.datestamp <= "2016-06-30" and any(s.startswith("physics") for s in r.sets)
    ]
    assert result.records == len(inside) > 0


def test_retry_after_too_long_stops_and_says_to_rerun(replay: Replay, tmp_path: Path) -> None:
    assert retry_after_s("20") == 20.0
    assert retry_after_s("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # a date in the past: go now
    replay.faults = {1: "503"}
    with ReplayServer(replay) as server:
        server.replay.retry_after = "3600"
        with pytest.raises(HarvestError, match="again later"):
            _harvest(server, tmp_path / "h")


def test_inspire_pages_by_next_link_and_a_rerun_skips_finished_chunks(replay: Replay, tmp_path: Path) -> None:
    ids = [e["value"] for meta in replay.inspire for e in meta["arxiv_eprints"]]
    replay.inspire_page_size = 2
    with ReplayServer(replay) as server:
        harvest = InspireHarvest(_client(), tmp_path / "i", endpoint=f"{server.url}/api", chunk=25)
        result = harvest.run(ids)
        served = replay.requests
        again = InspireHarvest(_client(), tmp_path / "i", endpoint=f"{server.url}/api").run(ids)
    assert result.records == len(ids) and len(result.files) == -(-len(ids) // 2)
    assert again.written == 0 and replay.requests == served and again.files == result.files
    store = open_store(Settings(home=tmp_path / "store"))
    try:
        report = ingest([tmp_path / "i"], store=store)
        assert report.papers_added == len(ids)
        assert report.citations_added > 100  # the records' reference lists
    finally:
        store.close()


def test_arxiv_id_list_and_hepml_bibliography(replay: Replay, corpus_dir: Path, tmp_path: Path) -> None:
    lines = (corpus_dir / "arxiv-hep.jsonl").read_text(encoding="utf-8").splitlines()[:7]
    replay.arxiv = {json.loads(x)["id"]: json.loads(x) for x in lines}
    replay.bib = (corpus_dir / "HEPML.bib").read_bytes()
    (tmp_path / "ids.txt").write_text("# seven papers\n" + "\n".join(replay.arxiv) + "\n")
    with ReplayServer(replay) as server:
        ids = read_id_file(tmp_path / "ids.txt")
        result = IdListHarvest(_client(), tmp_path / "a", endpoint=f"{server.url}/api/query", chunk=3).run(
            ids
        )
        bib = UrlHarvest(_client(), tmp_path / "b", url=f"{server.url}/HEPML.bib").run()
        bib_again = UrlHarvest(_client(), tmp_path / "b", url=f"{server.url}/HEPML.bib").run()
    assert len(result.files) == 3 and result.written == 3
    assert (tmp_path / "b" / "HEPML.bib").read_bytes() == replay.bib and bib.written == 1
    assert bib_again.written == 0
    store = open_store(Settings(home=tmp_path / "store"))
    try:
        ingest([tmp_path / "a"], store=store)
        titles = {p.key: p.title for p in store.iter_papers()}
    finally:
        store.close()
    assert set(titles) == set(replay.arxiv)
    assert all(titles.values())


def test_ids_of_harvested_pages_and_bad_input(replay: Replay, tmp_path: Path) -> None:
    with ReplayServer(replay) as server:
        _harvest(server, tmp_path / "h")
    ids = arxiv_ids_of_pages(sorted((tmp_path / "h").glob("page-*.xml")))
    assert ids == [i.removeprefix("oai:arXiv.org:") for i in _physics(replay)]
    (tmp_path / "bad.txt").write_text("2401.00001\nnot-an-id\n")
    with pytest.raises(ConfigError, match=r"bad.txt:2: 'not-an-id' is neither an arXiv id nor a DOI"):
        read_id_file(tmp_path / "bad.txt")
    (tmp_path / "doi.txt").write_text("2401.00001\n10.1103/PhysRevD.1.1\n")
    with pytest.raises(ConfigError, match="is a DOI; the arXiv API"):
        read_id_file(tmp_path / "doi.txt")
    with pytest.raises(ConfigError, match="YYYY-MM-DD"):
        day("2024-13-01", option="--from")
