"""The audit log: who changed the organization's settings, templates, members and tokens."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import audit, selectors_audit
from .decorators import require_action
from .forms_audit import AuditFilterForm
from .roles import Action

PAGE_SIZE = 50


@require_GET
@require_action(Action.MANAGE_ORGANIZATION)
def audit_log(request: HttpRequest, org_slug: str) -> HttpResponse:
    organization = request.organization
    form = AuditFilterForm(
        request.GET or None, actors=selectors_audit.audit_actors(organization=organization)
    )
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    entries = selectors_audit.audit_entries(
        organization=organization,
        group=filters.get("group", ""),
        actor_id=filters.get("actor"),
        since=filters.get("since"),
        until=filters.get("until"),
    )
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "entry": entry,
            "verb": audit.describe(entry.action),
            "group": audit.AUDIT_GROUPS.get(entry.action.split(".", 1)[0], ""),
            "details": audit.detail_lines(entry.details),
        }
        for entry in page
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "organizations/settings/audit.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "filtered": bool(filters and any(filters.values())),
            "query": query.urlencode(),
        },
        status=400 if form.errors else 200,
    )
