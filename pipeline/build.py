"""`hepgraph build`: ingest, link concepts, embed, SIMILAR edges, metadata. Incremental, zero LLM calls.

The pipeline drives the extractors (:mod:`hepgraph.extract`) into a store: extraction itself never sees one.

Optionally (``settings.llm_relations``, off by default, needs an API key) Claude adds links the matcher
missed (:mod:`hepgraph.extract.llm_relations`); its model and prompt version are part of the mentions
stage hash, so turning it on or off re-extracts, and its outputs are cached so a re-extraction calls
Claude only for texts it has not seen.

A paper is re-extracted only when its text or the vocabulary (or the extractor's rules) changed; text is
embedded only when no vector for its hash is cached for the model; SIMILAR edges are recomputed only
when the set of paper vectors changed. A second build on the same input therefore processes 0 papers.
The spaCy pipeline and the embedding model are loaded only when there is work for them.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from hepgraph.errors import ConfigError
from hepgraph.extract.embed import SentenceTransformerEmbedder, device_label, pick_device
from hepgraph.extract.llm_relations import RelationExtractor
from hepgraph.extract.mentions import EXTRACTOR_VERSION, MentionExtractor
from hepgraph.extract.nlp import load_pipeline
from hepgraph.extract.similar import knn_edges, knn_update
from hepgraph.extract.vocabulary import Vocabulary, load_vocabulary
from hepgraph.filters import RecordFilter
from hepgraph.models import Paper
from hepgraph.pipeline.concepts import concept_hash, concept_matrix
from hepgraph.pipeline.ingest import ingest
from hepgraph.protocols import Embedder
from hepgraph.settings import Settings
from hepgraph.store import GraphStore

logger = logging.getLogger(__name__)

# (stage, done, total): stages call it as they go so a UI can draw one progress bar per stage.
ProgressFn = Callable[[str, int, int | None], None]
STAGES = ("ingest", "concepts", "mentions", "embed", "similar", "meta")
MENTIONS_STAGE = "mentions"
# key -> text hash each paper had when SIMILAR was last computed: what knn_update starts from.
SIMILAR_STAGE = "similar"
_CLAUDE = "relations (Claude)"
_CHUNK = 512
_MAX_PROBLEMS = 50


class BuildReport(BaseModel):
    """What one build did; a second build on the same input reports 0 papers extracted and embedded."""

    model_config = ConfigDict(extra="forbid")

    papers_read: int = Field(0, description="paper records the readers produced")
    filtered_out: int = Field(0, description="paper records the record filter did not keep")
    papers_added: int = 0
    papers_updated: int = 0
    papers_total: int = 0
    papers_extracted: int = 0
    papers_embedded: int = 0
    concepts: int = 0
    concepts_embedded: int = 0
    links: int = 0
    similar_recomputed: bool = False
    similar_incremental: bool = Field(
        False, description="SIMILAR scored only the rows the changed papers reach (knn_update)"
    )
    edges: dict[str, int] = Field(default_factory=dict)
    llm_calls: int = Field(0, description="Claude relation-extraction calls (0 unless llm_relations is on)")
    llm_cache_hits: int = Field(0, description="papers whose Claude relations came from the cache")
    llm_input_tokens: int = 0
    llm_output_tokens: int = 0
    llm_links: int = Field(0, description="links Claude added beyond the matcher's")
    llm_failed: int = Field(0, description="papers Claude failed on; matcher links kept, retried next build")
    llm_rejected: dict[str, int] = Field(
        default_factory=dict, description="Claude's dropped proposals by reason"
    )
    embedding_device: str = Field("", description="where the encoder ran (empty when nothing was embedded)")
    warnings: list[str] = Field(default_factory=list, description="what the build left out and how to fix it")
    seconds: dict[str, float] = Field(default_factory=dict)
    skipped: dict[str, int] = Field(default_factory=dict, description="records skipped by ingest, by reason")
    problems: list[str] = Field(default_factory=list, description="the first skipped records' messages")
    vocabulary_version: str = ""
    index_hash: str = ""


class _Text(BaseModel):
    """The slice of a paper the build stages need (collaboration author lists stay in the store)."""

    key: str
    title_text: str
    abstract_text: str
    text_hash: str
    date: str | None = None

    def paper(self) -> Paper:
        return Paper(key=self.key, title_text=self.title_text, abstract_text=self.abstract_text)


def mention_hash(text_hash: str, vocabulary_version: str, llm: str = "") -> str:
    """The input hash of the mentions stage for one paper; ``llm`` is the Claude extractor's tag, if on."""
    key = f"{text_hash}|{vocabulary_version}|{EXTRACTOR_VERSION}" + (f"|{llm}" if llm else "")
    return hashlib.sha1(key.encode()).hexdigest()[:20]


class Build:
    """One build run over a store. Collaborators are passed in; heavy ones are created on first need.

    Args:
        store: the graph store to fill.
        settings: model names, batch sizes, k of SIMILAR.
        embedder: the text embedder (default: ``settings.embedding_model``, loaded when needed).
        vocabulary: the concept vocabulary (default: the packaged one).
        nlp: a spaCy pipeline from :func:`~hepgraph.extract.nlp.load_pipeline` (loaded when needed).
        progress: called as ``progress(stage, done, total)``.
    """

    def __init__(
        self,
        store: GraphStore,
        settings: Settings,
        *,
        embedder: Embedder | None = None,
        vocabulary: Vocabulary | None = None,
        nlp: object | None = None,
        progress: ProgressFn | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self._embedder = embedder
        self.vocabulary = vocabulary if vocabulary is not None else load_vocabulary()
        self._nlp = nlp
        self.progress: ProgressFn = progress or (lambda stage, done, total: None)
        self.report = BuildReport(vocabulary_version=self.vocabulary.version)
        self._llm_tag = ""

    @property
    def embedder(self) -> Embedder:
        """The embedder, loaded on first use (a build with nothing to embed never loads it)."""
        if self._embedder is None:
            device = pick_device(self.settings.embedding_device)
            self._embedder = SentenceTransformerEmbedder(
                self.settings.embedding_model, batch_size=self.settings.embedding_batch_size, device=device
            )
            self.report.embedding_device = device_label(device)
            logger.info("embedding on %s", self.report.embedding_device)
        return self._embedder

    @property
    def model_name(self) -> str:
        """The embedding model name that keys the vector cache."""
        return self._embedder.model_name if self._embedder is not None else self.settings.embedding_model

    def _extractor(self) -> MentionExtractor:
        if self._nlp is None:
            self._nlp = load_pipeline(self.settings.spacy_model)
        return MentionExtractor(self.vocabulary, self._nlp)  # type: ignore[arg-type]

    def _relations(self) -> RelationExtractor | None:
        """The Claude relation extractor when ``llm_relations`` is on; None (with a warning) without a key."""
        if not self.settings.llm_relations:
            return None
        try:
            return RelationExtractor(self.settings, self.vocabulary)
        except ConfigError as err:  # never required: build without it, and say how to turn it on
            logger.warning("%s", err)
            self.report.warnings.append(str(err))
            return None

    @contextmanager
    def _stage(self, name: str):  # noqa: ANN202
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.report.seconds[name] = round(time.perf_counter() - t0, 3)

    # -- stages -----------------------------------------------------------------------------------------
    def ingest(
        self,
        paths: Sequence[Path],
        *,
        fmt: str | None,
        on_error: str,
        record_filter: RecordFilter | None = None,
    ) -> None:
        """Read the sources into the store (:func:`hepgraph.pipeline.ingest.ingest`)."""

        def forward(path: Path, done: int, total: int | None) -> None:
            self.progress(f"ingest {Path(path).name}", done, total)

        with self._stage("ingest"):
            rep = ingest(
                list(paths),
                store=self.store,
                fmt=fmt,
                on_error=on_error,  # type: ignore[arg-type]
                progress=forward,
                limits=self.settings.limits(),
                record_filter=record_filter,
            )
        self.report.papers_read = rep.records_read
        self.report.filtered_out = rep.filtered_out
        self.report.papers_added = rep.papers_added
        self.report.papers_updated = rep.papers_updated
        self.report.skipped = dict(rep.skipped)
        self.report.problems = [p.message() for p in rep.problems[:_MAX_PROBLEMS]]

    def texts(self) -> list[_Text]:
        """Every stored paper's text and hash, in key order."""
        out = []
        for p in self.store.iter_papers():
            out.append(
                _Text(
                    key=p.key,
                    title_text=p.title_text,
                    abstract_text=p.abstract_text,
                    text_hash=p.text_hash(),
                    date=p.date,
                )
            )
        self.report.papers_total = len(out)
        return out

    def concepts(self) -> None:
        """Upsert the vocabulary's concepts and IS_A edges."""
        with self._stage("concepts"):
            self.store.upsert_concepts(self.vocabulary.concepts)
            self.report.concepts = len(self.vocabulary)
            self.progress("concepts", len(self.vocabulary), len(self.vocabulary))

    def mentions(self, texts: list[_Text]) -> None:
        """Re-extract concept links of papers whose text, vocabulary or Claude extractor changed."""
        with self._stage("mentions"):
            relations = self._relations()
            self._llm_tag = relations.tag if relations is not None else ""
            try:
                self._mentions(texts, relations)
            finally:
                if relations is not None:
                    relations.close()
                    self._count_llm(relations)

    def _mentions(self, texts: list[_Text], relations: RelationExtractor | None) -> None:
        done = self.store.stage_hashes(MENTIONS_STAGE)
        want = {t.key: mention_hash(t.text_hash, self.vocabulary.version, self._llm_tag) for t in texts}
        todo = [t for t in texts if done.get(t.key) != want[t.key]]
        self.progress("mentions", 0, len(todo))
        if not todo:
            return
        extractor = self._extractor()
        for lo in range(0, len(todo), _CHUNK):
            chunk = todo[lo : lo + _CHUNK]
            papers = [t.paper() for t in chunk]
            links = extractor.extract_many(papers)
            failed = set()
            if relations is not None:
                failed = relations.extend(
                    papers, links, progress=lambda i, lo=lo: self.progress(_CLAUDE, lo + i, len(todo))
                )
            self.store.replace_links(links)
            # A paper Claude failed on keeps its old stage hash, so the next build asks again.
            self.store.set_stage_hashes(
                MENTIONS_STAGE, {t.key: want[t.key] for t in chunk if t.key not in failed}
            )
            self.report.papers_extracted += len(chunk)
            self.report.links += sum(len(v) for v in links.values())
            self.progress("mentions", lo + len(chunk), len(todo))

    def _count_llm(self, relations: RelationExtractor) -> None:
        for name, value in relations.stats:  # RelationStats fields are the report's llm_* fields
            setattr(self.report, f"llm_{name}", value)
        if relations.stats.failed:
            self.report.warnings.append(
                f"Claude relation extraction failed on {relations.stats.failed} papers (their matcher links "
                "are kept); the next build retries them"
            )

    def embed(self, texts: list[_Text]) -> dict[str, np.ndarray]:
        """Vectors for every paper text, encoding only hashes the cache lacks; returns hash -> vector."""
        with self._stage("embed"):
            with_text = [t for t in texts if t.title_text or t.abstract_text]
            hashes = list(dict.fromkeys(t.text_hash for t in with_text))
            vectors = self.store.get_embeddings(self.model_name, hashes)
            missing = list({t.text_hash: t for t in with_text if t.text_hash not in vectors}.values())
            # Chunks of similar length pad little: the encoder sorts within a call, and this sorts across
            # calls, so the chunked (crash-safe) build encodes as fast as one call over every text.
            missing.sort(key=lambda t: (-len(t.title_text) - len(t.abstract_text), t.text_hash))
            self.progress("embed", 0, len(missing))
            step = max(self.settings.embedding_batch_size * 4, 64)
            for lo in range(0, len(missing), step):
                chunk = missing[lo : lo + step]
                vecs = self.embedder.encode([t.paper().text for t in chunk])
                fresh = {t.text_hash: vecs[i] for i, t in enumerate(chunk)}
                self.store.put_embeddings(self.model_name, fresh)
                vectors.update(fresh)
                self.report.papers_embedded += len(chunk)
                self.progress("embed", lo + len(chunk), len(missing))
            self.concept_vectors()
        return vectors

    def concept_vectors(self) -> None:
        """Embed concept texts whose vectors the cache lacks (question linking by nearest concept)."""
        hashes = {concept_hash(c) for c in self.vocabulary.concepts}
        have = self.store.get_embeddings(self.model_name, sorted(hashes))
        if len(have) < len(hashes):
            concept_matrix(self.store, self.vocabulary, self.embedder)
            self.report.concepts_embedded = len(hashes) - len(have)

    def similar(self, texts: list[_Text], vectors: dict[str, np.ndarray]) -> None:
        """Recompute SIMILAR edges when the set of (paper, vector) pairs changed.

        When the last run's inputs are on record (stage ``similar``: key -> text hash) and the change only
        adds or replaces a minority of vectors, only the rows the change can reach are scored
        (:func:`knn_update`); otherwise every pair is (:func:`knn_edges`). Both give the same edges.
        """
        with self._stage("similar"):
            rows = [t for t in texts if t.text_hash in vectors]
            params = f"{self.model_name}|{self.settings.similar_k}"
            digest = hashlib.sha1(
                "\n".join([*params.split("|"), *(f"{t.key} {t.text_hash}" for t in rows)]).encode()
            ).hexdigest()
            if self.store.get_meta("similar_input") == digest:
                self.progress("similar", 1, 1)
                return
            self.progress("similar", 0, 1)
            keys = [t.key for t in rows]
            matrix = np.stack([vectors[t.text_hash] for t in rows]) if rows else np.zeros((0, 1), np.float32)
            current = {t.key: t.text_hash for t in rows}
            before = self.store.stage_hashes(SIMILAR_STAGE)
            changed = {key for key, h in current.items() if before.get(key) != h}
            incremental = (
                self.store.get_meta("similar_params") == params
                and bool(before)
                and before.keys() <= current.keys()
                and len(changed) <= len(rows) // 4
            )
            if incremental:
                edges = knn_update(
                    keys, matrix, self.settings.similar_k, previous=self.store.iter_similar(), changed=changed
                )
            else:
                edges = knn_edges(keys, matrix, self.settings.similar_k)
            self.store.replace_similar(edges)
            self.store.set_stage_hashes(SIMILAR_STAGE, {k: current[k] for k in changed})
            self.store.set_meta("similar_params", params)
            self.store.set_meta("similar_input", digest)
            self.report.similar_recomputed = True
            self.report.similar_incremental = incremental
            self.progress("similar", 1, 1)

    def meta(self, texts: list[_Text]) -> None:
        """Record models, vocabulary version, snapshot date and the index hash."""
        with self._stage("meta"):
            dates = [t.date for t in texts if t.date]
            nlp_name = self.settings.spacy_model
            values = {
                "embedding_model": self.model_name,
                "spacy_model": nlp_name,
                "vocabulary_version": self.vocabulary.version,
                "extractor_version": EXTRACTOR_VERSION,
                "snapshot_date": max(dates) if dates else "",
                "llm_relations": self._llm_tag or "off",
            }
            for key, value in values.items():
                if self.store.get_meta(key) != value:
                    self.store.set_meta(key, value)
            stats = self.store.stats()
            self.report.edges = dict(stats.edges)
            self.report.concepts = stats.concepts
            # Not stored in meta: meta is part of what the hash covers.
            self.report.index_hash = self.store.index_hash()
            self.progress("meta", 1, 1)

    def run(
        self,
        paths: Sequence[Path],
        *,
        fmt: str | None = None,
        on_error: str | None = None,
        record_filter: RecordFilter | None = None,
    ) -> BuildReport:
        """All stages in order; returns the report."""
        t0 = time.perf_counter()
        if paths:
            self.ingest(
                paths, fmt=fmt, on_error=on_error or self.settings.on_error, record_filter=record_filter
            )
        self.concepts()
        texts = self.texts()
        self.mentions(texts)
        vectors = self.embed(texts)
        self.similar(texts, vectors)
        self.meta(texts)
        self.report.seconds["total"] = round(time.perf_counter() - t0, 3)
        return self.report


def build(
    paths: Sequence[Path],
    *,
    store: GraphStore,
    settings: Settings,
    embedder: Embedder | None = None,
    vocabulary: Vocabulary | None = None,
    progress: ProgressFn | None = None,
    fmt: str | None = None,
    on_error: str | None = None,
    nlp: object | None = None,
    record_filter: RecordFilter | None = None,
) -> BuildReport:
    """Ingest ``paths`` into ``store`` and index them: see :class:`Build`."""
    runner = Build(store, settings, embedder=embedder, vocabulary=vocabulary, nlp=nlp, progress=progress)
    return runner.run(paths, fmt=fmt, on_error=on_error, record_filter=record_filter)
