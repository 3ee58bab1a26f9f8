"""README documents every setting and keeps the quickstart and CI on the same test command."""

from __future__ import annotations

from pathlib import Path

import pytest

from hepgraph.settings import Settings, settings_table

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_in_readme(name: str) -> None:
    assert f"`{name}`" in README, f"document the setting {name!r} in README.md's settings table"


def test_readme_settings_table_is_the_generated_one() -> None:
    start = README.index("<!-- settings-table:")
    start = README.index("\n", start) + 1
    end = README.index("<!-- /settings-table -->")
    assert README[start:end].strip() == settings_table(), (
        "regenerate README.md's settings table with `python -m hepgraph.settings`"
    )


def test_ci_runs_the_readme_test_command() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in README and "make demo" in README
    assert "\nmake test\n" in ci
