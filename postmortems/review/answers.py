"""How the review workflow's views answer, the same for every endpoint.

- success: 302 to the read view with a message (htmx: ``HX-Redirect``; the people panel, which
  updates in place, gets itself back instead);
- ``PermissionDenied``: 403; ``TransitionError`` / ``PeopleLocked``: 409; ``ValidationError`` or
  an invalid form: 400. The answer shows the message: a page without JavaScript, a fragment for
  htmx (the status bar's feedback line, the decision panel, the people panel).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django_htmx.http import HttpResponseClientRedirect

from organizations.people import display_name
from organizations.site import posted_next
from postmortems.models import Postmortem
from postmortems.review.panels import TITLES, urls_for
from postmortems.review.people import PeopleLocked
from postmortems.review.transitions import TransitionError

T = "postmortems/review/"

FIELD_LABELS = {
    "sections": "Required sections",
    "reviewers": "Reviewers",
    "comment": "Comment",
    "editor": "Editor",
    "user": "Person",
    "visibility": "Visibility",
    "teams": "Teams",
}


def problems_of(error: Exception) -> list[tuple[str, str]]:
    """(label, message) pairs a person can read, from any refusal."""
    if isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            return [
                (FIELD_LABELS.get(name, ""), message)
                for name, found in error.message_dict.items()
                for message in found
            ]
        return [("", message) for message in error.messages]
    return [("", str(error) or TITLES[403])]


def form_problems(form) -> list[tuple[str, str]]:
    return [
        (FIELD_LABELS.get(name, "") if name != "__all__" else "", message)
        for name, found in form.errors.items()
        for message in found
    ]


def status_of(error: Exception) -> int:
    if isinstance(error, PermissionDenied):
        return 403
    if isinstance(error, TransitionError | PeopleLocked):
        return 409
    return 400


def succeeded(request: HttpRequest, postmortem: Postmortem, message: str, url: str = ""):
    messages.success(request, message)
    url = url or urls_for(postmortem)["detail"]
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def refused(
    request: HttpRequest,
    postmortem: Postmortem,
    *,
    status: int,
    doing: str,
    problems: list[tuple[str, str]],
) -> HttpResponse:
    """A refused transition: the status bar's feedback fragment for htmx, a page otherwise."""
    context = {
        "postmortem": postmortem,
        "status": status,
        "title": TITLES[status],
        "doing": doing,
        "problems": problems,
        "urls": urls_for(postmortem),
    }
    template = "_problem.html" if request.htmx else "refused.html"
    return render(request, T + template, context, status=status)


def safe_next(request: HttpRequest, postmortem: Postmortem) -> str:
    """``next`` when it is a page of this organization, else the read view."""
    wanted = posted_next(request, within=f"/o/{postmortem.organization.slug}/")
    return wanted or urls_for(postmortem)["detail"]


def pm(postmortem: Postmortem) -> str:
    return f"PM-{postmortem.number}"


def names(users) -> str:
    listed = [display_name(u) for u in users]
    if len(listed) <= 1:
        return "".join(listed)
    return ", ".join(listed[:-1]) + " and " + listed[-1]
