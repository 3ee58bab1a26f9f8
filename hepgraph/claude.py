"""Claude I/O shared by the answer writer and the relation extractor: one client, one retry policy.

The client is the anthropic SDK's, with its own retries (``llm_max_retries``): 408, 409, 429 and 5xx
(529 "overloaded" included), timeouts and broken connections are retried with exponential backoff that
honours the server's ``retry-after``. What is left after the retries becomes one :class:`LLMError`.
Prompts are versioned files (``<name>.<version>.md`` with one ``## system`` and one ``## user``
section), and a forced-tool response must carry exactly one validated tool call.
"""

from __future__ import annotations

import re
from importlib.resources import files
from typing import Any, TypeVar

import anthropic
from pydantic import BaseModel, ValidationError

from hepgraph.errors import ConfigError, LLMError
from hepgraph.settings import Settings

M = TypeVar("M", bound=BaseModel)

_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)  # notes for maintainers, never sent
_SECTION = re.compile(r"^## (system|user)\s*$", re.MULTILINE)


def read_prompt(package: str, name: str, version: str) -> tuple[str, str]:
    """The (system, user template) of ``<package>/prompts/<name>.<version>.md``.

    Raises:
        ConfigError: the file is missing, or lacks exactly one system and one user section.
    """
    resource = files(package) / "prompts" / f"{name}.{version}.md"
    try:
        text = _COMMENT.sub("", resource.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        msg = f"{name} prompt {version!r} not found at {resource}: reinstall hepgraph or pick an existing one"
        raise ConfigError(msg) from e
    parts = _SECTION.split(text)
    sections = {parts[i]: parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}
    if set(sections) != {"system", "user"}:
        msg = f"{name} prompt {version!r} needs exactly one '## system' and one '## user' section"
        raise ConfigError(msg)
    return sections["system"], sections["user"]


def parse_tool_call(message: Any, tool_name: str, model: type[M], *, rejected: str = "output") -> M:
    """The validated input of the single ``tool_name`` call in ``message`` (an anthropic Message).

    Raises:
        LLMError: no call, several calls, or an input that breaks ``model``'s schema.
    """
    calls = [b for b in message.content if b.type == "tool_use" and b.name == tool_name]
    if len(calls) != 1:
        msg = f"Claude made {len(calls)} {tool_name} calls (stop {message.stop_reason}); {rejected} rejected"
        raise LLMError(msg)
    try:
        return model.model_validate(calls[0].input)
    except ValidationError as e:
        msg = f"Claude's {tool_name} input breaks the schema ({e.error_count()} errors); {rejected} rejected"
        raise LLMError(msg) from e


def claude_client(settings: Settings, *, what: str) -> anthropic.Anthropic:
    """The Anthropic client for ``what`` (e.g. "the Claude writer"), with the SDK's retries.

    Raises:
        ConfigError: no API key is set (an empty ANTHROPIC_API_KEY counts as none).
    """
    if settings.anthropic_api_key is None:
        msg = f"{what} needs an Anthropic API key: export ANTHROPIC_API_KEY"
        raise ConfigError(msg)
    return anthropic.Anthropic(
        api_key=settings.anthropic_api_key.get_secret_value(),
        base_url=settings.anthropic_base_url,
        timeout=settings.llm_timeout_s,
        max_retries=settings.llm_max_retries,
    )


def describe(err: anthropic.APIError) -> str:
    """A short, key-free description of an SDK error."""
    status = getattr(err, "status_code", None)
    kind = type(err).__name__
    return f"{kind} (HTTP {status})" if status else kind


def call_failed(err: anthropic.APIError, *, model: str, max_retries: int) -> LLMError:
    """The LLMError for a call that the SDK gave up on: a refusal (4xx) or retries spent."""
    status = getattr(err, "status_code", None)
    if status is not None and status < 500 and status not in (408, 409, 429):
        return LLMError(f"Claude ({model}) refused the request: {describe(err)}; check the model and API key")
    return LLMError(f"Claude ({model}) still failing after {max_retries + 1} attempts: {describe(err)}")
