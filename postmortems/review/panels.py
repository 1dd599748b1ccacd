"""The review panels' read model: who is on a document, the status bar on the editor and the
read view, and the people panel. Built in a few queries whatever the number of people."""

from dataclasses import dataclass, field
from functools import cached_property

from django.http import HttpRequest
from django.urls import reverse

from organizations.models import Team
from postmortems.models import (
    Postmortem,
    PostmortemStatus,
    PostmortemUserObjectPermission,
    Review,
    ReviewDecision,
    Visibility,
)
from postmortems.permissions import EDIT_PERMISSION, OPEN_STATUSES, REVIEW_PERMISSION, Access
from postmortems.review import selectors as selectors_review

BAR_ID = "rv-bar"  # the status bar's element id: htmx answers addressed to it get the bar back
PANEL_ID = "rv-people"  # the people panel's, on the people page
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
    granted to users (``review.people``), never to groups, so the two agree."""

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


def review_panel(
    request: HttpRequest,
    postmortem: Postmortem,
    *,
    unresolved: int | None = None,
    document=None,
    with_items: set[str] | None = None,
    **extra,
) -> ReviewPanel:
    """``unresolved`` (the count of open threads) and ``document`` (its sections and generated
    text) save queries where the page has read them already."""
    people = extra.pop("people", None) or people_of(postmortem)
    access = access_with(request, postmortem, people)
    may_submit_now = postmortem.status == PostmortemStatus.DRAFT and access.may_submit
    return ReviewPanel(
        postmortem=postmortem,
        access=access,
        people=people,
        state=extra.pop("state", None) or selectors_review.review_state(postmortem),
        unresolved=selectors_review.unresolved_thread_count(postmortem)
        if unresolved is None
        else unresolved,
        teams=selectors_review.postmortem_teams(postmortem)
        if postmortem.visibility == Visibility.TEAM
        else [],
        missing_sections=selectors_review.unfilled_required_sections(
            postmortem, document, with_items
        )
        if may_submit_now
        else [],
        urls=urls_for(postmortem),
        **extra,
    )


def review_panel_context(request, postmortem, **known) -> dict:
    """Context for ``postmortems/review/_status_bar.html`` on the editor and the read view."""
    return {"review_panel": review_panel(request, postmortem, **known)}
