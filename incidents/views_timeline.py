"""The incident page's evidence panels: timeline entries (the timeline partial, adding, editing,
deleting) and linked evidence (adding, removing).

Each answers an htmx request with the panel's partial and any other request with a redirect to
the incident page (or the page with the form's errors). Every lookup is filtered by the
request's organization; anything else answers 404.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from organizations.decorators import require_action
from organizations.roles import Action, can

from . import selectors, services
from .forms import LinkForm, TimelineEntryForm, add_service_errors
from .lookups import entry_from_id, incident_from_ref, link_from_id
from .models import Incident, IncidentLink, TimelineEntry
from .presenter import (
    DETAIL,
    detail_context,
    incident_context,
    incident_url,
    parse_before,
    render_partial,
)


def ensure_allowed(request: HttpRequest, action: Action) -> None:
    if not can(request.membership, action):
        raise PermissionDenied(f"Your role may not {action.replace('_', ' ')}.")


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
