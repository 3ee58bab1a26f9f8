"""Optional Claude relation extraction during build (off by default): typed links the phrase matcher missed.

For one paper Claude sees the text, the concepts the matcher already linked and a short candidate list, and
answers through one forced ``record_relations`` tool call whose input schema is generated from
:class:`RelationsOutput`. A proposed relation becomes a :class:`~hepgraph.models.ConceptLink` only when its
concept is a candidate, its relation is the one the concept's type implies, and its quote occurs in the paper
text; the evidence offsets then slice back to the quote, as the matcher's do. Everything else is dropped
and counted by reason. Validated outputs are cached by a content hash of (prompt version, model, text,
linked and candidate ids), so a rerun makes no calls. Token usage is summed in :class:`RelationStats`.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Sequence
from functools import cache
from typing import Any, Literal

import anthropic
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hepgraph.claude import call_failed, claude_client, parse_tool_call, read_prompt
from hepgraph.errors import ConfigError, LLMError
from hepgraph.extract.llm_cache import JSONCache, content_key
from hepgraph.extract.vocabulary import Vocabulary
from hepgraph.models import Concept, ConceptLink, Evidence, Paper
from hepgraph.quotes import locate
from hepgraph.settings import Settings

logger = logging.getLogger(__name__)

PROMPT_VERSION = "v1"
TOOL_NAME = "record_relations"
CACHE_FILE = "llm_relations.sqlite"
# Concept types whose top-level concepts are offered when the matcher linked nothing: methods, tasks and
# topics are what a paper paraphrases; experiments, datasets and processes it names, and the matcher sees.
_OPEN_TYPES = ("Method", "Task", "Topic")
# The values of hepgraph.models.RELATION_FOR_TYPE, as a type the tool schema can enumerate.
Relation = Literal[
    "USES_METHOD", "ADDRESSES", "STUDIES", "FROM_EXPERIMENT", "USES_DATASET", "STUDIES_PROCESS"
]


class RelationItem(BaseModel):
    """One relation Claude proposes."""

    model_config = ConfigDict(extra="forbid")

    concept_id: str = Field(description="id of a candidate concept, exactly as listed")
    rel: Relation = Field(description="the relation listed next to the concept")
    quote: str = Field(description="a short span copied verbatim from the paper text that shows the link")


class RelationsOutput(BaseModel):
    """The ``record_relations`` tool input."""

    model_config = ConfigDict(extra="forbid")

    relations: list[RelationItem] = Field(description="the supported relations; empty when none qualifies")


class RelationStats(BaseModel):
    """What relation extraction cost and did in one build."""

    calls: int = Field(
        0, description="Messages API calls made (the SDK's retries inside one call not counted)"
    )
    cache_hits: int = Field(0, description="papers answered from the cache, no call")
    input_tokens: int = 0
    output_tokens: int = 0
    links: int = Field(0, description="links added beyond the matcher's")
    failed: int = Field(0, description="papers skipped after the SDK's retries or on malformed output")
    rejected: dict[str, int] = Field(default_factory=dict, description="proposals dropped, by reason")


def _inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with ``$ref``s to ``$defs`` replaced by the definitions: one self-contained object."""
    defs = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return walk(defs[node["$ref"].rsplit("/", 1)[-1]])
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(schema)


RELATIONS_TOOL: dict[str, Any] = {
    "name": TOOL_NAME,
    "description": "Record the paper->concept relations the paper supports, each with a verbatim quote.",
    "input_schema": _inline_refs(RelationsOutput.model_json_schema()),
}


@cache
def load_prompt(version: str = PROMPT_VERSION) -> tuple[str, str]:
    """The (system, user template) of ``prompts/relations.<version>.md``."""
    return read_prompt("hepgraph.extract", "relations", version)


def candidate_ids(vocabulary: Vocabulary, linked: Collection[str], *, limit: int = 60) -> list[str]:
    """The concepts worth asking Claude about for a paper the matcher linked to ``linked``.

    The IS_A parents and children of the linked concepts, or the top-level methods, tasks and topics when
    nothing was linked; at most ``limit``. Not the whole vocabulary: ~600 concepts would cost ~20k input
    tokens per paper and invite loose links, while the neighbours of what the matcher found are where a
    paraphrase most likely hides (a paper naming an autoencoder that describes a denoising one).
    """
    out: dict[str, None] = {}
    for cid in sorted(linked):
        concept = vocabulary.get(cid)
        if concept is None:
            continue
        for other in (*concept.parents, *vocabulary.children(cid)):
            if other not in linked:
                out.setdefault(other)
    if not out:
        out = dict.fromkeys(c.id for c in vocabulary.concepts if not c.parents and c.type in _OPEN_TYPES)
    return list(out)[:limit]


def sentence_around(text: str, start: int, end: int) -> str:
    """The sentence holding ``text[start:end]``, cut at sentence punctuation or a line break."""
    seps = (". ", "? ", "! ", "\n")
    lo = max((text.rfind(s, 0, start) + len(s) for s in seps if text.rfind(s, 0, start) >= 0), default=0)
    ends = [i + 1 for s in seps if (i := text.find(s, max(end - 1, lo))) >= 0]
    return text[lo : min(ends, default=len(text))].strip()


def parse_tool_output(message: anthropic.types.Message) -> RelationsOutput:
    """The validated ``record_relations`` input of a response; LLMError when it is missing or invalid."""
    return parse_tool_call(message, TOOL_NAME, RelationsOutput, rejected="output")


def render_concept(concept: Concept) -> str:
    """One candidate line: id, type and relation, name, other names, description."""
    other = list(dict.fromkeys([*concept.aliases, *concept.acronyms]))[:4]
    line = f"- {concept.id} [{concept.type}, {concept.relation}]: {concept.name}"
    if other:
        line += f" (also: {', '.join(other)})"
    if concept.description:
        line += f". {concept.description[:160]}"
    return line


class RelationExtractor:
    """Asks Claude for the typed paper->concept links the matcher missed; keeps only checked ones.

    Args:
        settings: needs ``anthropic_api_key``; uses ``anthropic_model``, ``anthropic_base_url``,
            ``llm_timeout_s`` and ``llm_max_retries`` (the SDK retries 408/409/429/5xx, 529 included,
            with exponential backoff that honours ``retry-after``) and ``cache_dir``.
        vocabulary: the concepts links may point to.
        cache: the output cache (default: ``<cache_dir>/llm_relations.sqlite``).
        max_candidates: candidate concepts offered per paper.
        max_evidence: quotes kept per link.
        max_tokens: output budget of one call.
        max_chars: paper text sent (real abstracts are < 10k characters).
    """

    def __init__(
        self,
        settings: Settings,
        vocabulary: Vocabulary,
        *,
        cache: JSONCache | None = None,
        max_candidates: int = 60,
        max_evidence: int = 3,
        max_tokens: int = 1024,
        max_chars: int = 20_000,
        prompt_version: str = PROMPT_VERSION,
    ) -> None:
        if settings.anthropic_api_key is None:
            msg = (
                "HEPGRAPH_LLM_RELATIONS is on but no Anthropic API key is set: export ANTHROPIC_API_KEY, "
                "or unset HEPGRAPH_LLM_RELATIONS to build without Claude relations"
            )
            raise ConfigError(msg)
        self.vocabulary = vocabulary
        self.model = settings.anthropic_model
        self.max_retries = settings.llm_max_retries
        self.prompt_version = prompt_version
        self.max_candidates = max_candidates
        self.max_evidence = max_evidence
        self.max_tokens = max_tokens
        self.max_chars = max_chars
        self.system, self.user_template = load_prompt(prompt_version)
        self.cache = cache if cache is not None else JSONCache(settings.cache_dir / CACHE_FILE)
        self.stats = RelationStats()
        self._client = claude_client(settings, what="Claude relation extraction (HEPGRAPH_LLM_RELATIONS)")

    @property
    def tag(self) -> str:
        """Names what produced the links (model and prompt); the build re-extracts when it changes."""
        return f"claude:{self.model}:relations.{self.prompt_version}"

    def request(self, text: str, linked: Collection[str], candidates: Sequence[str]) -> dict[str, Any]:
        """The Messages API request for one paper."""
        concepts = [c for c in map(self.vocabulary.get, sorted(linked)) if c is not None]
        fill = {
            "{{paper}}": text,
            "{{linked}}": "\n".join(f"- {c.id}: {c.name}" for c in concepts) or "(none)",
            "{{candidates}}": "\n".join(render_concept(self.vocabulary.get(cid)) for cid in candidates),  # type: ignore[arg-type]
        }
        user = self.user_template
        for placeholder, value in fill.items():
            user = user.replace(placeholder, value)
        return {
            "model": self.model,
            "max_tokens": self.max_tokens,
            "system": self.system,
            "messages": [{"role": "user", "content": user}],
            "tools": [RELATIONS_TOOL],
            "tool_choice": {"type": "tool", "name": TOOL_NAME},
        }

    def propose(
        self, key: str, text: str, linked: Collection[str], candidates: Sequence[str]
    ) -> RelationsOutput:
        """Claude's validated proposals for one paper, from the cache when asked before."""
        digest = content_key(self.prompt_version, self.model, text, sorted(linked), list(candidates))
        cached = self.cache.get(digest)
        if cached is not None:
            try:
                output = RelationsOutput.model_validate_json(cached)
            except ValidationError:
                logger.warning("relation cache entry %s is invalid; asking Claude again", digest[:12])
            else:
                self.stats.cache_hits += 1
                return output
        self.stats.calls += 1
        try:
            message = self._client.messages.create(**self.request(text, linked, candidates))
        except anthropic.APIError as e:
            raise call_failed(e, model=self.model, max_retries=self.max_retries) from e
        self.stats.input_tokens += message.usage.input_tokens
        self.stats.output_tokens += message.usage.output_tokens
        output = parse_tool_output(message)
        self.cache.put(digest, output.model_dump_json())
        return output

    def extract(self, paper: Paper, matched: Sequence[ConceptLink]) -> list[ConceptLink]:
        """New links for ``paper`` beyond the ``matched`` ones, sorted by concept id.

        Raises:
            LLMError: the call failed after the SDK's retries, or its output was malformed (counted).
        """
        text = paper.text[: self.max_chars]
        linked = {lk.concept_id for lk in matched}
        candidates = candidate_ids(self.vocabulary, linked, limit=self.max_candidates)
        if not text.strip() or not candidates:
            return []
        try:
            output = self.propose(paper.key, text, linked, candidates)
        except LLMError:
            self.stats.failed += 1
            raise
        links = self.check(paper.key, text, output, linked=linked, candidates=set(candidates))
        self.stats.links += len(links)
        return links

    def extend(
        self,
        papers: Sequence[Paper],
        links: dict[str, list[ConceptLink]],
        *,
        progress: Callable[[int], None] | None = None,
    ) -> set[str]:
        """Add Claude's links to the matcher's ``links``, in place; returns the keys of papers it failed on.

        A failed paper keeps its matcher links and is counted in ``stats.failed``; the build goes on.
        """
        failed = set()
        for i, paper in enumerate(papers, 1):
            try:
                extra = self.extract(paper, links.get(paper.key, []))
            except LLMError as err:
                logger.warning("no Claude relations for %s (matcher links kept): %s", paper.key, err)
                failed.add(paper.key)
                extra = []
            # Only pairs the matcher lacks are added, so a (paper, concept) link is never duplicated.
            links[paper.key] = sorted([*links.get(paper.key, []), *extra], key=lambda lk: lk.concept_id)
            if progress is not None:
                progress(i)
        return failed

    def check(
        self,
        key: str,
        text: str,
        output: RelationsOutput,
        *,
        linked: Collection[str],
        candidates: Collection[str],
    ) -> list[ConceptLink]:
        """Links from the proposals that pass every check; the rest are counted in ``stats.rejected``."""
        spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
        rejected: Counter[str] = Counter()
        for item in output.relations:
            reason, span = self._verdict(item, text, linked, candidates)
            if span is None:
                rejected[reason] += 1
                logger.debug("Claude relation dropped for %s: %s (%s)", key, reason, item.concept_id)
            elif span not in spans[item.concept_id]:
                spans[item.concept_id].append(span)
        for reason, n in rejected.items():
            self.stats.rejected[reason] = self.stats.rejected.get(reason, 0) + n
        links = []
        for cid in sorted(spans):
            evidence = [
                Evidence(sentence=sentence_around(text, s, e), start=s, end=e, surface=text[s:e])
                for s, e in sorted(spans[cid])[: self.max_evidence]
            ]
            rel = self.vocabulary.get(cid).relation  # type: ignore[union-attr]
            links.append(
                ConceptLink(
                    paper_key=key,
                    concept_id=cid,
                    rel=rel,
                    count=len(spans[cid]),
                    evidence=evidence,
                    via="claude",
                )
            )
        return links

    def _verdict(
        self, item: RelationItem, text: str, linked: Collection[str], candidates: Collection[str]
    ) -> tuple[str, tuple[int, int] | None]:
        """("", span) for a relation to keep, else (reason, None)."""
        concept = self.vocabulary.get(item.concept_id)
        if concept is None:
            return "unknown_concept", None
        if item.concept_id in linked:
            return "already_linked", None
        if item.concept_id not in candidates:
            return "not_a_candidate", None
        if item.rel != concept.relation:
            return "wrong_relation", None
        span = locate(text, item.quote)
        return ("", span) if span is not None else ("quote_not_in_text", None)

    def close(self) -> None:
        """Close the cache and the HTTP client."""
        self.cache.close()
        self._client.close()
