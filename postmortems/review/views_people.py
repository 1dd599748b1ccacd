"""The people on a postmortem and who may read it: the people panel (in the status bar, on
the editor and the read view, or as its own page), inviting and removing editors, assigning and
unassigning reviewers, and the visibility.

Views are thin: they parse a form, call ``services_people`` and answer as ``answers`` says.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from organizations.people import display_name
from postmortems.lookups import postmortem_from_number
from postmortems.models import Postmortem, Visibility
from postmortems.review import people as services_people
from postmortems.review.answers import (
    T,
    form_problems,
    names,
    pm,
    problems_of,
    refused,
    safe_next,
    status_of,
    succeeded,
)
from postmortems.review.forms import PersonForm, VisibilityForm
from postmortems.review.panels import (
    BAR_ID,
    PANEL_ID,
    ROLES,
    access_with,
    people_of,
    people_panel,
    review_panel,
)
from postmortems.review.people import PeopleLocked

SLOT_ID = "rv-people-slot"  # where the bar loads the people panel when "Manage people" opens


def _in_bar(request: HttpRequest) -> bool:
    return bool(request.htmx) and request.htmx.target in (BAR_ID, SLOT_ID)


def people_answer(
    request: HttpRequest, postmortem: Postmortem, *, status: int = 200, **panel_extra
) -> HttpResponse:
    """The people panel again (htmx, in place), inside the whole status bar when it lives there
    (so the bar's people, checklist and actions follow), or the people page."""
    if request.htmx and request.htmx.target == SLOT_ID:  # "Manage people" opened in the bar
        context = {
            "postmortem": postmortem,
            "panel": people_panel(request, postmortem, in_bar=True, **panel_extra),
        }
        return render(request, T + "_people_panel.html", context, status=status)
    if _in_bar(request):
        panel = review_panel(request, postmortem, manage_open=True)
        panel.people_panel = people_panel(
            request,
            postmortem,
            in_bar=True,
            people=panel.people,
            state=panel.state,
            **panel_extra,
        )
        context = {"review_panel": panel, "postmortem": postmortem}
        return render(request, T + "_status_bar.html", context, status=status)
    context = {
        "postmortem": postmortem,
        "panel": people_panel(request, postmortem, **panel_extra),
    }
    template = "_people_panel.html" if request.htmx else "people.html"
    return render(request, T + template, context, status=status)


def people_changed(request: HttpRequest, postmortem: Postmortem, message: str) -> HttpResponse:
    if request.htmx and (_in_bar(request) or request.htmx.target == PANEL_ID):
        return people_answer(request, postmortem, notice=message)
    return succeeded(request, postmortem, message, safe_next(request, postmortem))


def people_refused(
    request, postmortem, *, status: int, form_name: str, problems, values=None
) -> HttpResponse:
    if request.htmx and not (_in_bar(request) or request.htmx.target == PANEL_ID):
        return refused(request, postmortem, status=status, doing="people", problems=problems)
    if status != 400:  # rights or status: not about a field
        return people_answer(request, postmortem, status=status, problems=problems, refusal=status)
    return people_answer(
        request,
        postmortem,
        status=status,
        errors={form_name: [message for _, message in problems]},
        values=values or {},
    )


@postmortem_from_number
@require_GET
def postmortem_people(request: HttpRequest, postmortem: Postmortem) -> HttpResponse:
    return people_answer(request, postmortem)


def _person_change(request, postmortem, role: str, *, adding: bool) -> HttpResponse:
    if role not in ROLES:
        raise Http404("Choose editors or reviewers.")
    people = people_of(postmortem)
    if not access_with(request, postmortem, people).may_manage_people:
        error = PermissionDenied("Only the author, invited editors and admins manage the people.")
        return people_refused(
            request, postmortem, status=403, form_name=role, problems=problems_of(error)
        )
    on_document = people.editors if role == "editors" else people.reviewers
    form = PersonForm(
        request.POST,
        organization=request.organization,
        among=None if adding else on_document,
        noun="an editor" if role == "editors" else "a reviewer",
    )
    typed = {role: request.POST.get("user", "")}
    if not form.is_valid():
        return people_refused(
            request,
            postmortem,
            status=400,
            form_name=role,
            problems=form_problems(form),
            values=typed,
        )
    user = form.cleaned_data["user"]
    service = {
        ("editors", True): services_people.editor_invite,
        ("editors", False): services_people.editor_remove,
        ("reviewers", True): services_people.reviewer_assign,
        ("reviewers", False): services_people.reviewer_unassign,
    }[role, adding]
    try:
        service(postmortem=postmortem, actor=request.user, user=user)
    except (PermissionDenied, PeopleLocked, ValidationError) as error:
        return people_refused(
            request,
            postmortem,
            status=status_of(error),
            form_name=role,
            problems=problems_of(error),
            values=typed,
        )
    done = {
        ("editors", True): "{name} can now edit {pm}.",
        ("editors", False): "{name} no longer edits {pm}.",
        ("reviewers", True): "{name} is now a reviewer of {pm}.",
        ("reviewers", False): "{name} is no longer a reviewer of {pm}.",
    }[role, adding]
    return people_changed(
        request, postmortem, done.format(name=display_name(user), pm=pm(postmortem))
    )


@postmortem_from_number
@require_POST
def postmortem_people_add(request: HttpRequest, postmortem: Postmortem, role: str):
    return _person_change(request, postmortem, role, adding=True)


@postmortem_from_number
@require_POST
def postmortem_people_remove(request: HttpRequest, postmortem: Postmortem, role: str):
    return _person_change(request, postmortem, role, adding=False)


VISIBILITY_DONE = {
    Visibility.PRIVATE: "{pm} is private: only its author, editors, reviewers and admins read it.",
    Visibility.TEAM: "{pm} is visible to {teams}, besides the people on it.",
    Visibility.ORGANIZATION: "{pm} is visible to everyone in the organization.",
}


@postmortem_from_number
@require_POST
def postmortem_visibility(request: HttpRequest, postmortem: Postmortem) -> HttpResponse:
    people = people_of(postmortem)
    if not access_with(request, postmortem, people).may_manage_people:
        error = PermissionDenied("Only the author, invited editors and admins set who may read it.")
        return people_refused(
            request, postmortem, status=403, form_name="visibility", problems=problems_of(error)
        )
    form = VisibilityForm(request.POST, organization=request.organization)
    typed = {"visibility": request.POST.get("visibility", "")}
    if not form.is_valid():
        return people_refused(
            request,
            postmortem,
            status=400,
            form_name="visibility",
            problems=form_problems(form),
            values=typed,
        )
    teams = list(form.cleaned_data["teams"])
    try:
        services_people.visibility_set(
            postmortem=postmortem,
            actor=request.user,
            visibility=form.cleaned_data["visibility"],
            teams=teams,
        )
    except (PermissionDenied, ValidationError) as error:
        return people_refused(
            request,
            postmortem,
            status=status_of(error),
            form_name="visibility",
            problems=problems_of(error),
            values=typed,
        )
    chosen = form.cleaned_data["visibility"]
    team_names = names(teams) if len(teams) != 1 else f"the {teams[0].name} team"
    message = VISIBILITY_DONE[chosen].format(pm=pm(postmortem), teams=team_names)
    return people_changed(request, postmortem, message)
