"""Reads for the members, invitations and teams administration pages."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.timesince import timesince
from django_scopes import scopes_disabled

from . import hooks
from .models import ApiToken, Invitation, Membership, Organization, Team, TeamMember
from .roles import ROLE_RANK, Role
from .validators import is_possible_username

User = get_user_model()


# --- Time as people say it -----------------------------------------------------------------------


def ago(moment: datetime | None, *, never: str = "never") -> str:
    """ "3 days ago", "just now", or ``never``."""
    if moment is None:
        return never
    if timezone.now() - moment < timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment, depth=1)} ago"


def within(moment: datetime) -> str:
    """ "in 7 days", "in 5 hours", or "expired 2 days ago"."""
    left = moment - timezone.now()
    if left <= timedelta(0):
        return f"expired {timesince(moment, depth=1)} ago"
    return f"in {_rounded(left)}"


def _rounded(span: timedelta) -> str:
    """A span to the nearest day, hour or minute: a 7-day link just sent has 7 days left."""
    seconds = span.total_seconds()
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = round(seconds / size)
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return "less than a minute"


# --- Members -------------------------------------------------------------------------------------


def _role_rank() -> Case:
    return Case(
        *(When(role=role, then=Value(rank)) for role, rank in ROLE_RANK.items()),
        output_field=IntegerField(),
    )


def member_search_queryset(*, organization: Organization, query: str = "") -> QuerySet[Membership]:
    """Members matching every word of ``query`` (name, username or email), highest role first,
    with the user and their teams here loaded (a fixed number of queries for any page)."""
    memberships = Membership.objects.filter(organization=organization)
    for word in query.split()[:4]:
        memberships = memberships.filter(
            Q(user__username__icontains=word)
            | Q(user__first_name__icontains=word)
            | Q(user__last_name__icontains=word)
            | Q(user__email__icontains=word)
        )
    return (
        memberships.select_related("user")
        .prefetch_related(
            Prefetch(
                "user__team_memberships",
                queryset=TeamMember.objects.filter(organization=organization)
                .select_related("team")
                .order_by("team__name"),
                to_attr="teams_here",
            )
        )
        .annotate(rank=_role_rank())
        .order_by("-rank", "user__username")
    )


def member_by_username(*, organization: Organization, username: str) -> Membership | None:
    """The organization's membership of the user with this username (None if not a member,
    or if ``username`` could name nobody, such as text holding a NUL byte)."""
    if not is_possible_username(username):
        return None
    return (
        Membership.objects.filter(organization=organization, user__username=username)
        .select_related("user", "organization")
        .first()
    )


def admin_count(*, organization: Organization) -> int:
    return Membership.objects.filter(organization=organization, role=Role.ADMIN).count()


def member_with_email_exists(*, organization: Organization, email: str) -> bool:
    return Membership.objects.filter(
        organization=organization, user__email__iexact=email.strip()
    ).exists()


# Asked by ``removal_summary`` with ``organization`` and ``user``: each app above answers how
# many of its documents the member holds per-document rights on (postmortems).
MEMBER_RIGHTS_COUNT = "organizations.member_rights_count"
# Asked by ``team_postmortem_count`` with ``team``: how many documents are shared with it.
TEAM_SHARES_COUNT = "organizations.team_shares_count"


@dataclass(frozen=True)
class RemovalSummary:
    """What removing a member takes away with them."""

    postmortems: int
    teams: int
    tokens: int

    @property
    def anything(self) -> bool:
        return bool(self.postmortems or self.teams or self.tokens)


def removal_summary(*, membership: Membership) -> RemovalSummary:
    """Count the member's per-document rights, teams and API tokens in this organization."""
    organization, user = membership.organization, membership.user
    return RemovalSummary(
        postmortems=sum(hooks.answers(MEMBER_RIGHTS_COUNT, organization=organization, user=user)),
        teams=TeamMember.objects.filter(organization=organization, user=user).count(),
        tokens=ApiToken.objects.filter(organization=organization, user=user).count(),
    )


# --- Invitations ---------------------------------------------------------------------------------


class InvitationState:
    PENDING = "pending"
    ACCEPTED = "accepted"
    REVOKED = "revoked"
    EXPIRED = "expired"


def invitation_state(invitation: Invitation) -> str:
    if invitation.accepted_at is not None:
        return InvitationState.ACCEPTED
    if invitation.revoked_at is not None:
        return InvitationState.REVOKED
    if invitation.expires_at <= timezone.now():
        return InvitationState.EXPIRED
    return InvitationState.PENDING


def outstanding_invitations(*, organization: Organization, limit: int = 200) -> list[Invitation]:
    """Invitations neither accepted nor revoked (expired ones included, to be resent), newest
    first."""
    return list(
        Invitation.objects.filter(
            organization=organization, accepted_at__isnull=True, revoked_at__isnull=True
        ).select_related("invited_by")[:limit]
    )


def invitation_by_id(*, organization: Organization, invitation_id: int) -> Invitation | None:
    return (
        Invitation.objects.filter(organization=organization, pk=invitation_id)
        .select_related("invited_by", "organization")
        .first()
    )


def invitation_by_token(token: str) -> Invitation | None:
    """The invitation this plain token opens, in whatever organization (the token names it)."""
    from .services import hash_token

    if not token or len(token) > 200:
        return None
    with scopes_disabled():
        return (
            Invitation.objects.filter(token_hash=hash_token(token))
            .select_related("organization", "invited_by")
            .first()
        )


def user_with_email_exists(email: str) -> bool:
    return User.objects.filter(email__iexact=email).exists()


# --- Teams ---------------------------------------------------------------------------------------


def teams_with_members(*, organization: Organization) -> list[Team]:
    """Every team with its member count and members (for avatars), in three queries."""
    return list(
        Team.objects.filter(organization=organization)
        .annotate(member_count=Count("team_members"))
        .prefetch_related(
            Prefetch(
                "team_members",
                queryset=TeamMember.objects.filter(organization=organization)
                .select_related("user")
                .order_by("user__username"),
                to_attr="members_here",
            )
        )
        .order_by("name")
    )


def team_by_id(*, organization: Organization, team_id: int) -> Team | None:
    return Team.objects.filter(organization=organization, pk=team_id).first()


def team_members(*, team: Team) -> list[TeamMember]:
    """The team's members, with their role here, by username."""
    members = list(
        TeamMember.objects.filter(organization=team.organization_id, team=team)
        .select_related("user")
        .order_by("user__username")
    )
    roles = dict(
        Membership.objects.filter(
            organization=team.organization_id, user__in=[m.user_id for m in members]
        ).values_list("user_id", "role")
    )
    for member in members:
        member.role_here = roles.get(member.user_id)
        member.role_label = Role(member.role_here).label if member.role_here else ""
    return members


def team_candidates(*, team: Team) -> list[Membership]:
    """Members of the organization who are not on the team yet."""
    return list(
        Membership.objects.filter(organization=team.organization_id)
        .exclude(user__team_memberships__team=team)
        .select_related("user")
        .order_by("user__username")
    )


def team_postmortem_count(*, team: Team) -> int:
    """Postmortems shared with the team (they lose that reader when the team goes)."""
    return sum(hooks.answers(TEAM_SHARES_COUNT, team=team))
