"""Reads for organizations and memberships."""

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, QuerySet
from django_scopes import scopes_disabled

from .models import Membership, Organization, Team, TeamMember
from .roles import ROLE_RANK

User = get_user_model()


def memberships_for_user(user) -> list[Membership]:
    """Every organization the user belongs to. Crosses tenants on purpose: it is the user's own."""
    if not user.is_authenticated:
        return []
    with scopes_disabled():
        return list(
            Membership.objects.filter(user=user)
            .select_related("organization")
            .order_by("organization__name")
        )


def membership_for(user, org_slug: str) -> Membership | None:
    """The user's membership in the organization with this slug, or None (member or not, existing
    or not: the caller answers the same 404)."""
    if not user.is_authenticated:
        return None
    with scopes_disabled():
        return (
            Membership.objects.filter(user=user, organization__slug=org_slug)
            .select_related("organization", "user")
            .first()
        )


def membership_in(organization: Organization, user) -> Membership | None:
    """The user's membership in this organization (read afresh: writes re-check rights)."""
    if user is None:
        return None
    return Membership.objects.filter(organization=organization, user=user).first()


def member_list(*, organization: Organization) -> list[Membership]:
    """Members of the organization, highest role first, with their teams prefetched."""
    memberships = list(
        Membership.objects.filter(organization=organization)
        .select_related("user")
        .prefetch_related(
            Prefetch(
                "user__team_memberships",
                queryset=TeamMember.objects.filter(organization=organization).select_related(
                    "team"
                ),
                to_attr="teams_here",
            )
        )
    )
    memberships.sort(key=lambda m: (-ROLE_RANK[m.role], m.user.username))
    return memberships


def team_list(*, organization: Organization) -> QuerySet[Team]:
    return Team.objects.filter(organization=organization).annotate(
        member_count=Count("team_members")
    )


def slug_is_taken(slug: str) -> bool:
    return Organization.objects.filter(slug=slug).exists()
