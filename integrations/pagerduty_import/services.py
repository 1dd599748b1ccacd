"""Writes for the PagerDuty importer's settings (admins) and its runs: starting, resuming and
cancelling one (the run itself is ``run.import_run``, in the worker)."""

import uuid
from datetime import UTC, date, datetime, timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from organizations.audit import record
from organizations.models import Organization

from ..pagers.sync import Pager
from . import selectors
from .client import address_problem
from .models import ACTIVE_STATUSES, ImportStatus, PagerDutyImport, PagerDutyImportSettings

SOURCE = "pagerduty"  # the webhook's source too: both land on the same incidents
# A queued or running run not heard of for this long lost its worker: it may be resumed.
STALE_AFTER = timedelta(minutes=15)


# --- Settings ----------------------------------------------------------------------------------


@transaction.atomic
def settings_save(
    *,
    organization: Organization,
    actor: AbstractBaseUser | None,
    base_url: str,
    api_key: str = "",
    default_severity: str,
    severity_map: dict[str, str],
) -> PagerDutyImportSettings:
    """Set the API's address, key and severity table. An empty ``api_key`` keeps the stored
    one (it is never shown again). The address must be one Hindsight may call."""
    if problem := address_problem(base_url):
        raise ValidationError({"base_url": problem})
    config = selectors.settings_for(organization) or PagerDutyImportSettings(
        organization=organization
    )
    config.base_url = base_url
    config.default_severity = default_severity
    config.severity_map = severity_map
    if api_key.strip():
        config.api_key = api_key.strip()
    if not config.api_key:
        raise ValidationError({"api_key": "Enter the REST API key."})
    config.save()
    record(
        organization=organization,
        actor=actor,
        action="integration.pagerduty_import_saved",
        target=base_url,
        details={"key_changed": bool(api_key.strip())},
    )
    return config


def pager_for(config: PagerDutyImportSettings) -> Pager:
    return Pager(
        source=SOURCE,
        name="PagerDuty",
        severity_map=dict(config.severity_map),
        default_severity=config.default_severity,
    )


# --- Starting, resuming, cancelling ------------------------------------------------------------


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def is_stale(run: PagerDutyImport) -> bool:
    return run.is_active and run.updated_at < timezone.now() - STALE_AFTER


def can_resume(run: PagerDutyImport) -> bool:
    return run.status in (ImportStatus.FAILED, ImportStatus.CANCELLED) or is_stale(run)


@transaction.atomic
def import_start(
    *, organization: Organization, actor: AbstractBaseUser | None, since: date, until: date
) -> PagerDutyImport:
    """Queue an import of the incidents PagerDuty created from ``since`` to the end of
    ``until`` (UTC days). One run at a time per organization."""
    config = selectors.settings_for(organization)
    if config is None or not config.api_key:
        raise ValidationError({"since": "Save the API key in the settings above first."})
    running = selectors.active_run(organization)
    if running is not None and not is_stale(running):
        raise ValidationError({"since": "An import is already running; wait for it or cancel it."})
    start = _midnight(since)
    run = PagerDutyImport.objects.create(
        organization=organization,
        since=start,
        until=_midnight(until) + timedelta(days=1),
        window_since=start,
        lease=uuid.uuid4().hex,
        created_by=actor,
    )
    record(
        organization=organization,
        actor=actor,
        action="integration.pagerduty_import_started",
        target=f"{since.isoformat()} – {until.isoformat()}",
    )
    _queue(run)
    return run


@transaction.atomic
def import_resume(*, run: PagerDutyImport, actor: AbstractBaseUser | None) -> bool:
    """Queue a failed, cancelled or stale run again; it goes on from its cursor. Answers
    whether it did (a run still working, or done, is left as it is)."""
    locked = PagerDutyImport.objects.select_for_update().get(pk=run.pk)
    if not can_resume(locked):
        return False
    locked.status = ImportStatus.QUEUED
    locked.lease = uuid.uuid4().hex
    locked.finished_at = None
    locked.save(update_fields=["status", "lease", "finished_at", "updated_at"])
    record(
        organization=locked.organization,
        actor=actor,
        action="integration.pagerduty_import_resumed",
        target=str(locked.pk),
    )
    _queue(locked)
    return True


@transaction.atomic
def import_cancel(*, run: PagerDutyImport, actor: AbstractBaseUser | None) -> bool:
    """Stop a queued or running run after the incident it is applying. Answers whether it
    did."""
    cancelled = PagerDutyImport.objects.filter(pk=run.pk, status__in=ACTIVE_STATUSES).update(
        status=ImportStatus.CANCELLED,
        lease="",
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
    if cancelled:
        record(
            organization=run.organization,
            actor=actor,
            action="integration.pagerduty_import_cancelled",
            target=str(run.pk),
        )
    return bool(cancelled)


def _queue(run: PagerDutyImport) -> None:
    from .tasks import run_pagerduty_import  # the task calls this module's services

    run_id, lease = run.pk, run.lease
    transaction.on_commit(lambda: run_pagerduty_import.delay(run_id, lease), robust=True)
