"""The incident page's read model and responses: the context of the page and of each of its
htmx partials (``incidents/detail.html#name``), the transitions it offers, and the page's URL.
Shared by the incident views (``views``) and the timeline and link views (``views_timeline``).
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from organizations import hooks
from organizations.roles import Action, can

from . import selectors
from .charts import render_chart
from .forms import LinkForm, TimelineEntryForm
from .models import STATUS_ORDER, Incident, Status

DETAIL = "incidents/detail.html"
# Asked of the apps above for the incident page, with ``incident`` and ``membership``: what they
# know of the incident as a recurrence (postmortems: the completed fixes it came back after).
# The page shows the first answer that is not empty.
INCIDENT_RECURRENCES = "incidents.recurrences"
# (target status, URL name, button label)
TRANSITIONS = [
    (Status.ACKNOWLEDGED, "incident_acknowledge", "Acknowledge"),
    (Status.MITIGATED, "incident_mitigate", "Mitigate"),
    (Status.RESOLVED, "incident_resolve", "Resolve"),
]


def incident_context(request: HttpRequest, incident: Incident, **extra) -> dict:
    """What the incident page and each of its partials need, computed once per response."""
    return {
        "incident": incident,
        "can_update": can(request.membership, Action.UPDATE_INCIDENT),
        "timeline_url": reverse(
            "timeline_entries", kwargs={"org_slug": request.organization.slug, "ref": incident.ref}
        ),
        **extra,
    }


def incident_url(incident: Incident, anchor: str = "") -> str:
    url = reverse(
        "incident_detail", kwargs={"org_slug": incident.organization.slug, "ref": incident.ref}
    )
    return f"{url}#{anchor}" if anchor else url


def render_partial(
    request: HttpRequest,
    partial: str,
    context: dict,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    response = render(request, f"{DETAIL}#{partial}", context, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def detail_context(request: HttpRequest, incident: Incident, **overrides) -> dict:
    detail = selectors.incident_detail(incident=incident)
    before = parse_before(request)
    context = {
        **incident_context(request, incident),
        **detail,
        "charts": [render_chart(series, incident=incident) for series in detail["metrics"]],
        "postmortem": next(iter(incident.postmortems.all()), None),
        "recurrences": recurrences_of(request, incident),
        "transitions": available_transitions(incident),
        "timeline": selectors.timeline_window(incident=incident, before=before),
        "showing_earlier": before is not None,
        "entry_form": TimelineEntryForm.blank(),
        "link_form": LinkForm(),
    }
    context.update(overrides)
    return context


def recurrences_of(request: HttpRequest, incident: Incident):
    answers = hooks.answers(INCIDENT_RECURRENCES, incident=incident, membership=request.membership)
    return next((answer for answer in answers if answer), None)


def available_transitions(incident: Incident) -> list[dict]:
    current = STATUS_ORDER.index(incident.status)
    return [
        {"url_name": url_name, "label": label, "status": target}
        for target, url_name, label in TRANSITIONS
        if STATUS_ORDER.index(target) > current
    ]


def parse_before(request: HttpRequest):
    moment = parse_datetime(request.GET.get("before", ""))
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment
