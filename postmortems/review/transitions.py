"""The postmortem lifecycle (DESIGN §3): every status change, and only here.

    DRAFT --submit--> IN_REVIEW --approve (last required)--> PUBLISHED --archive--> ARCHIVED
      ^                  |  |                                    ^                    |
      +--request changes-+  +--withdraw (author)                 +-----unarchive------+

Each transition runs in one transaction with the postmortem's row locked, re-reads the status
and the actor's rights (their membership is read again, so a role changed a moment ago counts),
writes an entry into the document's history, and queues notifications after commit.

Refusals: ``PermissionDenied`` when the actor may never do this to this postmortem (403),
``TransitionError`` when the status does not allow it now (409), ``ValidationError`` naming
what is missing or wrong (400).
"""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from organizations import hooks
from organizations.models import NotificationKind
from organizations.notifications import notify
from organizations.people import display_name
from organizations.selectors import membership_in, policy_for
from postmortems.models import Postmortem, PostmortemStatus, Review, ReviewDecision
from postmortems.permissions import Access
from postmortems.review import selectors as selectors_review
from postmortems.review.people import reviewers_validate, set_reviewers
from postmortems.services import history_note
from postmortems.webhook_messages import postmortem_published_queue

# Fired by ``_publish`` with ``postmortem`` and ``actor``: the apps above act on a publication
# (tickets for its action items, when the organization asks for them).
POSTMORTEM_PUBLISHED = "postmortems.published"
STATUS_WORDS = {
    PostmortemStatus.DRAFT: "a draft",
    PostmortemStatus.IN_REVIEW: "in review",
    PostmortemStatus.PUBLISHED: "published",
    PostmortemStatus.ARCHIVED: "archived",
}


class TransitionError(Exception):
    """The postmortem's current status does not allow this transition (HTTP 409)."""


@dataclass(frozen=True)
class Move:
    """What a transition asks before it changes anything, and what each refusal says."""

    right: str  # the ``Access`` property the actor needs (else 403 with ``refusal``)
    refusal: str
    start: PostmortemStatus  # the status it leaves (else 409)
    doing: str  # completes "only a postmortem <start> can be …"


SUBMIT = Move(
    "may_submit",
    "Only the author, invited editors and admins submit a postmortem.",
    PostmortemStatus.DRAFT,
    "submitted for review",
)
WITHDRAW = Move(
    "may_withdraw",
    "Only the author or an admin withdraws a postmortem from review.",
    PostmortemStatus.IN_REVIEW,
    "withdrawn from review",
)
APPROVE = Move(
    "may_review",
    "Only an assigned reviewer other than the author approves.",
    PostmortemStatus.IN_REVIEW,
    "approved",
)
REQUEST_CHANGES = Move(
    "may_review",
    "Only an assigned reviewer other than the author requests changes.",
    PostmortemStatus.IN_REVIEW,
    "sent back with changes requested",
)
ARCHIVE = Move(
    "may_archive", "Only admins archive a postmortem.", PostmortemStatus.PUBLISHED, "archived"
)
UNARCHIVE = Move(
    "may_archive", "Only admins unarchive a postmortem.", PostmortemStatus.ARCHIVED, "unarchived"
)


def _begin(postmortem: Postmortem, actor: AbstractBaseUser, move: Move) -> Postmortem:
    """The preamble of every transition: lock the row, read the actor's rights again, check
    them (403), then the status (409); answer the locked postmortem."""
    access = _locked_access(postmortem, actor)
    check(move, access.postmortem, access)
    return access.postmortem


def check(move: Move, postmortem: Postmortem, access: Access) -> None:
    """Raise why ``access``'s member may not make ``move`` on ``postmortem`` now."""
    if not getattr(access, move.right):
        raise PermissionDenied(move.refusal)
    if postmortem.status != move.start:
        raise TransitionError(
            f"PM-{postmortem.number} is {STATUS_WORDS[postmortem.status]}; "
            f"only a postmortem {STATUS_WORDS[move.start]} can be {move.doing}."
        )


def _locked_access(postmortem: Postmortem, actor: AbstractBaseUser) -> Access:
    locked = (
        Postmortem.objects.select_for_update(of=("self",))
        .filter(pk=postmortem.pk)
        .select_related("organization", "author")
        .get()
    )
    membership = membership_in(locked.organization, actor)
    return Access(user=actor, membership=membership, postmortem=locked)


def _page(postmortem: Postmortem, name: str = "postmortem_detail") -> str:
    return reverse(
        name, kwargs={"org_slug": postmortem.organization.slug, "number": postmortem.number}
    )


def _carry(target: Postmortem, source: Postmortem) -> Postmortem:
    """Copy the transition's result onto the caller's instance (its relations stay loaded)."""
    for name in ("status", "review_round", "submitted_at", "published_at", "archived_at"):
        setattr(target, name, getattr(source, name))
    return target


def _save_status(postmortem: Postmortem, *fields: str) -> None:
    postmortem.save(update_fields=["status", *fields, "updated_at"])


# --- Submit and withdraw -------------------------------------------------------------------------


@transaction.atomic
def postmortem_submit(
    *,
    postmortem: Postmortem,
    actor: AbstractBaseUser,
    reviewers: list[AbstractBaseUser] | None = None,
) -> Postmortem:
    """Open a review round. ``reviewers``, when given, replace the assigned ones."""
    locked = _begin(postmortem, actor, SUBMIT)
    if reviewers is not None:
        reviewers_validate(locked, reviewers)
        set_reviewers(locked, reviewers)
    _check_ready(locked)
    locked.status = PostmortemStatus.IN_REVIEW
    locked.review_round += 1
    locked.submitted_at = timezone.now()
    _save_status(locked, "review_round", "submitted_at")
    revision = history_note(
        postmortem=locked,
        actor=actor,
        summary=f"Submitted for review (round {locked.review_round})",
    )
    assigned = selectors_review.assigned_reviewers(locked)
    Review.objects.bulk_create(
        Review(
            organization=locked.organization,
            postmortem=locked,
            reviewer=user,
            round=locked.review_round,
            revision=revision,
        )
        for user in assigned
    )
    notify(
        organization=locked.organization,
        kind=NotificationKind.REVIEW_REQUESTED,
        recipients=assigned,
        actor=actor,
        title=f"Review requested: PM-{locked.number} {locked.title}",
        url=_page(locked, "postmortem_review"),
    )
    return _carry(postmortem, locked)


def _check_ready(postmortem: Postmortem) -> None:
    """Every required section written and enough reviewers assigned, or name what is missing."""
    problems = {}
    unfilled = selectors_review.unfilled_required_sections(postmortem)
    if unfilled:
        titles = ", ".join(f"“{s.title}”" for s in unfilled)
        problems["sections"] = f"Fill in the required sections first: {titles}."
    required = policy_for(postmortem.organization).required_approvals
    assigned = len(selectors_review.assigned_reviewers(postmortem))
    if assigned < max(1, required):
        problems["reviewers"] = (
            "Assign a reviewer before submitting."
            if required <= 1
            else f"Assign at least {required} reviewers: this organization publishes after "
            f"{required} approvals ({assigned} assigned)."
        )
    if problems:
        raise ValidationError(problems)


@transaction.atomic
def postmortem_withdraw(*, postmortem: Postmortem, actor: AbstractBaseUser) -> Postmortem:
    """The author takes a postmortem in review back to draft (the round ends undecided)."""
    locked = _begin(postmortem, actor, WITHDRAW)
    locked.status = PostmortemStatus.DRAFT
    _save_status(locked)
    history_note(postmortem=locked, actor=actor, summary="Withdrawn from review")
    return _carry(postmortem, locked)


# --- Reviews -------------------------------------------------------------------------------------


def _this_round_review(postmortem: Postmortem, reviewer: AbstractBaseUser) -> Review:
    review, _ = Review.objects.get_or_create(
        organization=postmortem.organization,
        postmortem=postmortem,
        reviewer=reviewer,
        round=postmortem.review_round,
    )
    return review


def _decide(review: Review, decision: ReviewDecision, comment: str) -> None:
    review.decision = decision
    review.comment = comment.strip()
    review.decided_at = timezone.now()
    review.save(update_fields=["decision", "comment", "decided_at"])


@transaction.atomic
def postmortem_approve(
    *, postmortem: Postmortem, actor: AbstractBaseUser, comment: str = ""
) -> Postmortem:
    """Approve the current round; the approval that reaches the required count publishes."""
    locked = _begin(postmortem, actor, APPROVE)
    review = _this_round_review(locked, actor)
    if review.decision == ReviewDecision.APPROVED:
        return _carry(postmortem, locked)  # a second click: already done
    required = policy_for(locked.organization).required_approvals
    approvals = (
        1
        + Review.objects.filter(
            postmortem=locked, round=locked.review_round, decision=ReviewDecision.APPROVED
        )
        .exclude(pk=review.pk)
        .count()
    )
    publishes = approvals >= required
    unresolved = selectors_review.unresolved_thread_count(locked)
    if publishes and unresolved:
        raise TransitionError(
            f"{unresolved} comment thread{'s' if unresolved != 1 else ''} "
            f"{'are' if unresolved != 1 else 'is'} still unresolved; resolve "
            f"{'them' if unresolved != 1 else 'it'} before the approval that publishes."
        )
    _decide(review, ReviewDecision.APPROVED, comment)
    history_note(
        postmortem=locked,
        actor=actor,
        summary=f"Approved (round {locked.review_round}, {approvals} of {required})",
    )
    if publishes:
        _publish(locked, actor, required=required)
    else:
        notify(
            organization=locked.organization,
            kind=NotificationKind.APPROVED,
            recipients=[locked.author],
            actor=actor,
            title=f"{display_name(actor)} approved PM-{locked.number} ({approvals} of {required})",
            body=comment.strip(),
            url=_page(locked),
        )
    return _carry(postmortem, locked)


def _publish(postmortem: Postmortem, actor: AbstractBaseUser, *, required: int) -> None:
    """Publish, recording the approval rule in force (``required``) with it."""
    postmortem.status = PostmortemStatus.PUBLISHED
    postmortem.published_at = timezone.now()
    postmortem.published_with_approvals = required
    _save_status(postmortem, "published_at", "published_with_approvals")
    history_note(postmortem=postmortem, actor=actor, summary="Published")
    notify(
        organization=postmortem.organization,
        kind=NotificationKind.PUBLISHED,
        recipients=[
            postmortem.author,
            *selectors_review.invited_editors(postmortem),
            *selectors_review.assigned_reviewers(postmortem),
        ],
        actor=actor,
        title=f"Published: PM-{postmortem.number} {postmortem.title}",
        url=_page(postmortem),
    )
    postmortem_published_queue(postmortem)  # the chat webhook, after commit
    hooks.run(POSTMORTEM_PUBLISHED, postmortem=postmortem, actor=actor)


@transaction.atomic
def postmortem_request_changes(
    *, postmortem: Postmortem, actor: AbstractBaseUser, comment: str
) -> Postmortem:
    """Send the postmortem back to draft with what should change; the next submit opens a
    new round, in which earlier approvals no longer count."""
    locked = _begin(postmortem, actor, REQUEST_CHANGES)
    if not comment.strip():
        raise ValidationError({"comment": "Say what should change: the author will read it."})
    _decide(_this_round_review(locked, actor), ReviewDecision.CHANGES_REQUESTED, comment)
    locked.status = PostmortemStatus.DRAFT
    _save_status(locked)
    history_note(
        postmortem=locked,
        actor=actor,
        summary=f"Changes requested (round {locked.review_round})",
    )
    notify(
        organization=locked.organization,
        kind=NotificationKind.CHANGES_REQUESTED,
        recipients=[locked.author, *selectors_review.invited_editors(locked)],
        actor=actor,
        title=f"{display_name(actor)} requested changes to PM-{locked.number}",
        body=comment.strip(),
        url=_page(locked, "postmortem_edit"),
    )
    return _carry(postmortem, locked)


# --- Archive -------------------------------------------------------------------------------------


@transaction.atomic
def postmortem_archive(*, postmortem: Postmortem, actor: AbstractBaseUser) -> Postmortem:
    locked = _begin(postmortem, actor, ARCHIVE)
    locked.status = PostmortemStatus.ARCHIVED
    locked.archived_at = timezone.now()
    _save_status(locked, "archived_at")
    history_note(postmortem=locked, actor=actor, summary="Archived")
    return _carry(postmortem, locked)


@transaction.atomic
def postmortem_unarchive(*, postmortem: Postmortem, actor: AbstractBaseUser) -> Postmortem:
    locked = _begin(postmortem, actor, UNARCHIVE)
    locked.status = PostmortemStatus.PUBLISHED
    locked.archived_at = None
    _save_status(locked, "archived_at")
    history_note(postmortem=locked, actor=actor, summary="Unarchived")
    return _carry(postmortem, locked)
