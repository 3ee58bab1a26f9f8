"""Claude I/O shared by the answer writer and the relation extractor.

Versioned prompt files (``<name>.<version>.md`` with one ``## system`` and one ``## user`` section), and
the one validated tool call a forced-tool response must carry.
"""

from __future__ import annotations

import re
from importlib.resources import files
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from hepgraph.errors import ConfigError, LLMError

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
