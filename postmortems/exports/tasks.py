"""Bulk-export tasks: build one job's ZIP, and the beat entry point that deletes old ones. Task
names keep the ``postmortems.tasks.`` prefix that schedules and queued messages use."""

from celery import shared_task
from django.db import OperationalError

from organizations.scoping import across_organizations, in_organization_of
from postmortems.models import ExportJob
from postmortems.tasks import RETRY

EXPORT_SOFT_LIMIT = 15 * 60


@shared_task(
    name="postmortems.tasks.build_export_zip",
    soft_time_limit=EXPORT_SOFT_LIMIT,
    time_limit=EXPORT_SOFT_LIMIT + 60,
    max_retries=3,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=600,
)
@in_organization_of(ExportJob)
def build_export_zip(job: ExportJob) -> None:
    """Build one bulk export's ZIP (``bulk.export_job_run``: idempotent). Past the soft
    time limit the job is marked failed; the hard limit ends only this task's child process."""
    from postmortems.exports.bulk import export_job_run

    export_job_run(job)


@shared_task(name="postmortems.tasks.expire_export_files", max_retries=3, **RETRY)
@across_organizations
def expire_export_files() -> int:
    """Beat entry point: delete the ZIPs of bulk exports older than a day."""
    from postmortems.exports.bulk import export_jobs_expire

    return export_jobs_expire()
