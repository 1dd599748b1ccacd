"""A manager marks a recurrence (a later incident after a postmortem's completed fix) as
unrelated, with a reason, or takes that back.

The pair is named in the URL: the earlier postmortem's number and the later incident's
reference, both looked up in the request's organization (404 otherwise) before anything else.
The notices post here from the incident page, the editor and the read view; ``next`` sends the
browser back to the page it came from. Without JavaScript the GET shows the form alone.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from incidents import selectors as incident_selectors
from incidents.models import Incident
from organizations.decorators import require_action
from organizations.lookups import object_from_url
from organizations.roles import Action, can
from organizations.site import page_within, posted_next
from postmortems.lookups import postmortem_from_number
from postmortems.models import Postmortem
from postmortems.read.forms import RecurrenceDismissForm
from postmortems.recurrence import services

PAGE = "postmortems/recurrence/dismiss.html"


def _incident(request: HttpRequest, postmortem: Postmortem, ref: str) -> Incident | None:
    return incident_selectors.incident_by_ref(organization=request.organization, ref=ref)


incident_from_ref = object_from_url("ref", _incident, missing="No such incident.")


def _check_may_dismiss(request: HttpRequest) -> None:
    if not can(request.membership, Action.DISMISS_RECURRENCE):
        raise PermissionDenied("Only managers and admins mark a recurrence as unrelated.")


def _back(request: HttpRequest, postmortem: Postmortem) -> str:
    within = f"/o/{request.organization.slug}/"
    wanted = posted_next(request, within=within) or page_within(
        request, request.GET.get("next", ""), within=within
    )
    return wanted or f"{within}postmortems/{postmortem.number}/"


@require_action(Action.VIEW)
@postmortem_from_number
@incident_from_ref
@require_http_methods(["GET", "POST"])
def recurrence_dismiss(
    request: HttpRequest, postmortem: Postmortem, incident: Incident
) -> HttpResponse:
    _check_may_dismiss(request)
    form = RecurrenceDismissForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            services.recurrence_dismiss(
                postmortem=postmortem,
                incident=incident,
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            for name, problems in error.message_dict.items():
                form.add_error(name if name in form.fields else None, problems)
        else:
            messages.success(
                request,
                f"{incident.ref} is no longer counted as a recurrence of PM-{postmortem.number}.",
            )
            return redirect(_back(request, postmortem))
    context = {
        "postmortem": postmortem,
        "incident": incident,
        "form": form,
        "next": _back(request, postmortem),
    }
    return render(request, PAGE, context, status=400 if form.errors else 200)


@require_action(Action.VIEW)
@postmortem_from_number
@incident_from_ref
@require_POST
def recurrence_restore(
    request: HttpRequest, postmortem: Postmortem, incident: Incident
) -> HttpResponse:
    _check_may_dismiss(request)
    if services.recurrence_restore(postmortem=postmortem, incident=incident, actor=request.user):
        messages.success(
            request, f"{incident.ref} counts as a recurrence of PM-{postmortem.number} again."
        )
    return redirect(_back(request, postmortem))
