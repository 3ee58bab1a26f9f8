"""Versioned prompt files: both shipped prompts parse, and a broken or missing one is a clear ConfigError."""

from __future__ import annotations

import pytest

from hepgraph.claude import read_prompt
from hepgraph.errors import ConfigError


@pytest.mark.parametrize(
    ("package", "name"), [("hepgraph.answer", "answer"), ("hepgraph.extract", "relations")]
)
def test_shipped_prompts_have_a_system_and_a_user_section(package: str, name: str) -> None:
    system, user = read_prompt(package, name, "v1")
    assert system and user and "<!--" not in system + user


def test_missing_version_names_the_prompt_and_the_fix() -> None:
    with pytest.raises(ConfigError, match=r"answer prompt 'v999' not found .*reinstall hepgraph"):
        read_prompt("hepgraph.answer", "answer", "v999")
