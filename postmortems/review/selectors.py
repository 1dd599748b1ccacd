"""Reads of the review workflow: who is on a document, what blocks a submit or a publish, the
comment threads and the review state of the current round."""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, QuerySet

from actionitems.models import ActionItem
from organizations.selectors import policy_for
from postmortems.models import (
    Comment,
    Postmortem,
    PostmortemStatus,
    PostmortemTeam,
    PostmortemUserObjectPermission,
    Review,
    ReviewDecision,
    Revision,
    Section,
    SectionKind,
)
from postmortems.permissions import EDIT_PERMISSION, REVIEW_PERMISSION
from postmortems.placeholders import is_written
from postmortems.selectors import created_bodies


def users_with_permission(postmortem: Postmortem, codename: str) -> QuerySet:
    granted = PostmortemUserObjectPermission.objects.filter(
        content_object=postmortem, permission__codename=codename
    ).values("user")
    return (
        get_user_model()
        .objects.filter(pk__in=granted)
        .order_by("first_name", "last_name", "username")
    )


def invited_editors(postmortem: Postmortem) -> list:
    return list(users_with_permission(postmortem, EDIT_PERMISSION))


def assigned_reviewers(postmortem: Postmortem) -> list:
    return list(users_with_permission(postmortem, REVIEW_PERMISSION))


def postmortem_teams(postmortem: Postmortem) -> list:
    return [
        link.team
        for link in PostmortemTeam.objects.filter(postmortem=postmortem).select_related("team")
    ]


# --- What blocks a submit ------------------------------------------------------------------------


def _has_rows(data: dict, name: str, fields: tuple[str, ...]) -> bool:
    rows = data.get(name) if isinstance(data, dict) else None
    return isinstance(rows, list) and any(
        isinstance(row, dict) and any(str(row.get(f) or "").strip() for f in fields) for row in rows
    )


def section_is_filled(section: Section, created_body: str | None, postmortem: Postmortem) -> bool:
    """Written by someone: a body with more than the template's generated text and untouched
    placeholders (``placeholders.is_written``), or structured content (timeline rows, answered
    whys, factors, impact figures)."""
    if is_written(section.body, created_body):
        return True
    data = section.data or {}
    if section.kind == SectionKind.TIMELINE:
        return _has_rows(data, "rows", ("event",))
    if section.kind == SectionKind.FIVE_WHYS:
        return _has_rows(data, "whys", ("because",))
    if section.kind == SectionKind.CONTRIBUTING_FACTORS:
        return _has_rows(data, "factors", ("title", "description"))
    if section.kind == SectionKind.IMPACT:
        return any(
            getattr(postmortem, name) is not None
            for name in ("users_affected", "revenue_impact", "sla_breached", "support_tickets")
        )
    return False


def unfilled_required_sections(
    postmortem: Postmortem, document=None, with_items: set[str] | None = None
) -> list[Section]:
    """Required sections nobody has written yet. ``document`` (a ``PostmortemDocument``) and
    ``with_items`` (keys of sections listing action items) save reading them again where a
    page holds them already."""
    if document is not None:
        sections, created = document.sections, document.created_bodies
    else:
        sections, created = (
            Section.objects.filter(postmortem=postmortem),
            created_bodies(postmortem),
        )
    unfilled = [
        section
        for section in sections
        if section.required and not section_is_filled(section, created.get(section.key), postmortem)
    ]
    if any(s.kind == SectionKind.ACTION_ITEMS for s in unfilled):
        # An action-items section is written when it lists tracked items.
        if with_items is None:
            with_items = set(
                ActionItem.objects.filter(postmortem=postmortem).values_list(
                    "section_key", flat=True
                )
            )
        unfilled = [s for s in unfilled if s.key not in with_items]
    return unfilled


# --- Comments ------------------------------------------------------------------------------------


def unresolved_thread_count(postmortem: Postmortem) -> int:
    return Comment.objects.filter(
        postmortem=postmortem, parent__isnull=True, resolved_at__isnull=True
    ).count()


def unresolved_by_section(postmortem: Postmortem) -> dict[str, int]:
    rows = (
        Comment.objects.filter(postmortem=postmortem, parent__isnull=True, resolved_at__isnull=True)
        .values("section_key")
        .annotate(n=Count("id"))
    )
    return {row["section_key"]: row["n"] for row in rows}


def comment_threads(postmortem: Postmortem, section_key: str | None = None) -> list[Comment]:
    """Top-level comments with their replies and authors, oldest first."""
    threads = (
        Comment.objects.filter(postmortem=postmortem, parent__isnull=True)
        .select_related("author", "resolved_by")
        .prefetch_related(
            Prefetch(
                "replies",
                queryset=Comment.objects.filter(postmortem=postmortem)
                .select_related("author")
                .order_by("created_at", "id"),
            )
        )
    )
    if section_key is not None:
        threads = threads.filter(section_key=section_key)
    return list(threads)


# --- The current review round --------------------------------------------------------------------


@dataclass
class ReviewState:
    round: int
    required: int
    reviews: list[Review] = field(default_factory=list)  # this round's, with reviewers

    @property
    def approvals(self) -> list[Review]:
        return [r for r in self.reviews if r.decision == ReviewDecision.APPROVED]

    @property
    def pending(self) -> list[Review]:
        return [r for r in self.reviews if r.decision == ReviewDecision.PENDING]


def review_state(postmortem: Postmortem) -> ReviewState:
    reviews = (
        list(
            Review.objects.filter(postmortem=postmortem, round=postmortem.review_round)
            .select_related("reviewer")
            .order_by("id")
        )
        if postmortem.review_round
        else []
    )
    return ReviewState(
        round=postmortem.review_round, required=required_approvals(postmortem), reviews=reviews
    )


def required_approvals(postmortem: Postmortem) -> int:
    """The approvals that publish ``postmortem``: for a published (or archived) one the rule it
    was published under, for the others the organization's rule today."""
    published = postmortem.status in (PostmortemStatus.PUBLISHED, PostmortemStatus.ARCHIVED)
    if published and postmortem.published_with_approvals is not None:
        return postmortem.published_with_approvals
    return policy_for(postmortem.organization).required_approvals


def last_reviewed_revision(postmortem: Postmortem, reviewer) -> Revision | None:
    """The document as this reviewer last decided on it in an earlier round (what to diff
    the current submission against), or None on a first review."""
    review = (
        Review.objects.filter(
            postmortem=postmortem,
            reviewer=reviewer,
            round__lt=postmortem.review_round,
            revision__isnull=False,
        )
        .exclude(decision=ReviewDecision.PENDING)
        .select_related("revision")
        .order_by("-round")
        .first()
    )
    return review.revision if review else None
