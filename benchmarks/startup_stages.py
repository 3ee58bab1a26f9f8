"""Run the hepgraph CLI in this process and record where its wall time goes (used by startup.py).

    python benchmarks/startup_stages.py OUT.json --home STORE ask "question"

Named functions are wrapped as their modules finish importing (an import hook), before any other module
binds them, so the wrappers cost a few microseconds and the CLI runs unchanged. A stage's time is the wall
time of its outermost call; nested stages are inside their parents (the embedding model inside the
retriever's construction, for example), except imports: a module's import time counts once, as an import
before or inside the command, and not in the stage that triggered it. ``start`` is when the command's own
function began.
"""

from __future__ import annotations

import atexit
import functools
import importlib.abc
import importlib.machinery
import json
import runpy
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

# module -> [(attribute path, stage)]. Both embedder loaders share a stage: the older code has only one.
WRAP: dict[str, list[tuple[str, str]]] = {
    "hepgraph.ui.cmd_ask": [("ask", "command")],
    "hepgraph.ui.cmd_search": [("search", "command")],
    "hepgraph.pipeline.runtime": [
        ("load_query_embedder", "embedding model"),
        ("load_embedder", "embedding model"),
    ],
    "hepgraph.extract.vocabulary": [("load_vocabulary", "vocabulary")],
    "hepgraph.extract.nlp": [("load_pipeline", "spaCy pipeline")],
    "hepgraph.extract.mentions": [("MentionExtractor.__init__", "concept matcher")],
    "hepgraph.pipeline.concepts": [("concept_matrix", "concept vectors")],
    "hepgraph.graph.view": [("load_view", "graph view")],
    "hepgraph.graph.lexical": [("LexicalIndex.load_or_build", "BM25 index")],
    "hepgraph.graph.retrieve": [("Retriever.search", "retrieve + walk")],
    "hepgraph.answer.offline": [("OfflineWriter.write", "writer")],
}

totals: dict[str, float] = defaultdict(float)
active: dict[str, int] = defaultdict(int)
marks: dict[str, float] = {"process": time.time()}
imported = [0.0]  # seconds spent importing so far (outermost imports), subtracted from the stages


def timed(fn: Callable[..., Any], stage: str) -> Callable[..., Any]:
    """``fn`` that adds its wall time to ``stage`` when no call of the same stage encloses it."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if stage == "command":
            marks.setdefault("start", time.time())
        active[stage] += 1
        t0, imports0 = time.perf_counter(), imported[0]
        try:
            return fn(*args, **kwargs)
        finally:
            active[stage] -= 1
            if not active[stage]:
                totals[stage] += time.perf_counter() - t0 - (imported[0] - imports0)

    return wrapper


class Hook(importlib.abc.MetaPathFinder):
    """Finds nothing itself: hands every module's spec back with its loader wrapped in :class:`Loader`."""

    def find_spec(self, name: str, path: Any, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        """The spec the other finders give, its loader wrapped."""
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = Loader(spec.loader)
                return spec
        return None


class Loader(importlib.abc.Loader):
    """The real loader, timed; then the wrappers of WRAP. Anything else is the real loader's."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:  # get_resource_reader, get_data, is_package...
        return getattr(self.inner, name)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> Any:
        """As the real loader."""
        return self.inner.create_module(spec)

    def exec_module(self, module: Any) -> None:
        """Run the module (its time counts as an import before or inside the command), then wrap."""
        stage = "imports inside the command" if "start" in marks else "imports before the command"
        active["import"] += 1
        t0 = time.perf_counter()
        try:
            self.inner.exec_module(module)
        finally:
            active["import"] -= 1
            if not active["import"]:
                totals[stage] += time.perf_counter() - t0
                imported[0] += time.perf_counter() - t0
        for dotted, wrapped_stage in WRAP.get(module.__name__, ()):
            *owner_path, attr = dotted.split(".")
            owner = module
            for part in owner_path:
                owner = getattr(owner, part, None)
            if owner is not None and callable(getattr(owner, attr, None)):
                setattr(owner, attr, timed(getattr(owner, attr), wrapped_stage))


def _write(out: str) -> None:
    marks["end"] = time.time()
    with open(out, "w", encoding="utf-8") as fh:
        json.dump({"marks": marks, "stages": totals}, fh)


def main() -> None:
    out, *argv = sys.argv[1:]
    atexit.register(_write, out)
    sys.meta_path.insert(0, Hook())
    sys.argv = ["hepgraph", *argv]
    runpy.run_module("hepgraph", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
