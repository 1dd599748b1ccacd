"""The import run, in the worker (``import_run``).

A run lists PagerDuty's incidents page by page and, for each, reads its log entries and
applies them through the pager core in one transaction that also moves the run's cursor and
counts: an incident is either applied and counted or neither, so a run that stops anywhere
(a worker gone, PagerDuty unreachable after the retries, a cancel) resumes exactly after the
last incident it applied. Whatever was applied before is never applied twice (the core keeps
PagerDuty's ids), so importing the same range again creates nothing new."""

import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ..intake.errors import Quarantine
from ..pagers.sync import Applied, Pager, apply_incident
from . import selectors
from .client import CONNECTIONS, OFFSET_LIMIT, PAGE_SIZE, PagerDuty, PagerDutyError
from .events import UnreadableIncident, events_of, moment
from .models import ACTIVE_STATUSES, ImportStatus, PagerDutyImport
from .services import pager_for

# PagerDuty lists at most six months at once: the range is walked in windows of this length.
WINDOW = timedelta(days=180)
# A task works this long, then queues the run again (short tasks survive worker restarts).
TASK_BUDGET_SECONDS = 10 * 60
MAX_ENTRIES_PER_INCIDENT = OFFSET_LIMIT


class _Stopped(Exception):
    """The run was cancelled or resumed by another task while this one worked on it."""


@dataclass
class Progress:
    """Where a task left the run: ``more`` when its time ran out (queue it again),
    ``error`` when PagerDuty could not be asked, ``stopped`` when it is no longer this
    task's to work on."""

    more: bool = False
    error: PagerDutyError | None = None
    stopped: bool = False


def import_run(
    *, run: PagerDutyImport, lease: str, budget: float = TASK_BUDGET_SECONDS
) -> Progress:
    """Work on the run from its cursor until it is done, ``budget`` seconds have passed, or
    PagerDuty fails (the error is noted; the caller retries or calls ``import_fail``)."""
    if not _claim(run, lease):
        return Progress(stopped=True)
    config = selectors.settings_for(run.organization)
    if config is None or not config.api_key:
        return Progress(error=PagerDutyError("The PagerDuty settings are gone."))
    try:
        api = PagerDuty(config.base_url, config.api_key)
    except PagerDutyError as error:
        return Progress(error=error)
    try:
        return _walk(run, lease, api, pager_for(config), time.monotonic() + budget)
    except PagerDutyError as error:
        _save(run, lease, last_error=str(error)[:500])
        return Progress(error=error)
    except _Stopped:
        return Progress(stopped=True)
    finally:
        api.close()


def _walk(
    run: PagerDutyImport, lease: str, api: PagerDuty, pager: Pager, deadline: float
) -> Progress:
    while run.window_since < run.until:
        window_until = min(run.window_since + WINDOW, run.until)
        page_offset = run.offset
        incidents, more = api.incidents(
            since=run.window_since, until=window_until, offset=page_offset
        )
        for position, (incident, entries) in enumerate(_with_logs(api, incidents), 1):
            _import_incident(run, lease, pager, incident, entries, page_offset + position)
        if not more or not incidents:
            _save(run, lease, window_since=window_until, offset=0)
        elif run.offset + PAGE_SIZE > OFFSET_LIMIT:
            # PagerDuty lists no further in one listing: list again from the last one's start.
            _save(run, lease, window_since=_created_at(incidents[-1], run), offset=0)
        if time.monotonic() > deadline:
            return Progress(more=True)
    if not _save(run, lease, status=ImportStatus.DONE, finished_at=timezone.now()):
        raise _Stopped
    return Progress()


def _created_at(incident: dict, run: PagerDutyImport) -> datetime:
    try:
        return max(moment(incident.get("created_at"), "The incident"), run.window_since)
    except UnreadableIncident:
        return run.window_since + timedelta(seconds=1)


def _with_logs(api: PagerDuty, incidents: list[dict]) -> Iterator[tuple[dict, Future]]:
    """The page's incidents in order, each with its log entries being read (a few incidents
    ahead, on ``CONNECTIONS`` threads, while the ones before are applied). Reading stops
    with the page: a failure raises where its incident comes, the reads after it are
    dropped."""
    with ThreadPoolExecutor(max_workers=CONNECTIONS) as pool:
        reads = [pool.submit(_log_entries, api, _incident_id(incident)) for incident in incidents]
        try:
            yield from zip(incidents, reads, strict=True)
        finally:
            for read in reads:
                read.cancel()


def _incident_id(incident: dict) -> str:
    return str(incident.get("id") or "")


def _import_incident(
    run: PagerDutyImport,
    lease: str,
    pager: Pager,
    incident: dict,
    entries: Future,
    offset_after: int,
) -> None:
    """Apply one incident with its log entries and move the cursor past it, together; an
    incident that cannot be applied is counted as an error with its reason."""
    incident_id = _incident_id(incident) or "?"
    try:
        events = events_of(incident, entries.result(), pager.severity_map)
    except UnreadableIncident as error:
        _count_error(run, lease, offset_after, f"{incident_id}: {error}")
        return
    try:
        with transaction.atomic():
            applied = apply_incident(run.organization, pager, events)
            if not _count(run, lease, offset_after, applied):
                raise _Stopped
    except (Quarantine, ValidationError) as error:
        reason = error.messages[0] if isinstance(error, ValidationError) else str(error)
        _count_error(run, lease, offset_after, f"{incident_id}: {reason}")


def _log_entries(api: PagerDuty, incident_id: str) -> list[dict]:
    """The incident's log entries (at most PagerDuty's listing limit)."""
    if not incident_id:
        raise UnreadableIncident("An incident has no id.")
    entries = []
    for entry in api.log_entries(incident_id):
        entries.append(entry)
        if len(entries) >= MAX_ENTRIES_PER_INCIDENT:
            break
    return entries


def _count(run: PagerDutyImport, lease: str, offset_after: int, applied: Applied) -> bool:
    updated = bool(applied.outcomes) and not applied.opened
    return _save(
        run,
        lease,
        offset=offset_after,
        incidents_seen=F("incidents_seen") + 1,
        incidents_created=F("incidents_created") + int(applied.opened),
        incidents_updated=F("incidents_updated") + int(updated),
        entries=F("entries") + len(applied.outcomes),
    )


def _count_error(run: PagerDutyImport, lease: str, offset_after: int, reason: str) -> None:
    if not _save(
        run,
        lease,
        offset=offset_after,
        incidents_seen=F("incidents_seen") + 1,
        errors=F("errors") + 1,
        last_error=reason[:500],
    ):
        raise _Stopped


def _save(run: PagerDutyImport, lease: str, **values) -> bool:
    """Write ``values`` to the run if it is still this task's and running; keep the cursor
    in ``run`` in step. Answers whether it was."""
    saved = PagerDutyImport.objects.filter(
        pk=run.pk, lease=lease, status=ImportStatus.RUNNING
    ).update(**values, updated_at=timezone.now())
    if saved:
        for name in ("window_since", "offset"):
            if name in values:
                setattr(run, name, values[name])
    return bool(saved)


def _claim(run: PagerDutyImport, lease: str) -> bool:
    """Mark the run running for the task holding ``lease`` (the latest queued)."""
    now = timezone.now()
    claimed = PagerDutyImport.objects.filter(
        pk=run.pk, lease=lease, status__in=ACTIVE_STATUSES
    ).update(status=ImportStatus.RUNNING, updated_at=now, finished_at=None)
    if claimed:
        PagerDutyImport.objects.filter(pk=run.pk, started_at__isnull=True).update(started_at=now)
        run.refresh_from_db()
    return bool(claimed)


def import_fail(*, run: PagerDutyImport, lease: str, error: PagerDutyError) -> None:
    """The run stops on an error it will not get past by itself; it may be resumed."""
    _save(
        run,
        lease,
        status=ImportStatus.FAILED,
        last_error=str(error)[:500],
        finished_at=timezone.now(),
    )
