"""Incident pages: the list, declaring and editing, the incident page and its charts, and the
status transitions. The page's timeline and link panels are answered by ``views_timeline``; the
page's context is built by ``presenter``.

Views parse input with forms, call services (writes) and selectors (reads), and choose between
a page and an htmx partial (``incidents/detail.html#name``). Every lookup is filtered by the
request's organization; anything else answers 404.
"""

from datetime import timedelta
from hashlib import sha256

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from organizations.decorators import require_action
from organizations.roles import Action
from organizations.selectors import policy_for
from organizations.templatetags.hindsight import duration

from . import selectors, services, transitions
from .charts import render_chart
from .forms import (
    IncidentEditForm,
    IncidentFilterForm,
    IncidentForm,
    add_service_errors,
    now_for_input,
)
from .lookups import incident_from_ref
from .models import Incident, Status
from .presenter import DETAIL, detail_context, incident_url

PAGE_SIZE = 25


# --- Plumbing --------------------------------------------------------------------------------


def back_to_incident(request: HttpRequest, incident: Incident, anchor: str = "") -> HttpResponse:
    url = incident_url(incident, anchor)
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


# --- The list --------------------------------------------------------------------------------


@require_GET
@require_action(Action.VIEW)
def incident_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    organization = request.organization
    service_names = selectors.service_names(organization=organization)
    form = IncidentFilterForm(request.GET, service_names=service_names)
    queryset = selectors.incident_list(organization=organization, filters=form.to_filters())
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "incidents": selectors.with_postmortem_state(
            page.object_list, policy=policy_for(organization)
        ),
        "is_filtered": form.is_filtered,
        # the filter bar's HTML depends on these alone ({% cache %} in the template)
        "filter_bar_key": sha256(
            repr((sorted(request.GET.lists()), service_names)).encode()
        ).hexdigest(),
    }
    template = "incidents/list.html"
    if request.htmx.target == "incident-results":
        template += "#results"
    return render(request, template, context)


@require_GET
@require_action(Action.VIEW)
def incidents_needing_postmortem(request: HttpRequest, org_slug: str) -> HttpResponse:
    organization = request.organization
    policy = policy_for(organization)
    queryset = selectors.incidents_needing_postmortem(organization=organization)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "policy": policy,
        "policy_criteria": policy_criteria(policy),
        "page": page,
        "incidents": selectors.with_postmortem_state(page.object_list, policy=policy),
    }
    return render(request, "incidents/needs_postmortem.html", context)


def policy_criteria(policy) -> list[str]:
    """The policy's conditions as phrases: "its severity is SEV1 or SEV2", …"""
    criteria = []
    if policy.severities:
        criteria.append(f"its severity is {' or '.join(policy.severities)}")
    if policy.min_duration_minutes is not None:
        limit = duration(timedelta(minutes=policy.min_duration_minutes))
        criteria.append(f"it lasted more than {limit}")
    flags = [
        (policy.customer_impact, "it had customer impact"),
        (policy.data_loss, "data was lost"),
        (policy.security, "it was a security incident"),
    ]
    criteria += [phrase for enabled, phrase in flags if enabled]
    return criteria


# --- Declaring and editing -------------------------------------------------------------------


@require_action(Action.DECLARE_INCIDENT)
@require_http_methods(["GET", "POST"])
def incident_declare(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = IncidentForm(
        request.POST or None,
        organization=request.organization,
        initial={
            "started_at": now_for_input(),
            "detected_at": now_for_input(),
            "commander": request.user,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            incident = services.incident_declare(
                organization=request.organization, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{incident.ref} declared. Keep the timeline up to date.")
            return redirect(incident_url(incident))
    status = 400 if form.errors else 200
    return render(request, "incidents/declare.html", {"form": form}, status=status)


@require_action(Action.UPDATE_INCIDENT)
@incident_from_ref
@require_http_methods(["GET", "POST"])
def incident_edit(request: HttpRequest, incident: Incident) -> HttpResponse:
    form = IncidentEditForm(
        request.POST or None, incident=incident, organization=request.organization
    )
    if request.method == "POST" and form.is_valid():
        changed = set(form.changed_data)
        names = form.cleaned_data["services"] if "services" in changed else None
        changes = {name: form.cleaned_data[name] for name in changed - {"services"}}
        try:
            services.incident_update(
                incident=incident, actor=request.user, services=names, **changes
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{incident.ref} updated." if changed else "No changes.")
            return redirect(incident_url(incident))
    status = 400 if form.errors else 200
    context = {"form": form, "incident": incident}
    return render(request, "incidents/edit.html", context, status=status)


# --- The incident page -----------------------------------------------------------------------


@require_action(Action.VIEW)
@incident_from_ref
@require_GET
def incident_detail(request: HttpRequest, incident: Incident) -> HttpResponse:
    return render(request, DETAIL, detail_context(request, incident))


# --- Status transitions ----------------------------------------------------------------------


def transition_view(target: Status, transition):
    @require_action(Action.UPDATE_INCIDENT)
    @incident_from_ref
    @require_POST
    def view(request: HttpRequest, incident: Incident) -> HttpResponse:
        was_there = incident.status == target
        try:
            transition(incident=incident, actor=request.user)
        except (transitions.TransitionError, ValidationError) as error:
            return transition_refused(request, incident, error)
        status = target.label.lower()
        if was_there:
            messages.info(request, f"{incident.ref} was already {status}.")
        else:
            messages.success(request, f"{incident.ref} is now {status}.")
        return back_to_incident(request, incident)

    return view


def transition_refused(request: HttpRequest, incident: Incident, error: Exception) -> HttpResponse:
    detail = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
    if request.htmx:
        context = {"title": "Not possible", "detail": detail}
        response = render(request, "errors/_fragment.html", context, status=409)
        response["HX-Retarget"] = "#messages"
        response["HX-Reswap"] = "beforeend"
        return response
    messages.error(request, detail)
    return redirect(incident_url(incident))


incident_acknowledge = transition_view(Status.ACKNOWLEDGED, transitions.incident_acknowledge)
incident_mitigate = transition_view(Status.MITIGATED, transitions.incident_mitigate)
incident_resolve = transition_view(Status.RESOLVED, transitions.incident_resolve)


@incident_from_ref
def incident_metric_chart(request: HttpRequest, incident: Incident, metric: str) -> HttpResponse:
    """One metric series as a standalone SVG image (embedded by postmortem chart variables)."""
    series = selectors.metric_series(incident=incident, key=metric)
    if series is None:
        raise Http404("No such metric.")
    if request.method not in ("GET", "HEAD"):  # after the lookup: foreign objects answer 404
        return HttpResponseNotAllowed(["GET", "HEAD"])
    svg = render_chart(series, incident=incident)
    response = HttpResponse(
        '<?xml version="1.0" encoding="utf-8"?>\n' + svg, content_type="image/svg+xml"
    )
    response["Cache-Control"] = "private, max-age=60"
    return response
