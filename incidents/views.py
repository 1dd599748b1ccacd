"""Incident pages: the list, declaring and editing, the incident page with its timeline, links
and charts, and the status transitions.

Views parse input with forms, call services (writes) and selectors (reads), and choose between
a page and an htmx partial (``incidents/detail.html#name``). Every lookup is filtered by the
request's organization; anything else answers 404.
"""

from datetime import timedelta
from hashlib import sha256

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from organizations.decorators import require_action
from organizations.lookups import object_from_url
from organizations.roles import Action, can
from organizations.selectors import policy_for
from organizations.templatetags.hindsight import duration

from . import selectors, services, transitions
from .charts import render_chart
from .forms import (
    IncidentEditForm,
    IncidentFilterForm,
    IncidentForm,
    LinkForm,
    TimelineEntryForm,
    add_service_errors,
    now_for_input,
)
from .models import STATUS_ORDER, Incident, IncidentLink, Status, TimelineEntry

PAGE_SIZE = 25
DETAIL = "incidents/detail.html"
# (target status, URL name, button label)
TRANSITIONS = [
    (Status.ACKNOWLEDGED, "incident_acknowledge", "Acknowledge"),
    (Status.MITIGATED, "incident_mitigate", "Mitigate"),
    (Status.RESOLVED, "incident_resolve", "Resolve"),
]


# --- Plumbing --------------------------------------------------------------------------------


def _incident(request: HttpRequest, ref: str) -> Incident | None:
    return selectors.incident_by_ref(organization=request.organization, ref=ref)


def _entry(request: HttpRequest, incident: Incident, entry_id: int) -> TimelineEntry | None:
    return (
        TimelineEntry.objects.filter(
            organization=request.organization, incident=incident, pk=entry_id
        )
        .select_related("actor")
        .first()
    )


def _link(request: HttpRequest, incident: Incident, link_id: int) -> IncidentLink | None:
    return IncidentLink.objects.filter(
        organization=request.organization, incident=incident, pk=link_id
    ).first()


incident_from_ref = object_from_url("ref", _incident, missing="No such incident.")
entry_from_id = object_from_url("entry_id", _entry, missing="No such timeline entry.")
link_from_id = object_from_url("link_id", _link, missing="No such link.")


def ensure_allowed(request: HttpRequest, action: Action) -> None:
    if not can(request.membership, action):
        raise PermissionDenied(f"Your role may not {action.replace('_', ' ')}.")


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


def back_to_incident(request: HttpRequest, incident: Incident, anchor: str = "") -> HttpResponse:
    url = incident_url(incident, anchor)
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


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


def detail_context(request: HttpRequest, incident: Incident, **overrides) -> dict:
    detail = selectors.incident_detail(incident=incident)
    before = parse_before(request)
    context = {
        **incident_context(request, incident),
        **detail,
        "charts": [render_chart(series, incident=incident) for series in detail["metrics"]],
        "postmortem": next(iter(incident.postmortems.all()), None),
        "transitions": available_transitions(incident),
        "timeline": selectors.timeline_window(incident=incident, before=before),
        "showing_earlier": before is not None,
        "entry_form": TimelineEntryForm.blank(),
        "link_form": LinkForm(),
    }
    context.update(overrides)
    return context


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


# --- The timeline ----------------------------------------------------------------------------


@require_action(Action.VIEW)
@incident_from_ref
@require_http_methods(["GET", "POST"])
def timeline_entries(request: HttpRequest, incident: Incident) -> HttpResponse:
    """GET: the timeline partial (``?before=<iso>``: the earlier days only). POST: add."""
    if request.method == "POST":
        ensure_allowed(request, Action.UPDATE_INCIDENT)
        return timeline_entry_add(request, incident)
    return timeline_partial(request, incident, before=parse_before(request))


def timeline_partial(request: HttpRequest, incident: Incident, *, before=None) -> HttpResponse:
    """The whole timeline card, or (``before``) only the days before that moment."""
    window = selectors.timeline_window(incident=incident, before=before)
    context = incident_context(
        request, incident, timeline=window, entry_form=TimelineEntryForm.blank()
    )
    return render_partial(request, "timeline-days" if before else "timeline", context)


def timeline_entry_add(request: HttpRequest, incident: Incident) -> HttpResponse:
    form = TimelineEntryForm.blank(request.POST)
    if form.is_valid():
        try:
            services.timeline_entry_add(incident=incident, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if request.htmx:
                return timeline_partial(request, incident)
            messages.success(request, "Added to the timeline.")
            return redirect(incident_url(incident, "timeline"))
    if request.htmx:
        context = incident_context(request, incident, entry_form=form)
        headers = {"HX-Retarget": "#new-entry-form", "HX-Reswap": "outerHTML"}
        return render_partial(request, "new-entry-form", context, status=400, headers=headers)
    return render(request, DETAIL, detail_context(request, incident, entry_form=form), status=400)


@require_action(Action.UPDATE_INCIDENT)
@incident_from_ref
@entry_from_id
@require_http_methods(["GET", "POST"])
def timeline_entry_edit(
    request: HttpRequest, incident: Incident, entry: TimelineEntry
) -> HttpResponse:
    """GET: the entry as a form (``?cancel``: the entry as shown). POST: save it."""
    context = incident_context(request, incident, entry=entry)
    if request.method == "GET" and "cancel" in request.GET:
        return render_partial(request, "entry", context)
    form = TimelineEntryForm.for_entry(entry, request.POST or None)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            services.timeline_entry_update(entry=entry, **changes)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if request.htmx:
                return render_partial(request, "entry", context)
            messages.success(request, "Timeline entry saved.")
            return redirect(incident_url(incident, f"entry-{entry.pk}"))
    status = 400 if form.errors else 200
    context["form"] = form
    if request.htmx:
        return render_partial(request, "entry-form", context, status=status)
    return render(request, "incidents/timeline_entry_edit.html", context, status=status)


@require_action(Action.UPDATE_INCIDENT)
@incident_from_ref
@entry_from_id
@require_POST
def timeline_entry_delete(
    request: HttpRequest, incident: Incident, entry: TimelineEntry
) -> HttpResponse:
    services.timeline_entry_delete(entry=entry)
    if request.htmx:
        return HttpResponse("")  # the entry's element is swapped for nothing
    messages.success(request, "Timeline entry deleted.")
    return redirect(incident_url(incident, "timeline"))


# --- Linked evidence -------------------------------------------------------------------------


@require_action(Action.UPDATE_INCIDENT)
@incident_from_ref
@require_POST
def incident_link_add(request: HttpRequest, incident: Incident) -> HttpResponse:
    form = LinkForm(request.POST)
    if form.is_valid():
        try:
            services.link_add(incident=incident, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if not request.htmx:
                messages.success(request, "Link added.")
            return links_response(request, incident, LinkForm())
    return links_response(request, incident, form, status=400)


@require_action(Action.UPDATE_INCIDENT)
@incident_from_ref
@link_from_id
@require_POST
def incident_link_delete(
    request: HttpRequest, incident: Incident, link: IncidentLink
) -> HttpResponse:
    services.link_delete(link=link)
    if not request.htmx:
        messages.success(request, "Link removed.")
    return links_response(request, incident, LinkForm())


def links_response(
    request: HttpRequest, incident: Incident, form: LinkForm, *, status: int = 200
) -> HttpResponse:
    """htmx: the links panel. Otherwise: back to the page, or the page with the form's errors."""
    if request.htmx:
        links = selectors.incident_links(incident=incident)
        context = incident_context(request, incident, links=links, link_form=form)
        context["links_open"] = status != 200
        return render_partial(request, "links", context, status=status)
    if status == 200:
        return redirect(incident_url(incident, "links"))
    context = detail_context(request, incident, link_form=form, links_open=True)
    return render(request, DETAIL, context, status=status)


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
