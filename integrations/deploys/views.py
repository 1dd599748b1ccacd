"""The suspect changes' panel, for pages that load it once drawn (the postmortem editor's
linked evidence, whose own queries then do not depend on its template), and its "Mark as
cause" button, which links a release to the incident as a cause.

htmx (the incident page): answers the panel, and the linked evidence out of band. Without
JavaScript (and from the postmortem editor): back to the page the form names in ``next`` (one
of the organization's pages), else the incident page."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET, require_POST

from incidents import selectors as incident_selectors
from incidents.forms import LinkForm
from incidents.lookups import incident_from_ref
from incidents.models import Incident
from incidents.presenter import DETAIL, detail_context, incident_context, incident_url
from organizations.decorators import require_action
from organizations.lookups import object_from_url
from organizations.roles import Action
from organizations.site import page_within, posted_next

from . import presenter, selectors, services
from .models import Release


def _release(request: HttpRequest, incident: Incident, release_id: int) -> Release | None:
    return selectors.release_by_id(request.organization, release_id)


release_from_id = object_from_url("release_id", _release, missing="No such release.")


@require_action(Action.VIEW)
@incident_from_ref
@require_GET
def suspect_changes(request: HttpRequest, incident: Incident) -> HttpResponse:
    """The panel alone (empty when the incident has no suspect change). ``embedded=1`` draws
    it inside another card; ``back`` (a page of the organization) is where its forms return."""
    back = page_within(request, request.GET.get("back", ""), within=_organization_pages(request))
    embedded = request.GET.get("embedded") == "1"
    context = presenter.panel_context(request, incident, back=back or "", embedded=embedded)
    return render(request, presenter.PANEL, context)


@require_action(Action.UPDATE_INCIDENT)
@incident_from_ref
@release_from_id
@require_POST
def release_mark_as_cause(
    request: HttpRequest, incident: Incident, release: Release
) -> HttpResponse:
    try:
        services.release_mark_as_cause(incident=incident, release=release)
    except ValidationError as error:
        return _refused(request, incident, " ".join(error.messages))
    if request.htmx:
        return HttpResponse(_panels(request, incident))
    messages.success(request, f"{release.service.name} {release.version} linked as a cause.")
    return redirect(_back(request, incident))


def _panels(request: HttpRequest, incident: Incident) -> str:
    """The suspect changes, and the incident's linked evidence swapped out of band."""
    links = incident_selectors.incident_links(incident=incident)
    evidence = incident_context(request, incident, links=links, link_form=LinkForm(), oob=True)
    return render_to_string(
        presenter.PANEL, presenter.panel_context(request, incident), request=request
    ) + render_to_string(f"{DETAIL}#links", evidence, request=request)


def _refused(request: HttpRequest, incident: Incident, detail: str) -> HttpResponse:
    if request.htmx:
        context = {"title": "Not linked", "detail": detail}
        response = render(request, "errors/_fragment.html", context, status=400)
        response["HX-Retarget"] = "#messages"
        response["HX-Reswap"] = "beforeend"
        return response
    messages.error(request, detail)
    return render(request, DETAIL, detail_context(request, incident), status=400)


def _back(request: HttpRequest, incident: Incident) -> str:
    """``next`` when it is a page of the request's organization on this site."""
    wanted = posted_next(request, within=_organization_pages(request))
    return wanted or incident_url(incident, "suspect-changes")


def _organization_pages(request: HttpRequest) -> str:
    return f"/o/{request.organization.slug}/"
