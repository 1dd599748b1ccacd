"""The review workflow's pages: the review screen, the transitions, the people on a document, and
the status bar shown on the editor and the read view.

Views are thin: they parse a form, call ``transitions`` / ``services_people``, and answer.
Every postmortem is looked up first (``postmortem_from_number``), so another organization's
number is a 404 whatever the method. Then the contract, the same for every endpoint:

- success: 302 to the read view with a message (htmx: ``HX-Redirect``; the people panel, which
  updates in place, gets itself back instead);
- ``PermissionDenied``: 403; ``TransitionError`` / ``PeopleLocked``: 409; ``ValidationError`` or
  an invalid form: 400. The answer shows the message: a page without JavaScript, a fragment for
  htmx (the status bar's feedback line, the decision panel, the people panel).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from organizations.people import display_name
from postmortems.guidance import presenter as guidance_presenter
from postmortems.guidance import services as guidance
from postmortems.lookups import postmortem_from_number
from postmortems.models import Postmortem, PostmortemStatus, Visibility
from postmortems.permissions import Access
from postmortems.review import people as services_people
from postmortems.review import selectors as selectors_review
from postmortems.review import transitions
from postmortems.review.forms import PersonForm, ReviewForm, SubmitForm, VisibilityForm
from postmortems.review.panels import (
    BAR_ID,
    PANEL_ID,
    ROLES,
    TITLES,
    access_with,
    people_of,
    people_panel,
    review_panel,
    urls_for,
)
from postmortems.review.people import PeopleLocked
from postmortems.review.presenter import review_context
from postmortems.review.transitions import TransitionError
from postmortems.sharing import services as sharing

T = "postmortems/review/"
SLOT_ID = "rv-people-slot"  # where the bar loads the people panel when "Manage people" opens
DECISION_ID = "rv-decision"  # the review screen's approve / request-changes panel

FIELD_LABELS = {
    "sections": "Required sections",
    "reviewers": "Reviewers",
    "comment": "Comment",
    "editor": "Editor",
    "user": "Person",
    "visibility": "Visibility",
    "teams": "Teams",
}


# --- Answers --------------------------------------------------------------------------------


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
    wanted = request.POST.get("next", "")
    prefix = f"/o/{postmortem.organization.slug}/"
    if wanted.startswith(prefix) and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return urls_for(postmortem)["detail"]


def pm(postmortem: Postmortem) -> str:
    return f"PM-{postmortem.number}"


def names(users) -> str:
    listed = [display_name(u) for u in users]
    if len(listed) <= 1:
        return "".join(listed)
    return ", ".join(listed[:-1]) + " and " + listed[-1]


# --- Transitions: submit, withdraw, archive, unarchive ----------------------------------------


def _transition(request, postmortem, *, doing: str, call, message) -> HttpResponse:
    try:
        result = call()
    except (PermissionDenied, TransitionError, ValidationError) as error:
        return refused(
            request,
            postmortem,
            status=status_of(error),
            doing=doing,
            problems=problems_of(error),
        )
    return succeeded(request, postmortem, message(result))


@postmortem_from_number
@require_POST
def postmortem_submit(request: HttpRequest, postmortem: Postmortem) -> HttpResponse:
    form = SubmitForm(request.POST, organization=request.organization)
    if not form.is_valid():
        access = Access(request.user, request.membership, postmortem)
        if not access.may_submit:  # rights before input: a reader learns nothing more
            error = PermissionDenied(
                "Only the author, invited editors and admins submit a postmortem."
            )
            return refused(
                request, postmortem, status=403, doing="submit", problems=[("", str(error))]
            )
        return refused(
            request, postmortem, status=400, doing="submit", problems=form_problems(form)
        )

    def message(result: Postmortem) -> str:
        asked = selectors_review.assigned_reviewers(result)
        return (
            f"{pm(result)} is in review (round {result.review_round}). "
            f"We asked {names(asked)} for a review."
        )

    try:  # failing checklist items ask for confirmation first (guidance)
        return _transition(
            request,
            postmortem,
            doing="submit",
            call=lambda: guidance.postmortem_submit_checked(
                postmortem=postmortem,
                actor=request.user,
                reviewers=form.cleaned_data["reviewers"],
                confirmed=request.POST.get("confirm") == "1",
            ),
            message=message,
        )
    except guidance.NeedsConfirmation as pending:
        return guidance_presenter.submit_confirmation(request, postmortem, pending)


@postmortem_from_number
@require_POST
def postmortem_withdraw(request: HttpRequest, postmortem: Postmortem) -> HttpResponse:
    return _transition(
        request,
        postmortem,
        doing="withdraw",
        call=lambda: transitions.postmortem_withdraw(postmortem=postmortem, actor=request.user),
        message=lambda r: f"{pm(r)} was withdrawn from review; it is a draft again.",
    )


@postmortem_from_number
@require_http_methods(["GET", "POST"])
def postmortem_archive(request: HttpRequest, postmortem: Postmortem) -> HttpResponse:
    """Archiving asks first, naming the public share links it turns off; the confirmation
    posts ``confirm=1``. Anything else shows the question again and archives nothing."""
    if request.method == "POST" and request.POST.get("confirm") == "1":
        return _transition(
            request,
            postmortem,
            doing="archive",
            call=lambda: transitions.postmortem_archive(postmortem=postmortem, actor=request.user),
            message=lambda r: f"{pm(r)} is archived. Unarchive it to publish it again.",
        )
    try:
        access = Access(request.user, request.membership, postmortem)
        transitions.check(transitions.ARCHIVE, postmortem, access)
    except TransitionError as error:
        if request.method == "GET":  # a stale link (archived meanwhile): back to the document
            messages.info(request, str(error))
            return redirect(urls_for(postmortem)["detail"])
        return refused(
            request, postmortem, status=409, doing="archive", problems=problems_of(error)
        )
    except PermissionDenied as error:
        return refused(
            request,
            postmortem,
            status=status_of(error),
            doing="archive",
            problems=problems_of(error),
        )
    context = {
        "postmortem": postmortem,
        "links": sharing.active_share_links_of(postmortem),
        "urls": urls_for(postmortem),
    }
    return render(request, T + "confirm_archive.html", context)


@postmortem_from_number
@require_POST
def postmortem_unarchive(request: HttpRequest, postmortem: Postmortem) -> HttpResponse:
    return _transition(
        request,
        postmortem,
        doing="unarchive",
        call=lambda: transitions.postmortem_unarchive(postmortem=postmortem, actor=request.user),
        message=lambda r: f"{pm(r)} is published again.",
    )


# --- The review screen and the decisions -------------------------------------------------------


@postmortem_from_number
@require_GET
def postmortem_review(request: HttpRequest, postmortem: Postmortem) -> HttpResponse:
    return render(request, T + "review.html", review_context(request, postmortem))


def decision_refused(request, postmortem, *, status: int, form: ReviewForm, problems):
    """Show a refused decision where it was made: the decision panel (htmx) or the screen."""
    context = review_context(request, postmortem, form=form, problems=problems, status=status)
    if request.htmx and request.htmx.target == DECISION_ID:
        return render(request, T + "_decision.html", context, status=status)
    if request.htmx:
        context.update(title=TITLES[status], doing="review", status=status)
        return render(request, T + "_problem.html", context, status=status)
    return render(request, T + "review.html", context, status=status)


def _decide(request, postmortem, *, comment_required: bool, call, message) -> HttpResponse:
    form = ReviewForm(request.POST, comment_required=comment_required)
    access = Access(request.user, request.membership, postmortem)
    if not access.may_review:  # rights before input: a missing comment is not the problem
        error = PermissionDenied("Only an assigned reviewer other than the author decides.")
        return decision_refused(
            request, postmortem, status=403, form=form, problems=problems_of(error)
        )
    if not form.is_valid():
        return decision_refused(request, postmortem, status=400, form=form, problems=[])
    try:
        result = call(form.cleaned_data["comment"])
    except (PermissionDenied, TransitionError, ValidationError) as error:
        if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            for name, found in error.message_dict.items():
                for text in found:
                    form.add_error(name if name in form.fields else None, text)
            problems = []
        else:
            problems = problems_of(error)
        return decision_refused(
            request, postmortem, status=status_of(error), form=form, problems=problems
        )
    return succeeded(request, postmortem, message(result))


@postmortem_from_number
@require_POST
def postmortem_approve(request: HttpRequest, postmortem: Postmortem) -> HttpResponse:
    def message(result: Postmortem) -> str:
        if result.status == PostmortemStatus.PUBLISHED:
            return f"You approved {pm(result)}: it is published."
        state = selectors_review.review_state(result)
        return (
            f"You approved {pm(result)} ({len(state.approvals)} of {state.required} "
            "approvals). It publishes with the last one."
        )

    return _decide(
        request,
        postmortem,
        comment_required=False,
        call=lambda comment: transitions.postmortem_approve(
            postmortem=postmortem, actor=request.user, comment=comment
        ),
        message=message,
    )


@postmortem_from_number
@require_POST
def postmortem_request_changes(request: HttpRequest, postmortem: Postmortem) -> HttpResponse:
    return _decide(
        request,
        postmortem,
        comment_required=True,
        call=lambda comment: transitions.postmortem_request_changes(
            postmortem=postmortem, actor=request.user, comment=comment
        ),
        message=lambda r: (
            f"You requested changes to {pm(r)}; it is back with its writers as a draft."
        ),
    )


# --- People and visibility ----------------------------------------------------------------------


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
