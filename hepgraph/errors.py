"""One error hierarchy for hepgraph; every message names the object at fault and the fix."""

from __future__ import annotations


class HepGraphError(Exception):
    """Root of every error hepgraph raises on purpose."""


class ConfigError(HepGraphError):
    """A setting is missing or invalid."""


class IngestError(HepGraphError):
    """A source file or record cannot be read.

    Carries where the problem is so the CLI summary can count and show it.
    """

    def __init__(self, message: str, *, source: str = "", location: str = "", record_id: str = "") -> None:
        super().__init__(message)
        self.source = source
        self.location = location
        self.record_id = record_id

    @property
    def reason(self) -> str:
        """The bare message, without the location prefix."""
        return str(self.args[0]) if self.args else ""


class UnknownFormatError(IngestError):
    """The format of a file could not be detected."""


class HarvestError(HepGraphError):
    """A harvest from a remote service (arXiv OAI-PMH or API, INSPIRE, a bibliography URL) failed.

    What was already written stays: a rerun of the same command resumes where this one stopped.
    """

    def __init__(self, message: str, *, url: str = "") -> None:
        super().__init__(message)
        self.url = url


class ExtractionError(HepGraphError):
    """Concept extraction or embedding failed."""


class GraphStoreError(HepGraphError):
    """The graph store cannot be opened, read or written."""


class StoreMissingError(GraphStoreError):
    """No graph has been built at the configured home directory yet."""


class QueryError(HepGraphError):
    """A question or a console query cannot be answered as asked."""


class ReadOnlyViolation(QueryError):
    """A console query tried to write."""


class LLMError(HepGraphError):
    """The language-model writer failed after its retries."""
