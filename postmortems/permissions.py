"""Who may do what with a postmortem: the role on the membership plus object permissions.

DESIGN §3 is the specification. Roles come from the membership; per-document exceptions (an
invited editor, an assigned reviewer) are django-guardian object permissions on the postmortem,
read through guardian's checker, which ignores global permissions. Callers have already scoped
the postmortem to the request's organization.

Two kinds of refusal: a person who may never do an action on this postmortem is refused for
their rights (403); a person who may, but not in its current status, is refused by the
transition (409). ``Access`` answers the first; ``transitions`` the second.
"""

from dataclasses import dataclass
from functools import cached_property

from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Case, Exists, F, OuterRef, Q, Value, When
from django.http import HttpRequest
from guardian.core import ObjectPermissionChecker

from organizations.models import Membership, TeamMember
from organizations.roles import Action, Role, can, role_allows

from .models import (
    Postmortem,
    PostmortemStatus,
    PostmortemTeam,
    PostmortemUserObjectPermission,
    Visibility,
)

EDIT_PERMISSION = "change_postmortem"
REVIEW_PERMISSION = "review_postmortem"
OPEN_STATUSES = (PostmortemStatus.DRAFT, PostmortemStatus.IN_REVIEW)


@dataclass
class Access:
    """What one member may do with one postmortem."""

    user: object
    membership: object
    postmortem: Postmortem

    @cached_property
    def _granted(self) -> set[str]:
        if self.membership is None or not self.user.is_authenticated:
            return set()
        return set(ObjectPermissionChecker(self.user).get_perms(self.postmortem))

    # --- Who this person is to the document ---------------------------------------------------

    @property
    def is_member(self) -> bool:
        return self.membership is not None and can(self.membership, Action.VIEW)

    @property
    def is_admin(self) -> bool:
        return can(self.membership, Action.EDIT_PUBLISHED)

    @property
    def is_author(self) -> bool:
        return self.is_member and self.postmortem.author_id == self.user.pk

    @property
    def is_editor(self) -> bool:
        """An invited editor (viewers are never editors)."""
        return can(self.membership, Action.CREATE_POSTMORTEM) and EDIT_PERMISSION in self._granted

    @property
    def is_reviewer(self) -> bool:
        """An assigned reviewer whose role still allows reviewing."""
        return can(self.membership, Action.REVIEW_POSTMORTEM) and REVIEW_PERMISSION in self._granted

    # --- Rights -------------------------------------------------------------------------------

    @cached_property
    def can_read(self) -> bool:
        if not self.is_member:
            return False
        if self.is_admin or self.is_author or self.postmortem.visibility == Visibility.ORGANIZATION:
            return True
        if self._granted & {EDIT_PERMISSION, REVIEW_PERMISSION}:
            return True
        return self.postmortem.visibility == Visibility.TEAM and in_postmortem_team(
            self.user, self.postmortem
        )

    @property
    def can_edit(self) -> bool:
        """The table of DESIGN §3, for the postmortem's current status."""
        if not self.can_read:
            return False
        status = self.postmortem.status
        if self.is_admin:
            return True
        if status == PostmortemStatus.DRAFT:
            return self.is_author_with_role or self.is_editor
        if status == PostmortemStatus.IN_REVIEW:
            return self.is_author_with_role or self.is_editor or self.is_reviewer
        return False

    @property
    def is_author_with_role(self) -> bool:
        return self.is_author and can(self.membership, Action.CREATE_POSTMORTEM)

    @property
    def may_comment(self) -> bool:
        """Rights only: comments are taken while the postmortem is a draft or in review."""
        return self.can_read and (
            can(self.membership, Action.CREATE_POSTMORTEM) or self.is_editor or self.is_reviewer
        )

    @property
    def can_comment(self) -> bool:
        return self.may_comment and self.postmortem.status in OPEN_STATUSES

    @property
    def may_submit(self) -> bool:
        return self.can_read and (self.is_admin or self.is_author_with_role or self.is_editor)

    @property
    def may_withdraw(self) -> bool:
        return self.can_read and (self.is_admin or self.is_author_with_role)

    @property
    def may_review(self) -> bool:
        """An assigned reviewer other than the author."""
        return self.can_read and self.is_reviewer and not self.is_author

    @property
    def may_archive(self) -> bool:
        return self.can_read and can(self.membership, Action.ARCHIVE_POSTMORTEM)

    @property
    def may_manage_people(self) -> bool:
        """Invite editors, assign reviewers, set visibility: whoever may submit it."""
        return self.may_submit


def access(user, membership, postmortem: Postmortem) -> Access:
    return Access(user=user, membership=membership, postmortem=postmortem)


def may_edit(user, membership, postmortem: Postmortem) -> bool:
    return access(user, membership, postmortem).can_edit


def in_postmortem_team(user, postmortem: Postmortem) -> bool:
    return PostmortemTeam.objects.filter(
        postmortem=postmortem,
        team__in=TeamMember.objects.filter(user=user).values("team"),
    ).exists()


def visible_q(membership) -> Q:
    """The postmortems this member may read, as a filter (mirrors ``Access.can_read``)."""
    if membership is None or not can(membership, Action.VIEW):
        return Q(pk__in=[])
    if can(membership, Action.EDIT_PUBLISHED):
        return Q()
    user_id = membership.user_id
    granted = PostmortemUserObjectPermission.objects.filter(
        user_id=user_id, permission__codename__in=[EDIT_PERMISSION, REVIEW_PERMISSION]
    ).values("content_object")
    team_postmortems = PostmortemTeam.objects.filter(
        team__in=TeamMember.objects.filter(user_id=user_id).values("team")
    ).values("postmortem")
    return (
        Q(visibility=Visibility.ORGANIZATION)
        | Q(author_id=user_id)
        | Q(pk__in=granted)
        | Q(visibility=Visibility.TEAM, pk__in=team_postmortems)
    )


def may_read(membership) -> Case | Value:
    """``visible_q`` as a column: whether this member may read each row, read in the query
    that fetches the rows rather than by a second one."""
    condition = visible_q(membership)
    if not condition:  # Q(): every postmortem
        return Value(True)
    return Case(
        When(condition, then=Value(True)), default=Value(False), output_field=BooleanField()
    )


def readable_by_q(*, user: str, postmortem: str) -> Q:
    """``visible_q`` written row by row: rows whose ``user`` field may read the postmortem at
    ``postmortem`` (for instance action items whose owner may read theirs), in one query for
    many users. Kept beside ``visible_q`` so the two rules change together."""
    admin_roles = [role for role in Role.values if role_allows(role, Action.EDIT_PUBLISHED)]
    return (
        Q(**{f"{postmortem}__visibility": Visibility.ORGANIZATION})
        | Q(**{f"{postmortem}__author_id": F(f"{user}_id")})
        | Exists(
            Membership.objects.filter(
                organization=OuterRef("organization"), user=OuterRef(user), role__in=admin_roles
            )
        )
        | Exists(
            PostmortemUserObjectPermission.objects.filter(
                user=OuterRef(user),
                content_object=OuterRef(postmortem),
                permission__codename__in=[EDIT_PERMISSION, REVIEW_PERMISSION],
            )
        )
        | Q(**{f"{postmortem}__visibility": Visibility.TEAM})
        & Exists(
            PostmortemTeam.objects.filter(
                postmortem=OuterRef(postmortem), team__team_members__user=OuterRef(user)
            )
        )
    )


READ_ONLY_MESSAGE = "You may read this postmortem, but not edit it."


def ensure_may_edit(request: HttpRequest, postmortem: Postmortem) -> None:
    """Refuse (403) a request of someone who may read the postmortem but not edit it."""
    if not may_edit(request.user, request.membership, postmortem):
        raise PermissionDenied(READ_ONLY_MESSAGE)
