import hashlib

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from organizations.decorators import require_action
from organizations.fragments import template_version
from organizations.roles import ROLE_SUMMARY, Action, can

from . import selectors

DASHBOARD_PANELS = "dashboard/_panels.html"
DASHBOARD_TTL = 120


@require_GET
@require_action(Action.VIEW)
def dashboard(request: HttpRequest, org_slug: str) -> HttpResponse:
    """The organization's home: open incidents, what waits for me, overdue follow-ups and
    recent publications (``selectors``), with the organization's figures aside."""
    organization, membership = request.organization, request.membership
    fingerprint = selectors.dashboard_fingerprint(organization=organization, membership=membership)
    shown_as = (
        organization.name,
        organization.time_zone,
        organization.created_at.isoformat(),  # ids are reused by a rolled-back test database
        request.user.get_full_name(),
        template_version(DASHBOARD_PANELS),
    )
    key = "dashboard:" + hashlib.sha256(repr((fingerprint, shown_as)).encode()).hexdigest()
    panels = cache.get(key)
    if panels is None:  # something it shows changed (or a minute passed): render afresh
        context = {
            **selectors.dashboard(organization=organization, membership=membership),
            "role_summary": ROLE_SUMMARY[membership.role],
            "can_track": can(membership, Action.TRACK_ACTION_ITEMS),
        }
        panels = render_to_string(DASHBOARD_PANELS, context, request=request)
        cache.set(key, panels, DASHBOARD_TTL)
    return render(request, "dashboard/dashboard.html", {"panels": mark_safe(panels)})  # noqa: S308
