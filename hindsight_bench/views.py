"""The two reference pages every measured page is compared with."""

from django.contrib.admin.models import LogEntry
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

REFERENCE_PAGE_SIZE = 50


@require_GET
@login_required
def floor(request: HttpRequest) -> HttpResponse:
    """The floor: an authenticated page that renders the base template and nothing else."""
    return render(request, "bench/floor.html")


@require_GET
@login_required
def reference_list(request: HttpRequest) -> HttpResponse:
    """What bare Django does for a list page: one page of rows joined to users, and a count."""
    entries = LogEntry.objects.select_related("user").order_by("-action_time")
    return render(
        request,
        "bench/reference_list.html",
        {"entries": entries[:REFERENCE_PAGE_SIZE], "total": LogEntry.objects.count()},
    )
