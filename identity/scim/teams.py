"""Writes of the provisioning (SCIM) API for groups: a SCIM Group is a team of the organization,
changed through the organization's team services (``organizations.services_members``), which
write their own audit entries (under the SCIM actor, see ``auth``).

A group named in the identity provider's group → role mapping (``GroupRoleMapping``) also gives
its members their role: whenever someone joins or leaves such a group, their role becomes the
highest one their mapped groups give, or the organization's default role when they are in none
(``identity.selectors.mapped_role``, as at a company sign-in; through ``member_role_change``,
audited as ``scim.role_changed``: the last admin keeps their role, 409)."""

import re

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django_scim import exceptions

from organizations.models import Membership, Organization, Team, TeamMember
from organizations.services_members import (
    member_role_change,
    team_add,
    team_delete,
    team_member_add,
    team_member_remove,
    team_rename,
)

from ..models import ScimUser
from ..selectors import group_mappings, mapped_role, provider_for
from .config import is_id

MEMBER_FILTER = re.compile(r'^members\[\s*value\s+eq\s+"([^"]*)"\s*\]$', re.IGNORECASE)


def _errors(error: ValidationError) -> str:
    return " ".join(error.messages)


def _refused_name(organization: Organization, name: str, error: ValidationError):
    """The SCIM error for a team name the team services refused: 409 when another team has
    it, else 400 (empty, too long)."""
    if Team.objects.filter(organization=organization, name__iexact=" ".join(name.split())).exists():
        return exceptions.IntegrityError(_errors(error), scim_type="uniqueness")
    return exceptions.BadRequestError(f"“displayName”: {_errors(error)}", scim_type="invalidValue")


def users_of(organization: Organization, members) -> list[AbstractBaseUser]:
    """The accounts of SCIM ``members`` (``[{"value": <SCIM User id>}, …]``); a 400 naming an
    id that is not a person provisioned here."""
    if members is None:
        return []
    if isinstance(members, dict):
        members = [members]
    if not isinstance(members, list) or not all(isinstance(m, dict) for m in members):
        raise exceptions.BadRequestError(
            '“members” must be a list of {"value": <User id>} objects.', scim_type="invalidValue"
        )
    ids = [str(member.get("value", "")) for member in members]
    known = {}
    numeric = [pk for pk in ids if is_id(pk)]
    if numeric:
        rows = ScimUser.objects.filter(organization=organization, pk__in=numeric).select_related(
            "user"
        )
        known = {str(row.pk): row.user for row in rows}
    missing = [pk for pk in ids if pk not in known]
    if missing:
        raise exceptions.BadRequestError(
            f"“members”: no User {', '.join(missing)} is provisioned here.",
            scim_type="invalidValue",
        )
    return [known[pk] for pk in ids]


def member_id_of(path: str) -> str | None:
    """The User id of a ``members[value eq "…"]`` path (Okta's removal), else None."""
    match = MEMBER_FILTER.match(path.strip())
    return match.group(1) if match else None


@transaction.atomic
def group_create(*, organization: Organization, name, members) -> Team:
    users = users_of(organization, members)
    try:
        team = team_add(organization=organization, name=_name(name), actor=None)
    except ValidationError as error:
        raise _refused_name(organization, name, error) from error
    group_members_add(team=team, users=users)
    return team


@transaction.atomic
def group_rename(*, team: Team, name) -> Team:
    try:
        return team_rename(team=team, name=_name(name), actor=None)
    except ValidationError as error:
        raise _refused_name(team.organization, name, error) from error


@transaction.atomic
def group_delete(*, team: Team) -> None:
    team_delete(team=team, actor=None)


@transaction.atomic
def group_members_add(*, team: Team, users: list[AbstractBaseUser]) -> None:
    on_team = set(
        TeamMember.objects.filter(organization=team.organization, team=team).values_list(
            "user_id", flat=True
        )
    )
    added = []
    for user in users:
        if user.pk in on_team:
            continue
        try:
            team_member_add(team=team, user=user, actor=None)
        except ValidationError as error:
            raise exceptions.BadRequestError(
                f"“members”: {_errors(error)} (deactivated?)", scim_type="invalidValue"
            ) from error
        on_team.add(user.pk)
        added.append(user)
    _apply_mapped_roles(team, added)


def _provisioned_members(team: Team) -> list[AbstractBaseUser]:
    """The team's members the provisioning client knows (a member an admin put on the team
    who was never provisioned is not the client's to take off)."""
    provisioned = ScimUser.objects.filter(organization=team.organization).values("user_id")
    members = TeamMember.objects.filter(team=team, user_id__in=provisioned).select_related("user")
    return [member.user for member in members]


@transaction.atomic
def group_members_remove(*, team: Team, users: list[AbstractBaseUser] | None) -> None:
    """Take these users off the team (``None``: every provisioned member)."""
    if users is None:
        users = _provisioned_members(team)
    removed = [user for user in users if team_member_remove(team=team, user=user, actor=None)]
    _apply_mapped_roles(team, removed)


@transaction.atomic
def group_members_set(*, team: Team, users: list[AbstractBaseUser]) -> None:
    """Make ``users`` the team's provisioned members (PUT, or PATCH replace)."""
    wanted = {user.pk for user in users}
    current = _provisioned_members(team)
    group_members_remove(team=team, users=[user for user in current if user.pk not in wanted])
    group_members_add(team=team, users=users)


def _name(name) -> str:
    if not isinstance(name, str) or not name.strip():
        raise exceptions.BadRequestError("“displayName” is required.", scim_type="invalidValue")
    return name


def _apply_mapped_roles(team: Team, users: list[AbstractBaseUser]) -> None:
    """Give each of ``users`` the role their groups give (``selectors.mapped_role``, as a
    company sign-in does), when ``team`` is a mapped group."""
    organization = team.organization
    provider = provider_for(organization)
    if provider is None or not users:
        return
    if team.name not in {mapping.group for mapping in group_mappings(provider)}:
        return
    for user in users:
        membership = Membership.objects.filter(organization=organization, user=user).first()
        if membership is None:
            continue
        groups = list(
            TeamMember.objects.filter(organization=organization, user=user).values_list(
                "team__name", flat=True
            )
        )
        try:
            member_role_change(
                membership=membership,
                role=mapped_role(provider, groups),
                actor=None,
                action="scim.role_changed",
                details={"group": team.name, "groups": groups},
            )
        except ValidationError as error:
            raise exceptions.IntegrityError(_errors(error), scim_type="mutability") from error
