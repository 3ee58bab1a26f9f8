"""Versioned prompt files: ``<name>.<version>.md`` with one ``## system`` and one ``## user`` section."""

from __future__ import annotations

import re
from importlib.resources import files

from hepgraph.errors import ConfigError

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
