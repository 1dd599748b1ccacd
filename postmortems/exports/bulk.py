"""Bulk export: the postmortems matching the list's filters as one ZIP (PDF and Markdown of each).

``export_job_create`` records the request and queues ``tasks.build_export_zip`` on commit; the
task calls ``export_job_run``, which re-reads which postmortems the requester may read *now*,
writes the ZIP through Django's storage API and counts progress as it goes. The file expires
after ``EXPORT_TTL``; ``export_jobs_expire`` (beat) deletes expired files. A job is only ever
shown to the member who asked for it.
"""

from __future__ import annotations

import logging
import secrets
import tempfile
import zipfile
from datetime import datetime, timedelta

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone

from incidents import selectors as incident_selectors
from organizations.models import Membership, Organization
from postmortems import selectors
from postmortems.exports import documents as exports
from postmortems.exports import rendering
from postmortems.exports.markdown import markdown_of
from postmortems.exports.pdf import PdfError
from postmortems.models import ExportJob, ExportStatus, Postmortem
from postmortems.read.forms import PostmortemFilterForm

logger = logging.getLogger(__name__)

EXPORT_TTL = timedelta(days=1)
MAX_POSTMORTEMS = 500
ACTIVE_JOB_WINDOW = timedelta(hours=1)
FILTER_NAMES = ("q", "status", "severity", "service", "author", "date_from", "date_to", "mine")
FILTER_VALUE_MAX = 200
ACTIVE = (ExportStatus.PENDING, ExportStatus.RUNNING)


# --- Selectors ---------------------------------------------------------------------------------


def job_for(*, organization: Organization, user, job_id: int) -> ExportJob | None:
    """The job, when it is this member's own in this organization."""
    return ExportJob.objects.filter(
        organization=organization, requested_by_id=user.pk, pk=job_id
    ).first()


def active_job(*, organization: Organization, user) -> ExportJob | None:
    """The member's job still being built (asked for in the last hour), if any."""
    return (
        ExportJob.objects.filter(
            organization=organization,
            requested_by_id=user.pk,
            status__in=ACTIVE,
            created_at__gte=timezone.now() - ACTIVE_JOB_WINDOW,
        )
        .order_by("-created_at")
        .first()
    )


def is_expired(job: ExportJob, now: datetime | None = None) -> bool:
    return job.expires_at is not None and job.expires_at <= (now or timezone.now())


def filters_from(data: QueryDict) -> dict[str, str]:
    """The list's filters as given (query string or form), kept as text: they are validated
    again, like the list does, when the job runs."""
    filters = {}
    for name in FILTER_NAMES:
        value = (data.get(name) or "").strip()
        if value:
            filters[name] = value[:FILTER_VALUE_MAX]
    return filters


def postmortems_for(job: ExportJob) -> QuerySet[Postmortem] | None:
    """What the job exports: the list's filtered postmortems that its requester may read now
    (None when they are no longer a member)."""
    organization = job.organization
    membership = (
        Membership.objects.filter(organization=organization, user_id=job.requested_by_id)
        .select_related("user")
        .first()
    )
    if membership is None:
        return None
    form = PostmortemFilterForm(
        job.filters,
        service_names=incident_selectors.service_names(organization=organization),
        authors=incident_selectors.commander_choices(organization=organization),
    )
    filters = form.to_filters(membership.user)
    return selectors.postmortem_list(
        organization=organization, membership=membership, filters=filters
    ).select_related("organization", "incident", "author")


# --- Services ----------------------------------------------------------------------------------


def export_job_create(*, organization: Organization, user, filters: dict) -> ExportJob:
    """Record a bulk export and queue its task on commit. While the member has one still being
    built, that one is answered instead of starting another."""
    from postmortems.exports.tasks import build_export_zip

    existing = active_job(organization=organization, user=user)
    if existing is not None:
        return existing
    with transaction.atomic():
        job = ExportJob.objects.create(
            organization=organization, requested_by=user, filters=filters
        )
        transaction.on_commit(lambda: build_export_zip.delay(job.pk))
    job.refresh_from_db()  # an eager task (development, tests) has already run
    return job


def export_job_run(job: ExportJob) -> None:
    """Build the job's ZIP, in its organization's scope (the task's; idempotent: a finished job
    is left alone, a re-run starts over)."""
    if job.status in (ExportStatus.DONE, ExportStatus.FAILED):
        return
    try:
        _build(job)
    except Exception as error:
        logger.exception("Bulk export %s failed", job.pk)
        _fail(job, _reason(error))


def _reason(error: Exception) -> str:
    if type(error).__name__ == "SoftTimeLimitExceeded":
        return "The export took too long. Export fewer postmortems at a time."
    return "The export could not be built. Try again, or export fewer postmortems."


def _fail(job: ExportJob, reason: str) -> None:
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportStatus.FAILED, error=reason[:300], finished_at=timezone.now()
    )


def _build(job: ExportJob) -> None:
    postmortems = postmortems_for(job)
    if postmortems is None:
        _fail(job, "You are no longer a member of this organization.")
        return
    chosen = list(postmortems[: MAX_POSTMORTEMS + 1])
    if len(chosen) > MAX_POSTMORTEMS:
        _fail(job, f"More than {MAX_POSTMORTEMS} postmortems match: narrow the filters.")
        return
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportStatus.RUNNING, total=len(chosen), done=0, error=""
    )
    with tempfile.TemporaryFile() as buffer:
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("README.txt", _readme(job, chosen))
            for count, postmortem in enumerate(chosen, start=1):
                _add(archive, postmortem)
                ExportJob.objects.filter(pk=job.pk).update(done=count)
        buffer.seek(0)
        name = f"exports/{job.organization_id}/hindsight-export-{job.pk}-{secrets.token_hex(8)}.zip"
        stored = default_storage.save(name, File(buffer, name=name))
    now = timezone.now()
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportStatus.DONE,
        file_path=stored,
        finished_at=now,
        expires_at=now + EXPORT_TTL,
    )


def _add(archive: zipfile.ZipFile, postmortem: Postmortem) -> None:
    export = exports.load_export(postmortem)
    base = export.filename
    archive.writestr(f"{base}.md", markdown_of(export))
    try:
        archive.writestr(f"{base}.pdf", rendering.pdf_of(export))
    except PdfError as error:
        archive.writestr(f"{base}.pdf-failed.txt", f"The PDF could not be made: {error}\n")


def _readme(job: ExportJob, postmortems: list[Postmortem]) -> str:
    filters = ", ".join(f"{k}={v}" for k, v in sorted(job.filters.items())) or "none"
    lines = [
        f"Hindsight export of {job.organization.name}",
        f"Made {timezone.now():%Y-%m-%d %H:%M} UTC; filters: {filters}",
        f"{len(postmortems)} postmortem(s), each as PDF and Markdown:",
        "",
        *(f"PM-{p.number}  {p.title}" for p in postmortems),
    ]
    return "\n".join(lines) + "\n"


def export_jobs_expire(now: datetime | None = None) -> int:
    """Delete the files of expired exports (the job stays, answering "expired"), in every
    organization: it runs in the beat task, ``across_organizations``."""
    now = now or timezone.now()
    expired = list(
        ExportJob.objects.filter(expires_at__lte=now).exclude(file_path="").only("file_path")
    )
    for job in expired:
        try:
            default_storage.delete(job.file_path)
        except OSError:
            logger.warning("Could not delete expired export %s", job.file_path)
        ExportJob.objects.filter(pk=job.pk).update(file_path="")
    return len(expired)


def open_file(job: ExportJob):
    return default_storage.open(job.file_path, "rb")
