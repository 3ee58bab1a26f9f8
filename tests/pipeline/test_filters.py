"""Ingest filters (--categories, --since/--until, --ids): one rule for every source, and a raw-line pre-check
for the arXiv snapshot that never drops a record the rule keeps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hepgraph.errors import ConfigError
from hepgraph.extract.sources.arxiv_jsonl import LineFilter
from hepgraph.extract.sources.detect import read_path, walk_paths
from hepgraph.filters import RecordFilter, record_filter
from hepgraph.graph.factory import open_store
from hepgraph.models import PaperRecord
from hepgraph.pipeline.ingest import ingest
from hepgraph.settings import Settings
from hepgraph.ui.cli import app


def _rec(**kw: object) -> PaperRecord:
    return PaperRecord(source="arxiv-jsonl", origin="t", **kw)


def test_the_rule_on_hand_made_records() -> None:
    cross = _rec(arxiv_id="2401.00001", categories=["hep-ph", "hep-ex"], date="2019-03-02")
    ml = _rec(arxiv_id="2401.00002", categories=["cs.LG", "hep-ex"], date="2017-12")
    any_ex = RecordFilter(categories=frozenset({"hep-ex"}))
    assert any_ex.keeps(cross) and any_ex.keeps(ml)
    primary = RecordFilter(categories=frozenset({"hep-ex"}), match="primary")
    assert not primary.keeps(cross) and not primary.keeps(ml)
    assert RecordFilter(categories=frozenset({"cs"}), match="primary").keeps(ml)  # an archive covers cs.LG
    since = RecordFilter(since="2018")
    assert since.keeps(cross) and not since.keeps(ml)
    assert RecordFilter(since="2017-12-15").keeps(ml)  # "2017-12" may be on or after the 15th
    assert not RecordFilter(until="2017-11").keeps(ml)
    assert not since.keeps(_rec(arxiv_id="2401.00003"))  # no date: the filter cannot show it belongs
    assert not any_ex.keeps(_rec(bibkey="x", title="t"))  # no categories (BibTeX)
    ids = RecordFilter(ids=frozenset({"2401.00001", "10.1000/xyz"}))
    assert ids.keeps(cross) and not ids.keeps(ml)
    assert ids.keeps(_rec(doi="10.1000/XYZ", title="t"))


def test_bad_options_say_what_to_write(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"--since '2018-13' is not a date; write YYYY"):
        record_filter(since="2018-13")
    with pytest.raises(ConfigError, match="after --until"):
        record_filter(since="2020", until="2019-06")
    (tmp_path / "ids.txt").write_text("# mine\n2401.00001\n10.1103/PhysRevD.1.1\nnot an id\n")
    with pytest.raises(ConfigError, match=r"ids.txt:4: 'not an id' is neither an arXiv id nor a DOI"):
        record_filter(ids=tmp_path / "ids.txt")
    with pytest.raises(ConfigError, match="cannot read the id list"):
        record_filter(ids=tmp_path / "missing.txt")


SNAPSHOT_FILTERS = [
    RecordFilter(categories=frozenset({"hep-ph", "hep-ex"}), since="2018"),
    RecordFilter(categories=frozenset({"hep-ex"}), match="primary", until="2020-06"),
    RecordFilter(categories=frozenset({"cs", "stat"})),
    RecordFilter(since="2026-05", until="2026-06-15"),
]


@pytest.mark.corpus
@pytest.mark.parametrize("flt", SNAPSHOT_FILTERS, ids=range(len(SNAPSHOT_FILTERS)))
def test_line_precheck_never_drops_a_record_the_rule_keeps(corpus_dir: Path, flt: RecordFilter) -> None:
    dropped = kept_by_rule = 0
    for name in ("arxiv-hep.jsonl", "arxiv-ml.jsonl"):
        path = corpus_dir / name
        check = LineFilter(flt)
        for raw, item in zip(path.read_bytes().splitlines(), read_path(path, "arxiv-jsonl"), strict=True):
            assert isinstance(item, PaperRecord)
            if flt.keeps(item):
                kept_by_rule += 1
                assert check(raw), f"pre-check dropped {item.arxiv_id}, which the rule keeps"
            elif not check(raw):
                dropped += 1
    assert kept_by_rule > 0
    assert dropped > 0  # and it does drop lines unparsed


def test_precheck_reads_keys_not_the_same_words_inside_strings() -> None:
    flt = RecordFilter(categories=frozenset({"hep-ex"}), since="2018")
    check = LineFilter(flt)
    decoy = {"abstract": 'a "categories": "hep-ex" look-alike', "id": "2101.00001"}
    line = json.dumps({**decoy, "categories": "cs.LG", "update_date": "2021-01-02"}).encode()
    assert b'\\"categories\\": \\"hep-ex\\"' in line and not check(line)  # the key says cs.LG: dropped
    reordered = json.dumps({"update_date": "2021-01-02", "categories": "hep-ex", **decoy}, indent=None)
    assert check(reordered.replace(": ", " :  ").encode())  # another key order and spacing: kept
    v1 = {"version": "v1", "created": "Mon, 5 Jan 2015 10:00:00 GMT"}
    old = json.dumps(
        {"id": "1501.00001", "categories": "hep-ex", "versions": [v1], "update_date": "2021-01-02"}
    )
    assert not check(old.encode())  # v1 in 2015: the first version decides, not the update
    assert check(b'{"id": "2101.00002", "abstract": "no categories key"}')  # unknown: the rule decides


def _keys(home: Path) -> set[str]:
    store = open_store(Settings(home=home))
    try:
        return {p.key for p in store.iter_papers()}
    finally:
        store.close()


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("files", "flt"),
    [
        (["oai-pmh"], RecordFilter(categories=frozenset({"hep-ex"}))),
        (["oai-pmh"], RecordFilter(since="2016-03", until="2016-12")),
        (["inspire"], RecordFilter(since="2020")),
        (["HEPML.bib"], RecordFilter(since="2024")),
        (["HEPML.bib"], RecordFilter(categories=frozenset({"hep-ph"}))),
        (["inspire", "oai-pmh"], RecordFilter(ids=frozenset({"2105.04877", "1606.07538", "1605.05113"}))),
    ],
)
def test_every_source_keeps_exactly_what_the_rule_keeps(
    corpus_dir: Path, tmp_path: Path, files: list[str], flt: RecordFilter
) -> None:
    paths = [corpus_dir / f for f in files]
    expected = set()
    for path in walk_paths(paths):
        if path.suffix in {".xml", ".json", ".bib"}:
            for item in read_path(path):
                if isinstance(item, PaperRecord) and flt.keeps(item) and item.key:
                    expected.add(item.key)
    store = open_store(Settings(home=tmp_path / "s"))
    try:
        report = ingest([p for p in walk_paths(paths) if p.suffix != ".jsonl"], store=store,
                        on_error="skip", record_filter=flt)  # fmt: skip
    finally:
        store.close()
    assert _keys(tmp_path / "s") == expected
    assert report.filtered_out > 0


@pytest.mark.corpus
def test_cli_build_and_ingest_filter_the_snapshot_and_a_rerun_adds_nothing(
    corpus_dir: Path, tmp_path: Path
) -> None:
    part = tmp_path / "hep-400.jsonl"
    part.write_text("".join((corpus_dir / "arxiv-hep.jsonl").read_text().splitlines(True)[:400]))
    flt = RecordFilter(categories=frozenset({"hep-ex"}), since="2020")
    want = {i.arxiv_id for i in read_path(part) if isinstance(i, PaperRecord) and flt.keeps(i)}
    home = ["--home", str(tmp_path / "h")]
    args = ["ingest", str(part), "--categories", "hep-ex", "--since", "2020"]
    first = CliRunner().invoke(app, [*home, *args])
    assert first.exit_code == 0, first.output
    assert _keys(tmp_path / "h") == want and 0 < len(want) < 400
    again = CliRunner().invoke(app, [*home, *args])
    assert "papers added" in again.output and _keys(tmp_path / "h") == want
    rows = {line.split("│")[1].strip(): line.split("│")[2].strip() for line in again.output.splitlines()
            if line.count("│") == 3}  # fmt: skip
    assert rows["papers added"] == "0"
    assert rows["filtered out (--categories/--since/--until/--ids)"] == str(400 - len(want))
    bad = CliRunner().invoke(app, [*home, "build", str(part), "--since", "20-01"])
    assert bad.exit_code == 2 and "--since '20-01' is not a date" in bad.output
