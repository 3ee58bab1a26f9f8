"""Load and validate our hand-written HEP-ML vocabulary (``data/vocabulary/*.yaml``).

Each YAML file holds concepts of one type. Loading checks everything the matcher and the graph rely on:
known types, well-formed unique ids, existing parents, an acyclic IS_A hierarchy, non-empty names, and
that no surface form can match two concepts. Any problem raises :class:`~hepgraph.errors.ConfigError`
naming the file, the concept and the fix.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from hepgraph.errors import ConfigError
from hepgraph.models import Concept, ConceptType

logger = logging.getLogger(__name__)

CONCEPT_TYPES: tuple[str, ...] = get_args(ConceptType)
SurfaceKind = Literal["name", "alias", "acronym", "latex"]
# Names and aliases match case-insensitively; acronyms and LaTeX forms match exactly.
CASE_INSENSITIVE_KINDS = frozenset({"name", "alias"})
_ID = re.compile(r"^(?P<prefix>[a-z]+):[a-z0-9]+(?:-[a-z0-9]+)*$")
_FORM_FIELDS: tuple[tuple[str, SurfaceKind], ...] = (
    ("aliases", "alias"),
    ("acronyms", "acronym"),
    ("latex", "latex"),
)


class SurfaceForm(BaseModel):
    """One string the matcher looks for, and the concept it stands for."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str
    concept_id: str
    kind: SurfaceKind

    @property
    def case_sensitive(self) -> bool:
        """Acronyms and LaTeX forms match with exact case; names and aliases do not."""
        return self.kind not in CASE_INSENSITIVE_KINDS


class VocabularyStats(BaseModel):
    """Counts for a CLI summary: concepts by type and surface forms by kind."""

    model_config = ConfigDict(extra="forbid")

    version: str
    concepts: int
    surface_forms: int
    is_a_edges: int
    concepts_by_type: dict[str, int]
    forms_by_kind: dict[str, int]


def default_directory() -> Path:
    """The vocabulary folder shipped in the package data (``hepgraph.data/vocabulary``)."""
    return Path(str(files("hepgraph.data") / "vocabulary"))


def _concept_forms(concept: Concept) -> list[SurfaceForm]:
    """Every surface form of one concept, name first, without exact repeats."""
    out = [SurfaceForm(text=concept.name, concept_id=concept.id, kind="name")]
    seen = {(concept.name.casefold(), "ci")}
    for field, kind in _FORM_FIELDS:
        for text in getattr(concept, field):
            key = (text.casefold(), "ci") if kind in CASE_INSENSITIVE_KINDS else (text, "cs")
            if key not in seen:
                seen.add(key)
                out.append(SurfaceForm(text=text, concept_id=concept.id, kind=kind))
    return out


class Vocabulary:
    """A validated set of concepts with their IS_A hierarchy and surface forms.

    Build it with :func:`load_vocabulary`; the constructor validates, so an instance is always consistent.
    """

    def __init__(self, concepts: Iterable[Concept], origins: dict[str, str] | None = None) -> None:
        self._origins = origins or {}
        self.concepts: list[Concept] = sorted(concepts, key=lambda c: c.id)
        self._by_id = {c.id: c for c in self.concepts}
        self._children: dict[str, list[str]] = defaultdict(list)
        for c in self.concepts:
            for parent in c.parents:
                self._children[parent].append(c.id)
        self._forms = [f for c in self.concepts for f in _concept_forms(c)]
        _check_parents(self.concepts, self._by_id, self._origins)
        _check_acyclic(self.concepts, self._by_id, self._origins)
        _check_forms_unique(self._forms, self._origins)
        self.version = _content_hash(self.concepts)

    def __len__(self) -> int:
        return len(self.concepts)

    def __contains__(self, concept_id: object) -> bool:
        return concept_id in self._by_id

    def get(self, concept_id: str) -> Concept | None:
        """The concept with this id, or None."""
        return self._by_id.get(concept_id)

    def surface_forms(self) -> list[SurfaceForm]:
        """Every name, alias, acronym and LaTeX form, ordered by concept id."""
        return list(self._forms)

    def children(self, concept_id: str) -> list[str]:
        """Ids of the concepts that are directly IS_A ``concept_id``, sorted."""
        return sorted(self._children.get(concept_id, []))

    def ancestors(self, concept_id: str) -> list[str]:
        """Ids of every concept ``concept_id`` IS_A, transitively, nearest first (breadth-first)."""
        out: list[str] = []
        frontier = list(self._by_id[concept_id].parents) if concept_id in self._by_id else []
        while frontier:
            nxt: list[str] = []
            for pid in frontier:
                if pid not in out:
                    out.append(pid)
                    nxt.extend(self._by_id[pid].parents)
            frontier = nxt
        return out

    def descendants(self, concept_id: str) -> list[str]:
        """Ids of every concept below ``concept_id`` in the hierarchy, sorted."""
        out: set[str] = set()
        stack = [concept_id]
        while stack:
            for child in self._children.get(stack.pop(), []):
                if child not in out:
                    out.add(child)
                    stack.append(child)
        return sorted(out)

    def is_a_edges(self) -> list[tuple[str, str]]:
        """Every (child id, parent id) IS_A edge, sorted."""
        return sorted((c.id, p) for c in self.concepts for p in c.parents)

    def origin(self, concept_id: str) -> str:
        """The file a concept was read from ('' when built in memory)."""
        return self._origins.get(concept_id, "")

    def stats(self) -> VocabularyStats:
        """Counts by concept type and by surface-form kind, for the CLI."""
        by_type = Counter(c.type for c in self.concepts)
        by_kind = Counter(f.kind for f in self._forms)
        return VocabularyStats(
            version=self.version,
            concepts=len(self.concepts),
            surface_forms=len(self._forms),
            is_a_edges=len(self.is_a_edges()),
            concepts_by_type={t: by_type.get(t, 0) for t in CONCEPT_TYPES},
            forms_by_kind={k: by_kind.get(k, 0) for k in get_args(SurfaceKind)},
        )


def _where(origins: dict[str, str], concept_id: str) -> str:
    return f"{origins[concept_id]}: " if concept_id in origins else ""


def _check_parents(concepts: list[Concept], by_id: dict[str, Concept], origins: dict[str, str]) -> None:
    for c in concepts:
        for parent in c.parents:
            if parent not in by_id:
                msg = (
                    f"{_where(origins, c.id)}concept {c.id!r} has parent {parent!r}, which is not defined; "
                    "add that concept or fix the parent id"
                )
                raise ConfigError(msg)
            if parent == c.id:
                msg = f"{_where(origins, c.id)}concept {c.id!r} lists itself as parent; remove that parent"
                raise ConfigError(msg)


def _check_acyclic(concepts: list[Concept], by_id: dict[str, Concept], origins: dict[str, str]) -> None:
    """Depth-first search with colours; report the first IS_A cycle found as a path."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(cid: str, path: list[str]) -> None:
        state[cid] = 1
        for parent in by_id[cid].parents:
            if state.get(parent) == 1:
                cycle = [*path[path.index(parent) :], parent]
                msg = (
                    f"{_where(origins, cid)}IS_A cycle through concept {cid!r}: {' -> '.join(cycle)}; "
                    "remove one of these parents"
                )
                raise ConfigError(msg)
            if parent not in state:
                visit(parent, [*path, parent])
        state[cid] = 2

    for c in concepts:
        if c.id not in state:
            visit(c.id, [c.id])


def _check_forms_unique(forms: list[SurfaceForm], origins: dict[str, str]) -> None:
    """No text may match two concepts: case-folded for names/aliases, exact for acronyms and LaTeX.

    A case-insensitive form also clashes with another concept's exact form that folds to it, because
    the matcher would find both in the same text.
    """
    exact: dict[str, SurfaceForm] = {}
    folded: dict[str, SurfaceForm] = {}
    exact_by_fold: dict[str, list[SurfaceForm]] = defaultdict(list)
    for form in forms:
        fold = form.text.casefold()
        rivals: list[SurfaceForm | None]
        if form.case_sensitive:
            rivals = [exact.get(form.text), folded.get(fold)]
        else:
            rivals = [folded.get(fold), *exact_by_fold.get(fold, [])]
        for other in rivals:
            if other is not None and other.concept_id != form.concept_id:
                where = f", in {origins[other.concept_id]}" if other.concept_id in origins else ""
                msg = (
                    f"{_where(origins, form.concept_id)}surface form {form.text!r} ({form.kind}) of concept "
                    f"{form.concept_id!r} is already claimed by {other.concept_id!r} ({other.kind} "
                    f"{other.text!r}{where}); keep it on one concept only"
                )
                raise ConfigError(msg)
        if form.case_sensitive:
            exact.setdefault(form.text, form)
            exact_by_fold[fold].append(form)
        else:
            folded.setdefault(fold, form)


def _content_hash(concepts: list[Concept]) -> str:
    """A short hash of the whole vocabulary's content; it changes when any concept changes."""
    payload = json.dumps([c.model_dump(mode="json") for c in concepts], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        # libyaml's loader when PyYAML has it: the same safe subset, read several times faster.
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError as e:
        msg = f"{path}: YAML syntax error ({e}); fix the YAML (quote strings holding ':', '#', '[' or '\\')"
        raise ConfigError(msg) from e
    if not isinstance(data, dict) or not isinstance(data.get("concepts"), list):
        msg = f"{path}: expected a mapping with 'type: <ConceptType>' and a 'concepts:' list"
        raise ConfigError(msg)
    return data


def _concept_from_entry(entry: object, ctype: str, path: Path, index: int) -> Concept:
    """Validate one YAML entry into a Concept; errors name the file, the entry and the fix."""
    label = entry.get("id", f"#{index}") if isinstance(entry, dict) else f"#{index}"
    if not isinstance(entry, dict):
        msg = f"{path}: concept {label} is not a mapping; write it as '- id: ...' with name, aliases, ..."
        raise ConfigError(msg)
    if "type" in entry:
        msg = f"{path}: concept {label!r} sets 'type'; the type comes from the file's top-level 'type:'"
        raise ConfigError(msg)
    try:
        concept = Concept.model_validate({**entry, "type": ctype})
    except ValidationError as e:
        msg = f"{path}: concept {label!r} is invalid: {e.errors()[0]['loc']}: {e.errors()[0]['msg']}"
        raise ConfigError(msg) from e
    m = _ID.match(concept.id)
    if not m or m.group("prefix") != ctype.lower():
        msg = f"{path}: concept id {concept.id!r} must look like '{ctype.lower()}:kebab-case-name'"
        raise ConfigError(msg)
    if not concept.name.strip():
        msg = f"{path}: concept {concept.id!r} has an empty name; give it its preferred name"
        raise ConfigError(msg)
    for field, _ in _FORM_FIELDS:
        if any(not str(s).strip() for s in getattr(concept, field)):
            msg = f"{path}: concept {concept.id!r} has an empty entry in {field}; remove it"
            raise ConfigError(msg)
    return concept


def _read_file(path: Path) -> list[Concept]:
    data = _read_yaml(path)
    ctype = data.get("type")
    if ctype not in CONCEPT_TYPES:
        msg = f"{path}: unknown concept type {ctype!r}; use one of {', '.join(CONCEPT_TYPES)}"
        raise ConfigError(msg)
    return [_concept_from_entry(e, ctype, path, i) for i, e in enumerate(data["concepts"])]


def load_vocabulary(directory: Path | None = None) -> Vocabulary:
    """Read and validate every ``*.yaml`` file in ``directory`` (default: the packaged vocabulary).

    Raises:
        ConfigError: the folder is missing or empty, or any file or concept is invalid.
    """
    directory = Path(directory) if directory is not None else default_directory()
    if not directory.is_dir():
        msg = f"vocabulary folder {directory} does not exist; point to a folder of *.yaml vocabulary files"
        raise ConfigError(msg)
    paths = sorted(directory.glob("*.yaml"))
    if not paths:
        msg = f"vocabulary folder {directory} holds no *.yaml files; add at least one vocabulary file"
        raise ConfigError(msg)
    concepts: list[Concept] = []
    origins: dict[str, str] = {}
    for path in paths:
        for concept in _read_file(path):
            if concept.id in origins:
                msg = (
                    f"{path}: duplicate concept id {concept.id!r} (first defined in {origins[concept.id]}); "
                    "rename one of them"
                )
                raise ConfigError(msg)
            origins[concept.id] = str(path)
            concepts.append(concept)
    vocab = Vocabulary(concepts, origins)
    logger.info("loaded vocabulary %s: %s concepts from %s files", vocab.version, len(vocab), len(paths))
    return vocab
