"""Reads for organizations and memberships, the organization's calendar day and counters."""

import zoneinfo
from datetime import date

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django_scopes import scopes_disabled

from .models import Counter, Membership, Organization, PostmortemPolicy, Team, TeamMember
from .roles import MINIMUM_ROLE, ROLE_RANK, Action

User = get_user_model()

# Counters that one app bumps and others read are named here, so a reader need not import the
# writer: every action-item write bumps this version (``actionitems.tracker_cache``); the
# tracker's, the dashboard's and the analytics' cached numbers are keyed on it.
ACTION_ITEMS_VERSION = "action-items-version"


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


def members_with_role(organization: Organization, action: Action) -> QuerySet[Membership]:
    """Members whose role allows ``action`` (reviewers for reviewing, engineers for editing)."""
    minimum = ROLE_RANK[MINIMUM_ROLE[action]]
    roles = [role for role, rank in ROLE_RANK.items() if rank >= minimum]
    return Membership.objects.filter(organization=organization, role__in=roles).select_related(
        "user"
    )


def member_search(
    *, organization: Organization, query: str, action: Action | None = None, limit: int = 8
) -> list[Membership]:
    """Members whose username or name contains the words typed (and whose role allows
    ``action``, when given)."""
    memberships = (
        members_with_role(organization, action)
        if action is not None
        else Membership.objects.filter(organization=organization).select_related("user")
    )
    for word in query.split()[:3]:
        memberships = memberships.filter(
            Q(user__username__icontains=word)
            | Q(user__first_name__icontains=word)
            | Q(user__last_name__icontains=word)
        )
    return list(memberships.order_by("user__username")[:limit])


def counter_value(*, organization: Organization | int, name: str) -> int:
    """The current value of the organization's counter ``name`` (0 before its first bump)."""
    organization_id = getattr(organization, "pk", organization)
    with scopes_disabled():
        found = (
            Counter.objects.filter(organization_id=organization_id, name=name)
            .values_list("value", flat=True)
            .first()
        )
    return found or 0


def policy_for(organization: Organization) -> PostmortemPolicy:
    """The organization's policy; the default one (unsaved) until an admin changes it."""
    policy = PostmortemPolicy.objects.filter(organization=organization).first()
    if policy is None:
        policy = PostmortemPolicy(
            organization=organization, severities=list(PostmortemPolicy.DEFAULT_SEVERITIES)
        )
    return policy


def today_in(organization: Organization) -> date:
    """ "Today" as the organization's time zone says it."""
    zone = zoneinfo.ZoneInfo(organization.time_zone or "UTC")
    return timezone.localtime(timezone.now(), zone).date()
