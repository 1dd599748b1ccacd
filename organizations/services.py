"""Writes for organizations, memberships and teams."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django_scopes import scope

from .models import Membership, Organization, Team, TeamMember
from .roles import Role


@transaction.atomic
def organization_create(
    *, name: str, slug: str, creator: AbstractBaseUser, time_zone: str = "UTC"
) -> Organization:
    """Create an organization; its creator becomes its first admin."""
    organization = Organization.objects.create(name=name, slug=slug, time_zone=time_zone)
    with scope(organization=organization):
        Membership.objects.create(organization=organization, user=creator, role=Role.ADMIN)
    return organization


def membership_set(
    *, organization: Organization, user: AbstractBaseUser, role: Role | str
) -> Membership:
    """Add the user to the organization with this role, or change their role."""
    with scope(organization=organization):
        membership, _ = Membership.objects.update_or_create(
            organization=organization, user=user, defaults={"role": role}
        )
    return membership


@transaction.atomic
def team_create(
    *, organization: Organization, name: str, members: list[AbstractBaseUser] = ()
) -> Team:
    with scope(organization=organization):
        team, _ = Team.objects.get_or_create(organization=organization, name=name)
        for user in members:
            TeamMember.objects.get_or_create(organization=organization, team=team, user=user)
    return team
