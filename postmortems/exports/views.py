"""Export pages: one postmortem as PDF / Markdown / HTML / JSON, and the bulk ZIP export.

The postmortem is looked up in the request's organization among those the member may read
(404 otherwise) before anything else. A bulk export job is shown only to the member who asked
for it: anyone else, in this organization or another, gets a 404.
"""

import json

from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from organizations.decorators import require_action
from organizations.lookups import object_from_url
from organizations.roles import Action
from postmortems.exports import bulk as bulk_exports
from postmortems.exports import documents as exports
from postmortems.exports import rendering
from postmortems.exports.markdown import markdown_of
from postmortems.exports.pdf import PdfError, PdfTooLarge
from postmortems.exports.responses import file_response
from postmortems.lookups import postmortem_from_number
from postmortems.models import ExportJob, ExportStatus, Postmortem

STATUS_PAGE = "postmortems/export/bulk_status.html"


# --- One postmortem ----------------------------------------------------------------------------


@require_action(Action.VIEW)
@postmortem_from_number
@require_GET
def postmortem_export(request: HttpRequest, postmortem: Postmortem, fmt: str) -> HttpResponse:
    if fmt not in exports.FORMATS:
        raise Http404("No such export format.")
    export = exports.load_export(postmortem)
    if fmt == "pdf":
        try:
            body = rendering.pdf_of(export)
        except PdfError as error:
            return _pdf_failed(request, postmortem, error)
    elif fmt == "md":
        body = markdown_of(export)
    elif fmt == "html":
        body = rendering.html_of(export)
    else:
        body = json.dumps(exports.data_of(export), indent=2, ensure_ascii=False, default=str)
    return file_response(body, fmt, export.filename)


def _pdf_failed(request: HttpRequest, postmortem: Postmortem, error: PdfError) -> HttpResponse:
    context = {
        "postmortem": postmortem,
        "problem": str(error),
        "too_large": isinstance(error, PdfTooLarge),
    }
    return render(request, "postmortems/export/pdf_failed.html", context, status=503)


# --- Bulk export -------------------------------------------------------------------------------


def _job(request: HttpRequest, job_id: int) -> ExportJob | None:
    return bulk_exports.job_for(organization=request.organization, user=request.user, job_id=job_id)


job_from_id = object_from_url("job_id", _job, missing="No such export.")
"""Replace ``job_id`` by the member's own export job in this organization."""


def status_url(job: ExportJob) -> str:
    return reverse(
        "postmortem_bulk_export_status",
        kwargs={"org_slug": job.organization.slug, "job_id": job.pk},
    )


@require_action(Action.VIEW)
@require_POST
def postmortem_bulk_export(request: HttpRequest, org_slug: str) -> HttpResponse:
    """Start a ZIP of the postmortems the list's filters select (form fields, else the query
    string). htmx gets the progress panel; a plain POST is sent to the status page."""
    source = request.POST
    if not any(name in request.POST for name in bulk_exports.FILTER_NAMES):
        source = request.GET
    job = bulk_exports.export_job_create(
        organization=request.organization,
        user=request.user,
        filters=bulk_exports.filters_from(source),
    )
    job.organization = request.organization
    if request.htmx:
        return render(request, STATUS_PAGE + "#panel", _status_context(job))
    return redirect(status_url(job))


@require_action(Action.VIEW)
@job_from_id
@require_GET
def postmortem_bulk_export_status(request: HttpRequest, job: ExportJob) -> HttpResponse:
    """The progress panel (htmx polls it until the file is ready) or, without htmx, the page."""
    job.organization = request.organization
    template = STATUS_PAGE + "#panel" if request.htmx else STATUS_PAGE
    return render(request, template, _status_context(job))


def _status_context(job: ExportJob) -> dict:
    percent = round(100 * job.done / job.total) if job.total else 0
    return {
        "job": job,
        "percent": percent,
        "expired": bulk_exports.is_expired(job),
        "active": job.status in bulk_exports.ACTIVE,
        "status_url": status_url(job),
        "download_url": reverse(
            "postmortem_bulk_export_download",
            kwargs={"org_slug": job.organization.slug, "job_id": job.pk},
        ),
    }


@require_action(Action.VIEW)
@job_from_id
@require_GET
def postmortem_bulk_export_download(request: HttpRequest, job: ExportJob) -> HttpResponse:
    """The ZIP; "expired" (410) after a day; the status page while it is not ready."""
    job.organization = request.organization
    if bulk_exports.is_expired(job) or (job.status == ExportStatus.DONE and not job.file_path):
        return render(request, "postmortems/export/expired.html", {"job": job}, status=410)
    if job.status != ExportStatus.DONE:
        return redirect(status_url(job))
    try:
        handle = bulk_exports.open_file(job)
    except (FileNotFoundError, OSError):
        return render(request, "postmortems/export/expired.html", {"job": job}, status=410)
    filename = f"hindsight-{request.organization.slug}-export-{job.pk}.zip"
    response = FileResponse(handle, as_attachment=True, filename=filename)
    response["Content-Type"] = "application/zip"
    response["Cache-Control"] = "private, no-store"
    return response
