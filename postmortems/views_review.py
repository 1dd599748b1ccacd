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

from dataclasses import dataclass, field
from functools import cached_property

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from incidents.charts import render_chart
from organizations.models import Team

from . import selectors, selectors_review, services_people, transitions, views_comments
from .forms_review import PersonForm, ReviewForm, SubmitForm, VisibilityForm
from .lookups import postmortem_from_number
from .models import (
    Postmortem,
    PostmortemStatus,
    PostmortemUserObjectPermission,
    Review,
    ReviewDecision,
    Visibility,
)
from .permissions import EDIT_PERMISSION, OPEN_STATUSES, REVIEW_PERMISSION, Access
from .services_people import PeopleLocked
from .transitions import TransitionError

T = "postmortems/review/"
BAR_ID = "rv-bar"  # the status bar's element id: htmx answers addressed to it get the bar back
PANEL_ID = "rv-people"  # the people panel's, on the people page
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
TITLES = {
    400: "Not yet: something is missing",
    403: "You can't do that",
    409: "Not possible right now",
}
ROLES = {"editors": "editor", "reviewers": "reviewer"}


# --- Who is on the document -----------------------------------------------------------------


def _by_name(user) -> tuple:
    return (user.first_name.lower(), user.last_name.lower(), user.get_username().lower())


@dataclass
class People:
    """The author, invited editors and assigned reviewers, read in one query with the object
    permissions behind them (``grants``: user id → codenames)."""

    author: object
    editors: list
    reviewers: list
    grants: dict[int, set[str]]

    @property
    def everyone(self) -> list:
        return [p for p in [self.author, *self.editors, *self.reviewers] if p is not None]


def people_of(postmortem: Postmortem) -> People:
    rows = PostmortemUserObjectPermission.objects.filter(
        content_object=postmortem, permission__codename__in=[EDIT_PERMISSION, REVIEW_PERMISSION]
    ).select_related("user", "permission")
    editors, reviewers, grants = {}, {}, {}
    for row in rows:
        codename = row.permission.codename
        grants.setdefault(row.user_id, set()).add(codename)
        (editors if codename == EDIT_PERMISSION else reviewers)[row.user_id] = row.user
    return People(
        author=postmortem.author,
        editors=sorted(editors.values(), key=_by_name),
        reviewers=sorted(reviewers.values(), key=_by_name),
        grants=grants,
    )


@dataclass
class KnownGrantsAccess(Access):
    """An ``Access`` whose object permissions come from the people list read with them, rather
    than from two more queries of guardian's checker. Postmortem permissions are only ever
    granted to users (``services_people``), never to groups, so the two agree."""

    grants: frozenset = frozenset()

    @property
    def _granted(self) -> set[str]:
        if self.membership is None or not self.user.is_authenticated:
            return set()
        return set(self.grants)


def access_with(request: HttpRequest, postmortem: Postmortem, people: People) -> Access:
    return KnownGrantsAccess(
        user=request.user,
        membership=request.membership,
        postmortem=postmortem,
        grants=frozenset(people.grants.get(request.user.pk, ())),
    )


@dataclass
class ReviewerRow:
    user: object
    review: Review | None
    assigned: bool = True

    @property
    def decision(self) -> str:
        return self.review.decision if self.review else ""

    @property
    def decision_label(self) -> str:
        return self.review.get_decision_display() if self.review else ""


def reviewer_rows(
    people: People, state: selectors_review.ReviewState, *, in_review: bool
) -> list[ReviewerRow]:
    """Assigned reviewers with this round's decision, then anyone who decided this round and
    was unassigned since. Once the round is over, a decision never made is no decision."""
    by_reviewer = {
        review.reviewer_id: review
        for review in state.reviews
        if in_review or review.decision != ReviewDecision.PENDING
    }
    rows = [ReviewerRow(user, by_reviewer.pop(user.pk, None)) for user in people.reviewers]
    rows += [
        ReviewerRow(review.reviewer, review, assigned=False)
        for review in by_reviewer.values()
        if review.decision != ReviewDecision.PENDING
    ]
    return rows


def urls_for(postmortem: Postmortem) -> dict[str, str]:
    kwargs = {"org_slug": postmortem.organization.slug, "number": postmortem.number}
    names = {
        "detail": "postmortem_detail",
        "edit": "postmortem_edit",
        "history": "postmortem_history",
        "review": "postmortem_review",
        "submit": "postmortem_submit",
        "withdraw": "postmortem_withdraw",
        "approve": "postmortem_approve",
        "request_changes": "postmortem_request_changes",
        "archive": "postmortem_archive",
        "unarchive": "postmortem_unarchive",
        "people": "postmortem_people",
        "visibility": "postmortem_visibility",
    }
    urls = {key: reverse(name, kwargs=kwargs) for key, name in names.items()}
    for role in ROLES:
        urls[f"add_{role}"] = reverse("postmortem_people_add", kwargs={**kwargs, "role": role})
        urls[f"remove_{role}"] = reverse(
            "postmortem_people_remove", kwargs={**kwargs, "role": role}
        )
    search = reverse("member_search", kwargs={"org_slug": postmortem.organization.slug})
    urls["search_reviewers"] = f"{search}?role=reviewer"
    urls["search_editors"] = f"{search}?role=editor"
    return urls


# --- The people panel -----------------------------------------------------------------------


@dataclass
class PeoplePanel:
    """Everything ``review/_people_panel.html`` shows: the people, the pickers, visibility."""

    postmortem: Postmortem
    access: Access
    people: People
    reviewers: list[ReviewerRow]
    teams: list  # the organization's teams, for the visibility form
    chosen_teams: list
    urls: dict
    in_bar: bool = False  # inside the status bar: forms answer with the whole bar
    errors: dict[str, list[str]] = field(default_factory=dict)  # by form: editors, reviewers…
    values: dict[str, str] = field(default_factory=dict)  # what was typed, to show it again
    notice: str = ""
    problems: list[tuple[str, str]] = field(default_factory=list)  # a 403 / 409, on top
    refusal: int = 0  # their status code

    @property
    def problem_title(self) -> str:
        return TITLES.get(self.refusal, "")

    @property
    def target(self) -> str:
        return f"#{BAR_ID}" if self.in_bar else f"#{PANEL_ID}"

    @property
    def can_manage(self) -> bool:
        return self.access.may_manage_people and self.postmortem.status in OPEN_STATUSES

    @property
    def can_set_visibility(self) -> bool:
        return self.access.may_manage_people

    @property
    def locked(self) -> bool:
        return self.postmortem.status not in OPEN_STATUSES

    @property
    def chosen_team_ids(self) -> set[int]:
        return {team.pk for team in self.chosen_teams}

    @property
    def visibility_value(self) -> str:
        return self.values.get("visibility") or self.postmortem.visibility


def people_panel(
    request: HttpRequest,
    postmortem: Postmortem,
    *,
    in_bar: bool = False,
    people: People | None = None,
    state=None,
    **extra,
) -> PeoplePanel:
    people = people or people_of(postmortem)
    state = state or selectors_review.review_state(postmortem)
    return PeoplePanel(
        postmortem=postmortem,
        access=access_with(request, postmortem, people),
        people=people,
        reviewers=reviewer_rows(
            people, state, in_review=postmortem.status == PostmortemStatus.IN_REVIEW
        ),
        teams=list(Team.objects.filter(organization=postmortem.organization).order_by("name")),
        chosen_teams=selectors_review.postmortem_teams(postmortem),
        urls=urls_for(postmortem),
        in_bar=in_bar,
        **extra,
    )


# --- The status bar ---------------------------------------------------------------------------


@dataclass
class ReviewPanel:
    """What the status bar on the editor and the read view shows, in a handful of queries that
    do not grow with the number of people: the people and their grants (1), this round's reviews
    and the approvals policy (2), unresolved threads (1); the chosen teams when only teams may
    read it (1); unwritten required sections for whoever may submit a draft (2)."""

    postmortem: Postmortem
    access: Access
    people: People
    state: selectors_review.ReviewState
    unresolved: int
    teams: list
    missing_sections: list
    urls: dict
    people_panel: PeoplePanel | None = None  # inline when the bar answers a people change
    manage_open: bool = False

    @cached_property
    def reviewers(self) -> list[ReviewerRow]:
        return reviewer_rows(self.people, self.state, in_review=self.in_review)

    @property
    def status(self) -> str:
        return self.postmortem.status

    @property
    def in_review(self) -> bool:
        return self.status == PostmortemStatus.IN_REVIEW

    @property
    def approvals(self) -> int:
        return len(self.state.approvals)

    @property
    def pips(self) -> list[bool]:
        """One mark per required approval, filled for those given."""
        required = max(1, self.state.required)
        return [n < self.approvals for n in range(required)]

    @property
    def changes_requested(self) -> list[Review]:
        """This round's requests for changes, while the document is back with its writers."""
        if self.status != PostmortemStatus.DRAFT:
            return []
        return [r for r in self.state.reviews if r.decision == ReviewDecision.CHANGES_REQUESTED]

    @property
    def my_review(self) -> Review | None:
        return next((r for r in self.state.reviews if r.reviewer_id == self.access.user.pk), None)

    # Actions this member may take now.
    @property
    def can_submit(self) -> bool:
        return self.status == PostmortemStatus.DRAFT and self.access.may_submit

    @property
    def can_withdraw(self) -> bool:
        return self.in_review and self.access.may_withdraw

    @property
    def can_review(self) -> bool:
        return self.in_review and self.access.may_review

    @property
    def can_archive(self) -> bool:
        return self.status == PostmortemStatus.PUBLISHED and self.access.may_archive

    @property
    def can_unarchive(self) -> bool:
        return self.status == PostmortemStatus.ARCHIVED and self.access.may_archive

    @property
    def can_manage_people(self) -> bool:
        return self.access.may_manage_people

    @property
    def can_edit(self) -> bool:
        return self.access.can_edit

    # The submit checklist.
    @property
    def reviewers_problem(self) -> str:
        assigned = len(self.people.reviewers)
        required = self.state.required
        if assigned >= max(1, required):
            return ""
        if required <= 1:
            return "Assign a reviewer"
        return f"Assign at least {required} reviewers ({assigned} assigned)"

    @property
    def ready(self) -> bool:
        return not self.missing_sections and not self.reviewers_problem


def review_panel(request: HttpRequest, postmortem: Postmortem, **extra) -> ReviewPanel:
    people = extra.pop("people", None) or people_of(postmortem)
    access = access_with(request, postmortem, people)
    may_submit_now = postmortem.status == PostmortemStatus.DRAFT and access.may_submit
    return ReviewPanel(
        postmortem=postmortem,
        access=access,
        people=people,
        state=extra.pop("state", None) or selectors_review.review_state(postmortem),
        unresolved=selectors_review.unresolved_thread_count(postmortem),
        teams=selectors_review.postmortem_teams(postmortem)
        if postmortem.visibility == Visibility.TEAM
        else [],
        missing_sections=selectors_review.unfilled_required_sections(postmortem)
        if may_submit_now
        else [],
        urls=urls_for(postmortem),
        **extra,
    )


def review_panel_context(request, postmortem) -> dict:
    """Context for ``postmortems/review/_status_bar.html`` on the editor and the read view."""
    return {"review_panel": review_panel(request, postmortem)}


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


def name_of(user) -> str:
    return user.get_full_name() or user.get_username()


def names(users) -> str:
    listed = [name_of(u) for u in users]
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

    return _transition(
        request,
        postmortem,
        doing="submit",
        call=lambda: transitions.postmortem_submit(
            postmortem=postmortem, actor=request.user, reviewers=form.cleaned_data["reviewers"]
        ),
        message=message,
    )


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
@require_POST
def postmortem_archive(request: HttpRequest, postmortem: Postmortem) -> HttpResponse:
    return _transition(
        request,
        postmortem,
        doing="archive",
        call=lambda: transitions.postmortem_archive(postmortem=postmortem, actor=request.user),
        message=lambda r: f"{pm(r)} is archived. Unarchive it to publish it again.",
    )


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


def review_context(
    request: HttpRequest,
    postmortem: Postmortem,
    *,
    form: ReviewForm | None = None,
    problems: list[tuple[str, str]] = (),
    status: int = 200,
) -> dict:
    panel = review_panel(request, postmortem)
    access = panel.access
    since = (
        selectors_review.last_reviewed_revision(postmortem, request.user)
        if access.may_review and panel.in_review
        else None
    )
    latest = (
        selectors.revisions_of(postmortem).order_by("-number").first()
        if since is not None
        else None
    )
    document = selectors.postmortem_document(postmortem)
    incident = postmortem.incident
    history = list(
        Review.objects.filter(postmortem=postmortem)
        .exclude(decision=ReviewDecision.PENDING)
        .select_related("reviewer")
        .order_by("-round", "-decided_at", "-id")
    )
    mine = panel.my_review
    others_approved = sum(1 for r in panel.state.approvals if r.reviewer_id != request.user.pk)
    return {
        "postmortem": postmortem,
        "review_panel": panel,
        "access": access,
        "document": document,
        "incident": incident,
        "charts": [render_chart(series, incident=incident) for series in document.metrics],
        "since": since,
        "latest": latest,
        "diffs": selectors.revision_diff(since, latest) if since and latest else [],
        "since_round": next(
            (
                r.round
                for r in history
                if r.reviewer_id == request.user.pk and since and r.revision_id == since.pk
            ),
            None,
        ),
        "first_review": panel.can_review and since is None,
        "history": history,
        "my_review": mine,
        "decide": panel.can_review and not (mine and mine.decision == ReviewDecision.APPROVED),
        "approval_publishes": others_approved + 1 >= panel.state.required,
        "form": form or ReviewForm(),
        "problems": problems,
        "problem_title": TITLES.get(status, ""),
        "status": status,
        # The comments' own reader: threads in document order with section titles and
        # highlighted mentions (``selectors_review.comment_threads`` underneath).
        "comment_threads": views_comments.threads_of(postmortem, sections=document.sections),
        "comment_sections": document.sections,
        "can_comment": access.can_comment,
        "may_comment": access.may_comment,
        "can_edit": access.can_edit,
        "urls": panel.urls,
    }


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
    return people_changed(request, postmortem, done.format(name=name_of(user), pm=pm(postmortem)))


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
