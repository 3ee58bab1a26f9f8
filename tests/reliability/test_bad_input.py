"""The bad-input catalogue (issue 8): every reader, the CLI, the question box and the console.

Each reader case is one file (or folder) written by the test, ingested into a real store pre-filled with
the bundled sample (50 real papers):

1. ``--on-error raise``: a HepGraphError whose message names the file (and the line or record) and a fix;
2. the store is left as it was: stats, paper content hashes and citations equal (a case that also holds
   valid records may add exactly those, and never changes or duplicates a stored paper);
3. ``hepgraph ingest BAD GOOD --on-error skip`` (the real CLI): exit 0, the run goes on to GOOD, and the
   summary counts the skipped record under its reason.

The table of all cases is tests/reliability/CATALOGUE.md.
"""

from __future__ import annotations

import gzip
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hepgraph.errors import HepGraphError
from hepgraph.graph.embedded import EmbeddedStore

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data" / "sample"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "catalogue"
GOOD_ID = "0804.0037"  # a real hep-th paper that is not in the sample: the record after the bad one
FIX_HINTS = (
    "re-export",
    "re-download",
    "fix",
    "add ",
    "remove",
    "drop",
    "use ",
    "--format",
    "check",
    "keep one",
    "convert",
    "shorten",
    "pass ",
    "must ",
    "should ",
    "separate",
    "see the note",
    "give ",
    "save",
    "split",
    "build",
    "choose",
    "one json object",
)
CLI_ENV = {"COLUMNS": "250", "HF_HUB_OFFLINE": "1"}


def _good_line(
    arxiv_id: str = GOOD_ID,
    title: str = "Particle identifications from braided ribbon networks",
    **extra: object,
) -> str:
    obj = {
        "id": arxiv_id,
        "submitter": None,
        "authors": "Sundance Bilson-Thompson, Lee Smolin",
        "title": title,
        "comments": None,
        "journal-ref": None,
        "doi": None,
        "categories": "hep-th",
        "abstract": "Preons as excitations of quantum geometry.",
        "update_date": "2008-04-01",
        "versions": [{"version": "v1", "created": "Tue, 1 Apr 2008 00:00:00 GMT"}],
        "authors_parsed": [["Bilson-Thompson", "Sundance", ""], ["Smolin", "Lee", ""]],
    }
    obj.update(extra)
    return json.dumps(obj, ensure_ascii=False)


@dataclass(frozen=True)
class FileCase:
    """One bad input file (or folder) and what hepgraph must do with it."""

    id: str
    name: str  # file (or folder) name written under tmp
    content: Callable[[], bytes] | None  # None: a folder built by ``folder``
    kind: str = (
        "reject"  # reject: nothing stored; mixed: valid records stored, bad ones refused; accept: stored
    )
    needles: tuple[str, ...] = ()  # besides the file name, what the message must name (record id, line)
    adds: frozenset[str] = frozenset()  # paper keys a mixed/accept case may add
    fmt: str | None = None
    folder: Callable[[Path], None] | None = field(default=None, compare=False)
    check: Callable[[EmbeddedStore], None] | None = field(default=None, compare=False)
    skip: bool = True  # also run the --on-error skip CLI check (a notes-only folder has nothing to skip)

    def write(self, where: Path) -> Path:
        path = where / self.name
        if self.folder is not None:
            path.mkdir()
            self.folder(path)
        else:
            path.write_bytes(self.content())  # type: ignore[misc]
        return path


def _t(s: str) -> Callable[[], bytes]:
    return lambda: s.encode("utf-8")


def _b(data: bytes) -> Callable[[], bytes]:
    return lambda: data


def _fixture(name: str) -> Callable[[], bytes]:
    return lambda: (FIXTURES / name).read_bytes().replace(b"@SECRET@", b"file:///etc/hostname")


OAI_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
    '<responseDate>2026-05-01T00:00:00Z</responseDate><request verb="ListRecords" metadataPrefix="arXiv">'
    "http://export.arxiv.org/oai2</request><ListRecords>"
)
OAI_TAIL = "</ListRecords></OAI-PMH>"


def _oai_record(body: str) -> str:
    return (
        "<record><header><identifier>oai:arXiv.org:x</identifier><datestamp>2026-05-01</datestamp></header>"
        f'<metadata><arXiv xmlns="http://arxiv.org/OAI/arXiv/">{body}</arXiv></metadata></record>'
    )


ATOM_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" '
    'xmlns:arxiv="http://arxiv.org/schemas/atom"><title>arXiv Query</title>'
    "<id>http://arxiv.org/api/query</id>"
)


def _big_abstract(size: int = 5 * 2**20) -> bytes:
    words = "jets anomaly detection autoencoder calorimeter shower simulation transformer " * 75_000
    return (_good_line("2101.99991", abstract=words[:size]) + "\n").encode()


def _many_authors() -> bytes:
    names = ", ".join(f"Author{i} Tester{i}" for i in range(100_000))
    parsed = [[f"Tester{i}", f"Author{i}", ""] for i in range(100_000)]
    return (_good_line("2101.99992", authors=names, authors_parsed=parsed) + "\n").encode()


def _check_huge_abstract(store: EmbeddedStore) -> None:
    assert not store.get_papers(["2101.99991"])  # over max_abstract_chars: refused, never stored


def _check_many_authors(store: EmbeddedStore) -> None:
    paper = store.get_papers(["2101.99992"])
    assert not paper or len(paper[0].authors) == 100_000


def _check_latex(store: EmbeddedStore) -> None:
    (paper,) = store.get_papers(["2101.99993"])
    assert isinstance(paper.title_text, str) and paper.title_text.strip()
    assert paper.title == r"Unbalanced $\frac{a}{b$ and \textbf{bold} {{ \unknownmacro[x]{"


ID_SHAPES = {  # raw id -> expected paper key
    "hep-th/9901001v3": "hep-th/9901001",
    "math.GT/0309136": "math/0309136",
    "0704.0001": "0704.0001",
    "2505.13299v12": "2505.13299",
    "arXiv:2411.09297": "2411.09297",
    "https://arxiv.org/abs/1706.05371v2": "1706.05371",
}


def _check_ids(store: EmbeddedStore) -> None:
    found = {p.key for p in store.get_papers(list(ID_SHAPES.values()))}
    assert found == set(ID_SHAPES.values())


def _empty_dir(path: Path) -> None:
    (path / "README.md").write_text("notes only\n")


def _unknown_dir(path: Path) -> None:
    (path / "table.csv").write_text("a,b\n1,2\n")
    (path / "paper.pdf").write_bytes(b"%PDF-1.4\n")


_BIB_OK = '@article{Smolin:2008ab,\n author = "Smolin, Lee",\n title = "{Braids}",\n year = "2008"\n}\n'

READER_CASES: list[FileCase] = [
    # -- arXiv snapshot JSONL ------------------------------------------------------------------
    FileCase("jsonl-truncated-line", "trunc.jsonl", _t(_good_line()[:120] + "\n"), needles=("line 1",)),
    FileCase(
        "jsonl-no-id",
        "noid.jsonl",
        _t(json.dumps({"title": "No id here", "abstract": "x"}) + "\n"),
        needles=("line 1",),
    ),
    FileCase(
        "jsonl-garbage-id",
        "garbage.jsonl",
        _t(_good_line("not-an-arxiv-id") + "\n"),
        needles=("not-an-arxiv-id",),
    ),
    FileCase(
        "jsonl-array-instead-of-lines",
        "array.jsonl",
        _t(json.dumps([json.loads(_good_line()), json.loads(_good_line("0804.0038"))]) + "\n"),
    ),
    FileCase(
        "jsonl-pretty-printed-array",
        "pretty.json",
        _t(json.dumps([json.loads(_good_line())], indent=2) + "\n"),
    ),
    FileCase("jsonl-line-not-object", "scalars.jsonl", _t('42\n"a string"\nnull\n'), needles=("line 1",)),
    FileCase(
        "jsonl-latin1",
        "latin1.jsonl",
        _b(_good_line(title="Caf\u00e9 preons").encode("latin-1") + b"\n"),
        needles=("line 1",),
    ),
    FileCase("jsonl-utf16-bom", "utf16.jsonl", _b((_good_line() + "\n").encode("utf-16"))),
    FileCase("jsonl-empty-file", "empty.jsonl", _b(b"")),
    FileCase("jsonl-whitespace-only", "blank.jsonl", _t("\n   \n\t\n")),
    FileCase(
        "jsonl-gzip-truncated", "cut.jsonl.gz", _b(gzip.compress((_good_line() + "\n").encode() * 50)[:200])
    ),
    FileCase(
        "jsonl-conflicting-duplicates",
        "conflict.jsonl",
        _t(_good_line() + "\n" + _good_line(title="A different title for the same id") + "\n"),
        kind="mixed",
        needles=(GOOD_ID, "line 2"),
        adds=frozenset({GOOD_ID}),
    ),
    FileCase(
        "jsonl-identical-duplicates",
        "dupes.jsonl",
        _t((_good_line() + "\n") * 3),
        kind="accept",
        adds=frozenset({GOOD_ID}),
    ),
    FileCase(
        "jsonl-bad-dates",
        "dates.jsonl",
        _t(
            _good_line(
                "2101.99994", update_date="2026-13-45", versions=[{"version": "v1", "created": "yesterday"}]
            )
            + "\n"
        ),
        kind="accept",
        adds=frozenset({"2101.99994"}),
    ),
    FileCase(
        "jsonl-huge-abstract-5MB",
        "huge.jsonl",
        _big_abstract,
        needles=("abstract is too long", "HEPGRAPH_MAX_ABSTRACT_CHARS"),
        check=_check_huge_abstract,
    ),
    FileCase(
        "jsonl-100k-authors",
        "authors.jsonl",
        _many_authors,
        kind="accept",
        adds=frozenset({"2101.99992"}),
        check=_check_many_authors,
    ),
    FileCase(
        "jsonl-latex-unparseable",
        "latex.jsonl",
        _t(
            _good_line(
                "2101.99993",
                title=r"Unbalanced $\frac{a}{b$ and \textbf{bold} {{ \unknownmacro[x]{",
                abstract=r"\begin{equation} x^{2 \end{itemize} $$ \\\\ }}} %comment",
            )
            + "\n"
        ),
        kind="accept",
        adds=frozenset({"2101.99993"}),
        check=_check_latex,
    ),
    FileCase(
        "jsonl-control-characters",
        "ctrl.jsonl",
        _t(_good_line("2101.99995", title="Nul \u0000 bell \u0007 escape \u001b[31m red") + "\n"),
        kind="accept",
        adds=frozenset({"2101.99995"}),
    ),
    FileCase(
        "ids-every-shape",
        "ids.jsonl",
        _t(
            "".join(_good_line(raw, title=f"Paper {raw}") + "\n" for raw in ID_SHAPES)
            + _good_line("12345", title="garbage id")
            + "\n"
        ),
        kind="mixed",
        needles=("12345", "line 7"),
        adds=frozenset(ID_SHAPES.values()),
        check=_check_ids,
    ),
    # -- OAI-PMH ------------------------------------------------------------------------------------
    FileCase(
        "oai-truncated",
        "cut.oai.xml",
        _t(OAI_HEAD + _oai_record("<id>2101.99996</id><title>T</title>")[:150]),
    ),
    FileCase("oai-entity-bomb", "bomb.oai.xml", _fixture("entity_bomb.oai.xml")),
    FileCase("oai-xxe", "xxe.oai.xml", _fixture("xxe_file.oai.xml")),
    FileCase(
        "oai-record-without-id",
        "noid.oai.xml",
        _t(OAI_HEAD + _oai_record("<title>No id</title><abstract>x</abstract>") + OAI_TAIL),
    ),
    FileCase(
        "oai-not-utf8",
        "latin1.oai.xml",
        _b(
            (OAI_HEAD + _oai_record("<id>2101.99997</id><title>Caf\u00e9</title>") + OAI_TAIL).encode(
                "latin-1"
            )
        ),
    ),
    FileCase(
        "oai-garbage-id",
        "gid.oai.xml",
        _t(OAI_HEAD + _oai_record("<id>garbage-id</id><title>T</title>") + OAI_TAIL),
        needles=("garbage-id",),
    ),
    # -- arXiv API Atom -----------------------------------------------------------------------------
    FileCase("atom-xxe", "xxe.atom.xml", _fixture("xxe_file.atom.xml")),
    FileCase("atom-truncated", "cut.atom.xml", _t(ATOM_HEAD + "<entry><id>http://arxiv.org/abs/2101.9")),
    FileCase(
        "atom-entry-garbage-id",
        "gid.atom.xml",
        _t(ATOM_HEAD + "<entry><id>http://arxiv.org/abs/garbage</id><title>T</title></entry></feed>"),
        needles=("garbage",),
    ),
    # -- INSPIRE JSON -------------------------------------------------------------------------------
    FileCase("inspire-truncated", "lit.json", _t('{"metadata": {"titles": [{"title": "Cut')),
    FileCase(
        "inspire-record-without-ids",
        "noids.json",
        _t(json.dumps({"metadata": {"titles": [{"title": "A record with no identifier"}]}})),
    ),
    FileCase(
        "inspire-references-bad-line",
        "references.jsonl",
        _t('{"citing_arxiv_id": "2101.08320", "references": [\n'),
        needles=("line 1",),
    ),
    # -- BibTeX -------------------------------------------------------------------------------------
    FileCase(
        "bibtex-without-eprint-or-doi",
        "noeprint.bib",
        _t('@article{Nobody:2020xx,\n author = "Nobody, A.",\n year = "2020"\n}\n'),
        kind="accept",
        adds=frozenset({"ref:Nobody:2020xx"}),
    ),
    FileCase(
        "bibtex-unbalanced-braces",
        "cut.bib",
        _t('@article{Cut:2021ab,\n title = "{Unclosed\n eprint = "2101.99998",\n'),
        needles=("Cut:2021ab",),
    ),
    FileCase(
        "bibtex-garbage-eprint",
        "geprint.bib",
        _t('@article{Bad:2021cd,\n title = "{T}",\n eprint = "not-an-eprint",\n year = "2021"\n}\n'),
        needles=("Bad:2021cd",),
    ),
    FileCase(
        "bibtex-latin1",
        "latin1.bib",
        _b('@article{Caf:2021ef,\n title = "{Caf\u00e9}",\n eprint = "2101.99999",\n}\n'.encode("latin-1")),
    ),
    FileCase("bibtex-empty", "empty.bib", _b(b"")),
    FileCase(
        "bibtex-conflicting-keys",
        "dupkey.bib",
        _t(
            '@article{Dup:2008ab,\n title = "{One}",\n eprint = "0804.0037"\n}\n'
            '@article{Dup:2008ab,\n title = "{Two}",\n eprint = "0804.0037"\n}\n'
        ),
        kind="mixed",
        needles=(GOOD_ID,),
        adds=frozenset({GOOD_ID}),
    ),
    # -- citations TSV ------------------------------------------------------------------------------
    FileCase(
        "citations-wrong-columns",
        "edges.tsv",
        _t("citing\tcited\tcited_id_scheme\tsource\nonly-one-column\n"),
        needles=("line 2",),
    ),
    FileCase(
        "citations-garbage-ids",
        "gedges.tsv",
        _t("citing\tcited\tcited_id_scheme\tsource\nxxx\tyyy\tarxiv\ttest\n"),
        needles=("line 2",),
    ),
    FileCase("citations-no-header", "nohead.tsv", _t("2101.08320\t2104.02092\n")),
    # -- formats and folders ------------------------------------------------------------------------
    FileCase("unknown-extension", "papers.csv", _t("id,title\n2101.08320,x\n")),
    FileCase("xml-unknown-root", "other.xml", _t('<?xml version="1.0"?><catalog><book/></catalog>')),
    FileCase("dir-no-known-files", "stuff", None, folder=_unknown_dir, needles=("paper.pdf",)),
    FileCase("dir-only-notes", "notes", None, folder=_empty_dir, skip=False),
]


# -- the store before and after --------------------------------------------------------------------
@dataclass
class Snapshot:
    """What 'the store is left as it was' compares."""

    stats: dict
    hashes: dict[str, str]
    citations: list[tuple[str, str]]


def snapshot(path: Path) -> Snapshot:
    store = EmbeddedStore(path, read_only=True)
    try:
        return Snapshot(
            store.stats().model_dump(),
            {p.key: p.content_hash() for p in store.iter_papers()},
            sorted((c.citing, c.cited) for c in store.iter_citations()),
        )
    finally:
        store.close()


def assert_kept(before: Snapshot, after: Snapshot, adds: frozenset[str] = frozenset()) -> None:
    """Nothing stored is lost, changed or duplicated; only the ``adds`` keys may be new."""
    if not adds:
        assert after == before
        return
    assert {k: after.hashes.get(k) for k in before.hashes} == before.hashes, (
        "a stored paper changed or was lost"
    )
    new = set(after.hashes) - set(before.hashes)
    assert new <= adds, f"unexpected new papers {sorted(new - adds)[:5]}"
    assert after.stats["papers"] == before.stats["papers"] + len(new)
    assert set(before.citations) <= set(after.citations)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the bundled sample (50 real papers and their citations), closed and checkpointed."""
    from hepgraph.pipeline.ingest import ingest

    path = tmp_path_factory.mktemp("template") / "hepgraph.sqlite"
    store = EmbeddedStore(path)
    store.ensure_schema()
    ingest([SAMPLE], store=store, on_error="raise", parallel=None)
    store.close()
    return path


def _copy_store(template: Path, home: Path) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    for f in template.parent.glob(template.name + "*"):
        shutil.copy(f, home / f.name)
    return home / template.name


def _has_fix(message: str) -> bool:
    return any(h in message.lower() for h in FIX_HINTS)


# -- reader cases --------------------------------------------------------------------------------------
@pytest.mark.parametrize("case", READER_CASES, ids=[c.id for c in READER_CASES])
def test_reader_case_raise(case: FileCase, template: Path, tmp_path: Path) -> None:
    """--on-error raise: a clear message naming the file, place and fix; the store is as it was."""
    from hepgraph.pipeline.ingest import ingest

    db = _copy_store(template, tmp_path / "home")
    before = snapshot(db)
    path = case.write(tmp_path)
    store = EmbeddedStore(db)
    try:
        if case.kind == "accept":
            ingest([path], store=store, fmt=case.fmt, on_error="raise", parallel=None)
        else:
            with pytest.raises(HepGraphError) as info:
                ingest([path], store=store, fmt=case.fmt, on_error="raise", parallel=None)
            message = str(info.value)
            assert path.name in message or any(n in message for n in case.needles[:1]), message
            for needle in case.needles:
                assert needle in message, f"{needle!r} not in {message!r}"
            assert _has_fix(message), f"no fix hint in {message!r}"
        if case.check is not None:
            case.check(store)
    finally:
        store.close()
    assert_kept(before, snapshot(db), case.adds)


SKIP_CASES = [c for c in READER_CASES if c.kind != "accept" and c.skip]


@pytest.mark.parametrize("case", SKIP_CASES, ids=[c.id for c in SKIP_CASES])
def test_reader_case_skip_goes_on(case: FileCase, template: Path, tmp_path: Path) -> None:
    """`hepgraph ingest BAD GOOD --on-error skip`: exit 0, GOOD is read, the summary counts the skip."""
    from hepgraph.ui.cli import app

    home = tmp_path / "home"
    db = _copy_store(template, home)
    before = snapshot(db)
    bad = case.write(tmp_path)
    good = tmp_path / "zz-good.jsonl"
    good.write_text(_good_line() + "\n", encoding="utf-8")
    result = CliRunner(env=CLI_ENV).invoke(
        app, ["--home", str(home), "ingest", str(bad), str(good), "--on-error", "skip"]
    )
    assert result.exit_code == 0, result.output
    assert "skipped" in result.output
    shown = result.output.replace("\n", " ")
    assert bad.name in shown or any(n in shown for n in case.needles), shown[-1500:]
    after = snapshot(db)
    assert GOOD_ID in after.hashes, "the run stopped at the bad file instead of going on"
    assert_kept(before, after, case.adds | {GOOD_ID})


# -- the CLI ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CliCase:
    """One command line that must fail with one clear line and touch nothing."""

    id: str
    args: tuple[str, ...]
    needles: tuple[str, ...]
    files: dict[str, str] = field(default_factory=dict)


CLI_CASES = [
    CliCase("cli-ingest-missing-path", ("ingest", "{tmp}/nope.jsonl"), ("nope.jsonl", "check the path")),
    CliCase(
        "cli-ingest-unknown-format-flag",
        ("ingest", "{tmp}/a.jsonl", "--format", "bogus"),
        ("bogus", "arxiv-jsonl"),
        {"a.jsonl": _good_line() + "\n"},
    ),
    CliCase(
        "cli-ingest-bad-on-error",
        ("ingest", "{tmp}/a.jsonl", "--on-error", "ignore"),
        ("skip", "raise"),
        {"a.jsonl": _good_line() + "\n"},
    ),
    CliCase(
        "cli-ingest-unknown-file",
        ("ingest", "{tmp}/data.csv"),
        ("data.csv", "--format"),
        {"data.csv": "a,b\n"},
    ),
    CliCase(
        "cli-ingest-notes-only-folder",
        ("ingest", "{tmp}/notes"),
        ("notes", "no data files"),
        {"notes/README.md": "notes\n"},
    ),
    CliCase(
        "cli-build-bad-on-error",
        ("build", "{tmp}/a.jsonl", "--on-error", "ignore"),
        ("skip",),
        {"a.jsonl": _good_line() + "\n"},
    ),
    CliCase(
        "cli-build-empty-file", ("build", "{tmp}/empty.jsonl"), ("empty.jsonl", "empty"), {"empty.jsonl": ""}
    ),
    CliCase("cli-search-no-store", ("search", "jets"), ("build",)),
    CliCase("cli-search-no-question", ("search",), ("question",)),
    CliCase("cli-ask-no-store", ("ask", "jets"), ("build",)),
    CliCase("cli-stats-no-store", ("stats", "--json"), ("build",)),
]


@pytest.mark.parametrize("case", CLI_CASES, ids=[c.id for c in CLI_CASES])
def test_cli_case(case: CliCase, tmp_path: Path) -> None:
    """Exit code 2, one clear message naming the object and the fix, no traceback, no store created."""
    from hepgraph.ui.cli import app

    for name, text in case.files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    home = tmp_path / "home"
    args = [a.replace("{tmp}", str(tmp_path)) for a in case.args]
    result = CliRunner(env=CLI_ENV).invoke(app, ["--home", str(home), *args])
    output = result.output.replace("\n", " ")
    assert result.exit_code == 2, output
    assert "Traceback" not in output
    for needle in case.needles:
        assert needle in output, f"{needle!r} not in {output!r}"
    store = home / "hepgraph.sqlite"
    if store.exists():  # a refused ingest/build may have created the empty store, never stored a paper
        assert snapshot(store).stats["papers"] == 0


# -- the question box ------------------------------------------------------------------------------------
QUESTIONS = {
    "q-empty": "",
    "q-whitespace": " \t\n  \u3000 ",
    "q-10kB": ("Which graph neural networks are used for jet tagging at the LHC? " * 160)[:10_240],
    "q-one-10k-token": "a" * 10_000,
    "q-chinese": "用于喷注标记的图神经网络有哪些？",
    "q-arabic": "ما هي الشبكات العصبية المستخدمة في كشف الشذوذ؟",
    "q-cyrillic": "Какие нейронные сети используются для поиска аномалий?",
    "q-emoji-only": "🤖🔬⚛️🚀",
    "q-control-chars": "jet\x00 tagging\x07 with\x1b[31m graph\u202e networks\r\n",
    "q-sql-injection": "'; DROP TABLE papers; --",
    "q-cypher-injection": "MATCH (n) DETACH DELETE n",
    "q-latex-only": r"$$\frac{\sqrt{s}}{",
}
EMPTY = {"q-empty", "q-whitespace"}
TOO_LONG = {"q-10kB", "q-one-10k-token"}  # over hepgraph.question.MAX_QUESTION_CHARS, for every face


@pytest.fixture(scope="module")
def retriever(sample_home: Path):  # noqa: ANN201
    from hepgraph.pipeline.runtime import open_retriever
    from hepgraph.settings import Settings

    r = open_retriever(Settings(home=sample_home))
    yield r
    r.store.close()


@pytest.mark.parametrize("qid", list(QUESTIONS), ids=list(QUESTIONS))
def test_question_box_case(qid: str, retriever, sample_home: Path) -> None:  # noqa: ANN001
    """Retriever.search: empty and over-long questions get a QueryError saying what to do; anything else an
    answer, no crash.
    """
    from hepgraph.errors import QueryError

    before = snapshot(sample_home / "hepgraph.sqlite")
    question = QUESTIONS[qid]
    if qid in EMPTY:
        with pytest.raises(QueryError, match="empty.*e.g."):
            retriever.search(question)
    elif qid in TOO_LONG:
        with pytest.raises(QueryError, match="shorten it to at most 2,000"):
            retriever.search(question)
    else:
        result = retriever.search(question, k=10)
        assert len(result.results) <= 10
        assert all(0.0 <= r.score <= 1.0 for r in result.results)
        assert result.results or result.notice, "no result and no notice saying why"
    assert snapshot(sample_home / "hepgraph.sqlite") == before


CLI_QUESTIONS = [
    ("search", "q-empty", 2, "empty"),
    ("ask", "q-empty", 2, "empty"),
    ("ask", "q-10kB", 2, "shorten"),
    ("search", "q-10kB", 2, "shorten"),
    ("ask", "q-chinese", 0, ""),
    ("search", "q-emoji-only", 0, ""),
]


@pytest.mark.parametrize(
    ("command", "qid", "code", "needle"), CLI_QUESTIONS, ids=[f"cli-{c}-{q}" for c, q, _, _ in CLI_QUESTIONS]
)
def test_question_cli_case(command: str, qid: str, code: int, needle: str, sample_home: Path) -> None:
    """`hepgraph search|ask` on hostile questions: exit 0 with an answer, or exit 2 with one clear line."""
    from hepgraph.ui.cli import app

    before = snapshot(sample_home / "hepgraph.sqlite")
    result = CliRunner(env=CLI_ENV).invoke(
        app, ["--home", str(sample_home), command, "--json", QUESTIONS[qid]]
    )
    assert result.exit_code == code, result.output[-2000:]
    assert "Traceback" not in result.output
    if code == 0:
        json.loads(result.stdout)  # the JSON answer is whole
    else:
        assert needle in result.output
    assert snapshot(sample_home / "hepgraph.sqlite") == before


# -- the console ------------------------------------------------------------------------------------------
CONSOLE_MALFORMED = {
    "console-unclosed-paren": "MATCH (n RETURN n",
    "console-bare-return": "RETURN",
    "console-garbage": "SELECT * FROM papers",
    "console-nul-byte": "MATCH (p:Paper)\x00 RETURN p.key",
    "console-100kB": "MATCH (p:Paper) WHERE p.key = 'x' " + "OR p.key = 'y' " * 7000 + "RETURN p.key",
    "console-only-comment": "// just a comment",
}
CONSOLE_WRITES = {  # write paths beyond tests/graph/test_console.py's list: whitespace and case tricks
    "console-set-after-newline": "MATCH (p:Paper)\nSET p.title = 'x'",
    "console-set-after-tab": "MATCH (p:Paper) SET\tp.x=1",
    "console-mixed-case-merge": "mErGe (n:Paper {key: 'x'})",
    "console-nbsp-create": "CREATE\u00a0(n:Paper)",
    "console-unwind-create": "UNWIND [1, 2] AS x CREATE (n:Paper {key: x})",
    "console-set-map": "MATCH (p:Paper) SET p += {title: 'x'}",
    "console-set-label": "MATCH (p:Paper) SET p:Evil",
    "console-yield-write-proc": "CALL apoc.create.node(['X'], {}) YIELD node RETURN node",
}


@pytest.fixture(scope="module")
def console_store(sample_home: Path):  # noqa: ANN201
    store = EmbeddedStore(sample_home / "hepgraph.sqlite", read_only=True)
    yield store
    store.close()


@pytest.mark.parametrize(
    "cid", [*CONSOLE_MALFORMED, *CONSOLE_WRITES], ids=[*CONSOLE_MALFORMED, *CONSOLE_WRITES]
)
def test_console_case(cid: str, console_store: EmbeddedStore) -> None:
    """Malformed Cypher: a QueryError that says what to do; a write: ReadOnlyViolation;
    the graph unchanged.
    """
    from hepgraph.errors import QueryError, ReadOnlyViolation
    from hepgraph.graph.console import run_console_query

    before = console_store.index_hash()
    if cid in CONSOLE_WRITES:
        with pytest.raises(ReadOnlyViolation, match="read-only"):
            run_console_query(console_store, CONSOLE_WRITES[cid], row_limit=20, timeout_s=5)
    else:
        with pytest.raises(QueryError) as info:
            run_console_query(console_store, CONSOLE_MALFORMED[cid], row_limit=20, timeout_s=5)
        assert len(str(info.value)) < 2000, "the message must be one readable line, not a dump"
        assert _has_fix(str(info.value)) or "example" in str(info.value), str(info.value)
    assert console_store.index_hash() == before


@pytest.mark.slow
def test_build_survives_the_longest_abstract_a_cap_allows(tmp_path: Path) -> None:
    """`hepgraph build` on a paper with a 1,000,000-character abstract, the most max_abstract_chars can be
    raised to, finishes (spaCy's max_length used to abort a 5 MiB one: E088; such a one is now refused).
    """
    from hepgraph.ui.cli import app

    path = tmp_path / "huge.jsonl"
    path.write_bytes(_big_abstract(1_000_000))
    home = tmp_path / "home"
    env = {**CLI_ENV, "HEPGRAPH_MAX_ABSTRACT_CHARS": "1000000"}
    result = CliRunner(env=env).invoke(app, ["--home", str(home), "build", str(path)])
    assert result.exit_code == 0, result.output[-2000:]
    store = EmbeddedStore(home / "hepgraph.sqlite", read_only=True)
    try:
        (paper,) = store.get_papers(["2101.99991"])
        assert len(paper.abstract) >= 1_000_000 - 100
        assert store.links_for_papers(["2101.99991"]), "concepts in the abstract's head were not linked"
    finally:
        store.close()
