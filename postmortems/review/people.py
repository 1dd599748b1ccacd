"""The people on a document: invited editors and assigned reviewers (django-guardian object
permissions on top of roles), and who may read it (visibility and teams).

Whoever may submit the postmortem (its author, invited editors, admins) manages its people while
it is a draft or in review. Only members of the organization are accepted: editors need a role
that writes postmortems, reviewers one that reviews them, and an author never reviews their own.
"""

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from guardian.shortcuts import assign_perm, remove_perm

from organizations import hooks
from organizations.models import Membership, NotificationKind, Team
from organizations.notifications import notify
from organizations.people import display_name
from organizations.roles import Action, can
from organizations.selectors import membership_in
from postmortems.models import Postmortem, PostmortemStatus, PostmortemTeam, Review, Visibility
from postmortems.permissions import EDIT_PERMISSION, OPEN_STATUSES, REVIEW_PERMISSION, Access
from postmortems.review import selectors as selectors_review


class PeopleLocked(Exception):
    """A published or archived postmortem's people are fixed (HTTP 409)."""


def _managing(postmortem: Postmortem, actor: AbstractBaseUser) -> Postmortem:
    """Lock the postmortem and check the actor may manage its people now."""
    locked = (
        Postmortem.objects.select_for_update(of=("self",))
        .filter(pk=postmortem.pk)
        .select_related("organization")
        .get()
    )
    membership = membership_in(locked.organization, actor)
    if not Access(user=actor, membership=membership, postmortem=locked).may_manage_people:
        raise PermissionDenied("Only the author, invited editors and admins manage the people.")
    if locked.status not in OPEN_STATUSES:
        raise PeopleLocked(
            f"PM-{locked.number} is {locked.get_status_display().lower()}: "
            "its editors and reviewers no longer change."
        )
    return locked


def _membership_of(postmortem: Postmortem, user: AbstractBaseUser | None, field: str) -> Membership:
    membership = membership_in(postmortem.organization, user)
    if membership is None:
        raise ValidationError({field: "Choose a member of this organization."})
    return membership


# --- Editors -------------------------------------------------------------------------------------


@transaction.atomic
def editor_invite(
    *, postmortem: Postmortem, actor: AbstractBaseUser, user: AbstractBaseUser | None
) -> None:
    locked = _managing(postmortem, actor)
    membership = _membership_of(locked, user, "editor")
    if not can(membership, Action.CREATE_POSTMORTEM):
        raise ValidationError(
            {"editor": f"{display_name(user)} is a viewer here; viewers read but do not edit."}
        )
    if user.pk == locked.author_id:
        raise ValidationError({"editor": f"{display_name(user)} is the author already."})
    assign_perm(EDIT_PERMISSION, user, locked)


@transaction.atomic
def editor_remove(
    *, postmortem: Postmortem, actor: AbstractBaseUser, user: AbstractBaseUser
) -> None:
    locked = _managing(postmortem, actor)
    remove_perm(EDIT_PERMISSION, user, locked)


# --- Reviewers -----------------------------------------------------------------------------------


def reviewers_validate(postmortem: Postmortem, users: Iterable[AbstractBaseUser | None]) -> None:
    for user in users:
        membership = _membership_of(postmortem, user, "reviewers")
        if user.pk == postmortem.author_id:
            raise ValidationError({"reviewers": "An author never reviews their own postmortem."})
        if not can(membership, Action.REVIEW_POSTMORTEM):
            raise ValidationError(
                {
                    "reviewers": f"{display_name(user)} cannot review: their role here is "
                    f"{membership.get_role_display().lower()}; reviewers, managers and admins "
                    "review."
                }
            )


def set_reviewers(postmortem: Postmortem, users: Iterable[AbstractBaseUser]) -> None:
    """Make ``users`` the assigned reviewers (validated by the caller, row locked)."""
    wanted = {user.pk: user for user in users}
    current = {user.pk: user for user in selectors_review.assigned_reviewers(postmortem)}
    for pk, user in current.items():
        if pk not in wanted:
            _unassign(postmortem, user)
    for pk, user in wanted.items():
        if pk not in current:
            assign_perm(REVIEW_PERMISSION, user, postmortem)


@transaction.atomic
def reviewer_assign(
    *, postmortem: Postmortem, actor: AbstractBaseUser, user: AbstractBaseUser | None
) -> None:
    """Assign a reviewer; during a review the round gains their pending review and they are
    asked for it at once."""
    locked = _managing(postmortem, actor)
    reviewers_validate(locked, [user])
    assign_perm(REVIEW_PERMISSION, user, locked)
    if locked.status != PostmortemStatus.IN_REVIEW:
        return
    Review.objects.get_or_create(
        organization=locked.organization,
        postmortem=locked,
        reviewer=user,
        round=locked.review_round,
    )
    notify(
        organization=locked.organization,
        kind=NotificationKind.REVIEW_REQUESTED,
        recipients=[user],
        actor=actor,
        title=f"Review requested: PM-{locked.number} {locked.title}",
        url=reverse(
            "postmortem_review",
            kwargs={"org_slug": locked.organization.slug, "number": locked.number},
        ),
    )


@transaction.atomic
def reviewer_unassign(
    *, postmortem: Postmortem, actor: AbstractBaseUser, user: AbstractBaseUser
) -> None:
    locked = _managing(postmortem, actor)
    _unassign(locked, user)


def _unassign(postmortem: Postmortem, user: AbstractBaseUser) -> None:
    remove_perm(REVIEW_PERMISSION, user, postmortem)
    Review.objects.filter(
        postmortem=postmortem, reviewer=user, round=postmortem.review_round, decision="PENDING"
    ).delete()


# --- Visibility ----------------------------------------------------------------------------------


# Fired by ``visibility_set`` with ``organization`` (its id): who may read the postmortem, and
# so who sees its action items, changed; the action items app makes its cached tracker counts
# obsolete.
VISIBILITY_CHANGED = "postmortems.visibility_changed"


@transaction.atomic
def visibility_set(
    *,
    postmortem: Postmortem,
    actor: AbstractBaseUser,
    visibility: str,
    teams: Iterable[Team] = (),
) -> None:
    """PRIVATE: author, editors, reviewers and admins. TEAM: those and the chosen teams'
    members. ORGANIZATION: every member."""
    locked = (
        Postmortem.objects.select_for_update(of=("self",))
        .filter(pk=postmortem.pk)
        .select_related("organization")
        .get()
    )
    membership = membership_in(locked.organization, actor)
    if not Access(user=actor, membership=membership, postmortem=locked).may_manage_people:
        raise PermissionDenied("Only the author, invited editors and admins set who may read it.")
    if visibility not in Visibility.values:
        raise ValidationError({"visibility": "Choose private, team or organization."})
    teams = list(teams)
    if any(team.organization_id != locked.organization_id for team in teams):
        raise ValidationError({"teams": "Choose teams of this organization."})
    if visibility == Visibility.TEAM and not teams:
        raise ValidationError({"teams": "Choose at least one team that may read it."})
    Postmortem.objects.filter(pk=locked.pk).update(visibility=visibility)
    postmortem.visibility = visibility
    PostmortemTeam.objects.filter(postmortem=locked).exclude(team__in=teams).delete()
    for team in teams if visibility == Visibility.TEAM else []:
        PostmortemTeam.objects.get_or_create(
            organization=locked.organization, postmortem=locked, team=team
        )
    if visibility != Visibility.TEAM:
        PostmortemTeam.objects.filter(postmortem=locked).delete()
    hooks.run(VISIBILITY_CHANGED, organization=locked.organization_id)
