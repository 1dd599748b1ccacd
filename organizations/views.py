import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from . import selectors, selectors_dashboard, services
from .decorators import require_action
from .forms import OrganizationCreateForm
from .fragments import template_version
from .roles import ROLE_SUMMARY, Action, Role, can


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The organizations I belong to."""
    memberships = selectors.memberships_for_user(request.user)
    return render(request, "organizations/home.html", {"memberships": memberships})


@login_required
@require_http_methods(["GET", "POST"])
def organization_create(request: HttpRequest) -> HttpResponse:
    form = OrganizationCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        organization = services.organization_create(
            name=form.cleaned_data["name"],
            slug=form.cleaned_data["slug"],
            time_zone=form.cleaned_data["time_zone"],
            creator=request.user,
        )
        messages.success(request, f"{organization.name} is ready. You are its admin.")
        return redirect("dashboard", org_slug=organization.slug)
    status = 400 if form.errors else 200
    return render(request, "organizations/create.html", {"form": form}, status=status)


DASHBOARD_PANELS = "organizations/_dashboard_panels.html"
DASHBOARD_TTL = 120


@require_GET
@require_action(Action.VIEW)
def dashboard(request: HttpRequest, org_slug: str) -> HttpResponse:
    """The organization's home: open incidents, what waits for me, overdue follow-ups and
    recent publications (``selectors_dashboard``), with the organization's figures aside."""
    organization, membership = request.organization, request.membership
    fingerprint = selectors_dashboard.dashboard_fingerprint(
        organization=organization, membership=membership
    )
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
            **selectors_dashboard.dashboard(organization=organization, membership=membership),
            "role_summary": ROLE_SUMMARY[membership.role],
            "can_track": can(membership, Action.TRACK_ACTION_ITEMS),
        }
        panels = render_to_string(DASHBOARD_PANELS, context, request=request)
        cache.set(key, panels, DASHBOARD_TTL)
    return render(request, "organizations/dashboard.html", {"panels": mark_safe(panels)})  # noqa: S308


@require_GET
@require_action(Action.VIEW)
def member_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    return render(
        request,
        "organizations/members.html",
        {
            "members": selectors.member_list(organization=request.organization),
            "teams": selectors.team_list(organization=request.organization),
            "role_summaries": [(role, ROLE_SUMMARY[role]) for role in Role],
        },
    )


@require_GET
@require_action(Action.VIEW)
def member_search(request: HttpRequest, org_slug: str) -> HttpResponse:
    """Members matching ``q`` as ``<option>``s for a ``<datalist>`` (the people pickers and
    @mentions). ``role=reviewer`` or ``role=editor`` keeps those whose role allows it."""
    from postmortems.review.selectors import member_search as search

    role = {"reviewer": Action.REVIEW_POSTMORTEM, "editor": Action.CREATE_POSTMORTEM}.get(
        request.GET.get("role", "")
    )
    found = search(
        organization=request.organization, query=request.GET.get("q", "")[:80], action=role
    )
    return render(request, "organizations/_member_options.html", {"memberships": found})


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness and database reachability, for the container health check."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
