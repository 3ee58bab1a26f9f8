"""What an ingest run read and changed: the report and the reasons skipped records are counted under."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field

from hepgraph.models import RecordProblem
from hepgraph.store import WriteReport

MAX_PROBLEMS_KEPT = 1000  # the counts stay exact; only the first messages are kept
# Quoted values with a digit are record-specific ('2505.x'); quoted field names ('id') are not.
_QUOTED = re.compile(r"'[^']*\d[^']*'|\"[^\"]*\d[^\"]*\"")


class IngestReport(BaseModel):
    """What one ingest run read and changed; every skipped record is counted under its reason."""

    model_config = ConfigDict(extra="forbid")

    files: int = 0
    records_read: int = 0
    papers_added: int = 0
    papers_updated: int = 0
    papers_unchanged: int = 0
    citations_read: int = 0
    citations_added: int = 0
    citations_unchanged: int = 0
    external_works_added: int = 0
    external_works_updated: int = 0
    external_works_unchanged: int = 0
    duplicates: int = Field(0, description="records repeated identically within a file (stored once)")
    filtered_out: int = Field(0, description="paper records the record filter did not keep (not problems)")
    skipped: dict[str, int] = Field(default_factory=dict, description="skipped records by reason")
    problems: list[RecordProblem] = Field(default_factory=list, description="the first problems, in order")
    seconds: float = 0.0

    @property
    def skipped_total(self) -> int:
        """How many records or files were skipped."""
        return sum(self.skipped.values())

    def absorb(self, other: IngestReport) -> None:
        """Add another report's counts (a side process's) to this one."""
        for name, value in other:
            if isinstance(value, int):
                setattr(self, name, getattr(self, name) + value)
        for reason, n in other.skipped.items():
            self.skipped[reason] = self.skipped.get(reason, 0) + n
        self.problems.extend(other.problems[: max(0, MAX_PROBLEMS_KEPT - len(self.problems))])

    def add_papers(self, w: WriteReport) -> None:
        """Fold a paper write into the totals."""
        self.papers_added += w.added
        self.papers_updated += w.updated
        self.papers_unchanged += w.unchanged


def reason_label(problem: RecordProblem) -> str:
    """A short reason to count a problem under: its reason up to the first detail."""
    reason = _QUOTED.sub("…", problem.reason)  # "id 'x1' is not an arXiv id" counts with "id 'x2' ..."
    label = re.split(r"[:;(]| at | of (?:line|record|entry)", reason, maxsplit=1)[0].strip()
    return label or "unreadable record"
