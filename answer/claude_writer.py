"""The Claude writer: the versioned prompt, the retrieved papers as the only material, tool-use JSON output.

Calls go through the one Claude client (:func:`hepgraph.claude.claude_client`, the SDK's retries); what
fails after them raises :class:`~hepgraph.errors.LLMError` so the caller can fall back to the offline
writer. Output that is not one valid ``write_answer`` tool call is rejected with LLMError, never shown.
"""

from __future__ import annotations

import logging
from collections.abc import Generator
from functools import cache
from typing import Any

import anthropic
from pydantic import ValidationError

from hepgraph.answer.citations import DraftSentence
from hepgraph.answer.material import Material, PaperMaterial, WriterOutput
from hepgraph.calibration import calibrate
from hepgraph.claude import call_failed, claude_client, describe, parse_tool_call, read_prompt
from hepgraph.errors import LLMError
from hepgraph.settings import Settings

logger = logging.getLogger(__name__)

PROMPT_VERSION = "v3"
TOOL_NAME = "write_answer"

ANSWER_TOOL: dict[str, Any] = {
    "name": TOOL_NAME,
    "description": (
        "Return the cited answer: sentences with the arXiv ids they cite, and what the papers do not cover."
    ),
    "input_schema": {
        "type": "object",
        "properties": {
            "sentences": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "properties": {
                        "text": {
                            "type": "string",
                            "description": "one sentence with inline [arXiv id] citations",
                        },
                        "citations": {"type": "array", "items": {"type": "string"}},
                        "quotes": {
                            "type": "array",
                            "description": "per cited id, the paper's own words the sentence rests on",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "arxiv_id": {"type": "string"},
                                    "quote": {
                                        "type": "string",
                                        "description": "copied verbatim from that paper's title or abstract",
                                    },
                                },
                                "required": ["arxiv_id", "quote"],
                            },
                        },
                    },
                    "required": ["text", "citations", "quotes"],
                },
            },
            "not_covered": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["sentences"],
    },
}


@cache
def load_prompt(version: str = PROMPT_VERSION) -> tuple[str, str]:
    """The (system, user template) of ``prompts/answer.<version>.md``."""
    return read_prompt("hepgraph.answer", "answer", version)


def render_paper(paper: PaperMaterial) -> str:
    """One paper block of the user message."""
    lines = [
        f"[{paper.arxiv_id}] {paper.title}",
        f"name it: {paper.name or 'by its title'}",
        f"year: {paper.year or 'unknown'} · category: {paper.category or 'unknown'}"
        f" · relevance: {round(calibrate(paper.score) * 100)}%",
    ]
    if paper.abstract:
        lines.append(f"abstract: {paper.abstract}")
    for ev in paper.evidence:
        lines.append(f"evidence ({ev.concept_name}): {ev.sentence}")
    return "\n".join(lines)


def render_aspects(material: Material) -> str:
    """The aspects block: each aspect, its sources and its best evidence sentences."""
    blocks = []
    for aspect in material.aspects:
        lines = [f"- {aspect.label} ({aspect.kind}): sources " + (", ".join(aspect.papers) or "none")]
        lines += [f"  [{e.arxiv_id}] {e.sentence}" for e in material.evidence_for(aspect.label)]
        blocks.append("\n".join(lines))
    return "\n".join(blocks) or "(the question links no concept of the vocabulary: use the papers as ranked)"


def render_user(material: Material, template: str) -> str:
    """Fill the user template with the question, its aspects, the graph's gaps and the papers."""
    fill = {
        "{{question}}": material.question,
        "{{aspects}}": render_aspects(material),
        "{{gaps}}": "\n".join(f"- {g}" for g in material.gaps)
        or "(nothing: the graph finds every part covered)",
        "{{papers}}": "\n\n".join(render_paper(p) for p in material.papers),
    }
    text = template
    for placeholder, value in fill.items():
        text = text.replace(placeholder, value)
    return text


def parse_tool_output(message: anthropic.types.Message) -> WriterOutput:
    """The validated ``write_answer`` input of a response; LLMError when there is none or it is invalid."""
    return parse_tool_call(message, TOOL_NAME, WriterOutput, rejected="answer")


class ClaudeWriter:
    """Writes an answer with Claude from the retrieved papers only.

    Args:
        settings: needs ``anthropic_api_key``; uses ``anthropic_model``, ``anthropic_base_url``,
            ``llm_timeout_s`` and ``llm_max_retries``.
        max_tokens: output budget of one answer.
        prompt_version: which ``prompts/answer.<version>.md`` to send.

    Raises:
        ConfigError: no API key is set.
    """

    name = "claude"

    def __init__(
        self, settings: Settings, *, max_tokens: int = 1200, prompt_version: str = PROMPT_VERSION
    ) -> None:
        self._client = claude_client(settings, what="the Claude writer")
        self.model = settings.anthropic_model
        self.max_retries = settings.llm_max_retries
        self.max_tokens = max_tokens
        self.system, self.user_template = load_prompt(prompt_version)

    def _request(self, material: Material) -> dict[str, Any]:
        return {
            "model": self.model,
            "max_tokens": self.max_tokens,
            "system": self.system,
            "messages": [{"role": "user", "content": render_user(material, self.user_template)}],
            "tools": [ANSWER_TOOL],
            "tool_choice": {"type": "tool", "name": TOOL_NAME},
        }

    def stream(self, material: Material) -> Generator[DraftSentence, None, WriterOutput]:
        """Yield each sentence as soon as the model has finished writing it; return the validated whole.

        Sentences come from the partial tool input while it streams. When the complete response turns out
        invalid, LLMError is raised after the sentences already yielded: callers must then discard them.
        """
        try:
            stream = self._client.messages.stream(**self._request(material)).__enter__()
        except anthropic.APIError as e:
            raise call_failed(e, model=self.model, max_retries=self.max_retries) from e
        done = 0
        try:
            for event in stream:
                if event.type != "input_json":
                    continue
                sentences = _partial_sentences(event.snapshot)
                # A sentence is complete once the next one has started.
                while done < len(sentences) - 1:
                    draft = _as_draft(sentences[done])
                    done += 1
                    if draft is not None:
                        yield draft
            message = stream.get_final_message()
        except anthropic.APIError as e:
            msg = f"Claude ({self.model}) stream broke off: {describe(e)}"
            raise LLMError(msg) from e
        finally:
            stream.close()
        logger.info("Claude answered (%s, %s output tokens)", self.model, message.usage.output_tokens)
        output = parse_tool_output(message)
        yield from output.sentences[done:]
        return output


def _partial_sentences(snapshot: object) -> list[Any]:
    if isinstance(snapshot, dict) and isinstance(snapshot.get("sentences"), list):
        return snapshot["sentences"]
    return []


def _as_draft(raw: Any) -> DraftSentence | None:
    try:
        return DraftSentence.model_validate(raw)
    except ValidationError:
        return None
