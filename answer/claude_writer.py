"""The Claude writer: the versioned prompt, the retrieved papers as the only material, tool-use JSON output.

Retries 429/529/5xx, timeouts and connection errors with exponential backoff (honouring ``retry-after``,
capped), then raises :class:`~hepgraph.errors.LLMError` so the caller can fall back to the offline writer.
Output that is not one valid ``write_answer`` tool call is rejected with LLMError, never shown.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Generator
from functools import cache
from typing import Any, TypeVar

import anthropic
from pydantic import ValidationError

from hepgraph.errors import ConfigError, LLMError
from hepgraph.prompts import parse_tool_call, read_prompt
from hepgraph.settings import Settings
from hepgraph.ui.answer.citations import DraftSentence
from hepgraph.ui.answer.material import Material, PaperMaterial, WriterOutput

logger = logging.getLogger(__name__)

PROMPT_VERSION = "v1"
TOOL_NAME = "write_answer"
_RETRY_STATUS = frozenset({408, 409, 429})  # plus every 5xx, 529 "overloaded" included
T = TypeVar("T")

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
                    },
                    "required": ["text", "citations"],
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
    return read_prompt("hepgraph.ui.answer", "answer", version)


def render_paper(paper: PaperMaterial) -> str:
    """One paper block of the user message."""
    lines = [
        f"[{paper.arxiv_id}] {paper.title}",
        f"year: {paper.year or 'unknown'} · category: {paper.category or 'unknown'}"
        f" · relevance: {round(paper.score * 100)}%",
    ]
    if paper.abstract:
        lines.append(f"abstract: {paper.abstract}")
    for ev in paper.evidence:
        lines.append(f"evidence ({ev.concept_name}): {ev.sentence}")
    return "\n".join(lines)


def render_user(material: Material, template: str) -> str:
    """Fill the user template with the question and the papers."""
    papers = "\n\n".join(render_paper(p) for p in material.papers)
    return template.replace("{{question}}", material.question).replace("{{papers}}", papers)


def parse_tool_output(message: anthropic.types.Message) -> WriterOutput:
    """The validated ``write_answer`` input of a response; LLMError when there is none or it is invalid."""
    return parse_tool_call(message, TOOL_NAME, WriterOutput, rejected="answer")


class ClaudeWriter:
    """Writes an answer with Claude from the retrieved papers only.

    Args:
        settings: needs ``anthropic_api_key``; uses ``anthropic_model``, ``anthropic_base_url``,
            ``llm_timeout_s`` and ``llm_max_retries``.
        backoff_s: first retry delay, doubled per retry.
        max_backoff_s: cap on one delay, also on a server's ``retry-after``.
        max_tokens: output budget of one answer.
    """

    name = "claude"

    def __init__(
        self,
        settings: Settings,
        *,
        backoff_s: float = 0.5,
        max_backoff_s: float = 8.0,
        max_tokens: int = 1200,
        prompt_version: str = PROMPT_VERSION,
    ) -> None:
        if settings.anthropic_api_key is None:
            msg = "the Claude writer needs an API key: export ANTHROPIC_API_KEY (or use the offline writer)"
            raise ConfigError(msg)
        self.model = settings.anthropic_model
        self.max_retries = settings.llm_max_retries
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.max_tokens = max_tokens
        self.system, self.user_template = load_prompt(prompt_version)
        # Our own retry loop (SDK retries off) so backoff is configurable and every attempt is logged.
        self._client = anthropic.Anthropic(
            api_key=settings.anthropic_api_key.get_secret_value(),
            base_url=settings.anthropic_base_url,
            timeout=settings.llm_timeout_s,
            max_retries=0,
        )

    def _request(self, material: Material) -> dict[str, Any]:
        return {
            "model": self.model,
            "max_tokens": self.max_tokens,
            "system": self.system,
            "messages": [{"role": "user", "content": render_user(material, self.user_template)}],
            "tools": [ANSWER_TOOL],
            "tool_choice": {"type": "tool", "name": TOOL_NAME},
        }

    def _delay(self, attempt: int, err: anthropic.APIError) -> float:
        delay = self.backoff_s * (2**attempt)
        response = getattr(err, "response", None)
        header = response.headers.get("retry-after") if response is not None else None
        if header:
            try:
                delay = max(delay, float(header))
            except ValueError:
                pass  # an HTTP-date retry-after: keep our own schedule
        return min(delay, self.max_backoff_s)

    def _with_retries(self, call: Callable[[], T]) -> T:
        """Run ``call``, retrying transient failures; LLMError once retries are spent or on a hard error."""
        for attempt in range(self.max_retries + 1):
            try:
                return call()
            except anthropic.APIError as e:
                if not _retryable(e):
                    msg = f"Claude ({self.model}) refused the request: {_describe(e)}; check model, API key"
                    raise LLMError(msg) from e
                if attempt == self.max_retries:
                    msg = f"Claude ({self.model}) still failing after {attempt + 1} attempts: {_describe(e)}"
                    raise LLMError(msg) from e
                delay = self._delay(attempt, e)
                logger.warning(
                    "Claude attempt %s failed (%s); retrying in %.2fs", attempt + 1, _describe(e), delay
                )
                time.sleep(delay)
        msg = "retry loop ended without a result"  # unreachable: the last attempt returns or raises
        raise AssertionError(msg)  # pragma: no cover

    def write(self, material: Material) -> WriterOutput:
        """One tool-use call; the validated draft (citations are checked by the caller)."""
        request = self._request(material)
        message = self._with_retries(lambda: self._client.messages.create(**request))
        logger.info("Claude answered (%s, %s output tokens)", self.model, message.usage.output_tokens)
        return parse_tool_output(message)

    def stream(self, material: Material) -> Generator[DraftSentence, None, WriterOutput]:
        """Yield each sentence as soon as the model has finished writing it; return the validated whole.

        Sentences come from the partial tool input while it streams. When the complete response turns out
        invalid, LLMError is raised after the sentences already yielded: callers must then discard them.
        """
        request = self._request(material)
        stream = self._with_retries(lambda: self._client.messages.stream(**request).__enter__())
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
            msg = f"Claude ({self.model}) stream broke off: {_describe(e)}"
            raise LLMError(msg) from e
        finally:
            stream.close()
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


def _retryable(err: anthropic.APIError) -> bool:
    """Rate limits, overload, server errors, timeouts and broken connections are worth retrying."""
    if isinstance(err, anthropic.APIConnectionError):  # includes APITimeoutError
        return True
    status = getattr(err, "status_code", None)
    return status is not None and (status in _RETRY_STATUS or status >= 500)


def _describe(err: anthropic.APIError) -> str:
    """A short, key-free description of an SDK error."""
    status = getattr(err, "status_code", None)
    kind = type(err).__name__
    return f"{kind} (HTTP {status})" if status else kind
