"""Keep a store current: harvest what arXiv changed since the store's last harvest, then build only that.

The store records, per OAI-PMH set, the server's date at the start of its last finished update (meta key
``harvest``). The next update harvests from that date (OAI-PMH ``from`` is inclusive, so records stamped
later that same day are not missed; records seen twice are upserted unchanged), asks INSPIRE for the
references of the papers it got when asked to, and builds those files incrementally: only new or changed
texts are linked and embedded. The date moves only after the build, so a killed update reruns the window.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from hepgraph.errors import ConfigError
from hepgraph.extract.fetch import INSPIRE_API
from hepgraph.extract.harvest import (
    INSPIRE_DELAY_S,
    OAI_DELAY_S,
    OAI_ENDPOINT,
    HarvestResult,
    InspireHarvest,
    OaiHarvest,
    arxiv_ids_of_pages,
    client_for,
    oai_folder,
)
from hepgraph.pipeline.build import BuildReport, ProgressFn, build
from hepgraph.settings import Settings
from hepgraph.store import GraphStore

logger = logging.getLogger(__name__)

META_KEY = "harvest"


class HarvestPlan(BaseModel):
    """What a store harvests on ``update``: its sets, their last dates, and where from."""

    sets: dict[str, str] = Field(
        default_factory=dict, description="OAI set -> server date of the last update"
    )
    endpoint: str = OAI_ENDPOINT
    prefix: Literal["arXiv", "arXivRaw"] = "arXiv"
    inspire: bool = Field(False, description="fetch INSPIRE references for the harvested papers")
    inspire_endpoint: str = INSPIRE_API


class UpdateReport(BaseModel):
    """What one update harvested and what changed in the store."""

    windows: dict[str, str] = Field(default_factory=dict, description="set -> 'from..' window harvested")
    records_harvested: int = 0
    pages: int = 0
    requests: int = 0
    inspire_files: int = 0
    papers_added: int = 0
    papers_updated: int = Field(0, description="papers whose record changed (a new version or metadata)")
    citations_added: int = 0
    papers_total: int = 0
    build: BuildReport | None = None
    next_from: dict[str, str] = Field(default_factory=dict, description="set -> date the next update starts")


def load_plan(store: GraphStore) -> HarvestPlan | None:
    """The plan the store recorded, or None when it was never updated.

    Raises:
        ConfigError: when the recorded plan is unreadable (names the meta key and the fix).
    """
    raw = store.get_meta(META_KEY)
    if raw is None:
        return None
    try:
        return HarvestPlan.model_validate_json(raw)
    except ValidationError as err:
        msg = (
            f"the store's '{META_KEY}' record is unreadable ({err.error_count()} problems); run "
            "`hepgraph update --set SET --from YYYY-MM-DD` to record it again"
        )
        raise ConfigError(msg) from err


class Updater:
    """One update of ``store``; the harvest folders go under ``root``.

    Args:
        delay_s: seconds between requests instead of each service's published rate (mirrors, tests).
        progress: the build's stage progress callback; harvest pages report as stage "harvest <set>".
    """

    def __init__(
        self,
        store: GraphStore,
        settings: Settings,
        *,
        root: Path,
        delay_s: float | None = None,
        progress: ProgressFn | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.root = root
        self.delay_s = delay_s
        self.progress = progress

    def plan(
        self,
        *,
        sets: list[str] | None,
        since: str | None,
        endpoint: str | None,
        inspire: bool | None,
        inspire_endpoint: str | None,
    ) -> HarvestPlan:
        """The recorded plan with the command line's changes: new sets start at ``since``.

        Raises:
            ConfigError: when a set has no recorded date and no ``since``.
        """
        plan = load_plan(self.store) or HarvestPlan()
        for set_spec in sets or []:
            if since is None and set_spec not in plan.sets:
                msg = (
                    f"the store has no harvest of set {set_spec!r} yet; give its first date: "
                    f"hepgraph update --set {set_spec} --from YYYY-MM-DD"
                )
                raise ConfigError(msg)
        for set_spec in sets or list(plan.sets):
            if since is not None:
                plan.sets[set_spec] = since
        if not plan.sets:
            msg = (
                "this store records no harvest to update; start one with "
                "hepgraph update --set physics:hep-ex --from YYYY-MM-DD (repeat --set for more)"
            )
            raise ConfigError(msg)
        if endpoint:
            plan.endpoint = endpoint
        if inspire is not None:
            plan.inspire = inspire
        if inspire_endpoint:
            plan.inspire_endpoint = inspire_endpoint
        return plan

    def run(self, plan: HarvestPlan, *, only: list[str] | None = None) -> UpdateReport:
        """Harvest every set of the plan (or ``only`` those), build the pages, record the new dates."""
        report = UpdateReport()
        files: list[Path] = []
        dates: dict[str, str] = {}
        oai_client = client_for(self.delay_s, OAI_DELAY_S)
        try:
            for set_spec, since in plan.sets.items():
                if only and set_spec not in only:
                    continue
                folder = oai_folder(self.root, set_spec, since, None)
                harvest = OaiHarvest(
                    oai_client, folder, endpoint=plan.endpoint, progress=self._harvest_progress(set_spec)
                )
                result = harvest.run(set_spec=set_spec, from_=since, prefix=plan.prefix, again=True)
                self._count(report, result)
                report.windows[set_spec] = f"{since}.."
                files += [folder / name for name in result.files]
                # The next window starts at the server's date when this one began (inclusive), never earlier.
                dates[set_spec] = max(since, result.response_date or since)
        finally:
            oai_client.close()
        if plan.inspire and files:
            files += self._inspire(plan, files, report)
        before = self.store.stats().citations
        report.build = build(files, store=self.store, settings=self.settings, progress=self.progress)
        report.papers_added = report.build.papers_added
        report.papers_updated = report.build.papers_updated
        report.papers_total = report.build.papers_total
        report.citations_added = self.store.stats().citations - before
        plan.sets.update(dates)
        self.store.set_meta(META_KEY, plan.model_dump_json())
        report.next_from = dict(plan.sets)
        return report

    def _inspire(self, plan: HarvestPlan, pages: list[Path], report: UpdateReport) -> list[Path]:
        client = client_for(self.delay_s, INSPIRE_DELAY_S)
        try:
            folder = self.root / "inspire"
            result = InspireHarvest(client, folder, endpoint=plan.inspire_endpoint).run(
                arxiv_ids_of_pages(pages)
            )
        finally:
            client.close()
        report.inspire_files = len(result.files)
        report.requests += result.requests
        return [folder / name for name in result.files]

    def _count(self, report: UpdateReport, result: HarvestResult) -> None:
        report.records_harvested += result.records
        report.pages += len(result.files)
        report.requests += result.requests

    def _harvest_progress(self, set_spec: str) -> Callable[[int, int | None], None] | None:
        if self.progress is None:
            return None
        progress = self.progress
        return lambda done, total: progress(f"harvest {set_spec}", done, total)
