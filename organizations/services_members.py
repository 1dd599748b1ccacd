"""Writes for the members and teams administration (invitations: ``services_invitations``).

Every change runs in one transaction with its audit entry. The last-admin rule is enforced here,
with the organization's admin memberships locked, so two concurrent demotions or removals can
never leave an organization without an admin.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django_scopes import scope

from . import audit
from .models import Membership, Organization, Team, TeamMember
from .people import name_and_handle
from .roles import Role
from .selectors_members import removal_summary
from .services import membership_remove

LAST_ADMIN_MESSAGE = (
    "{name} is the last admin of {organization}. Make someone else an admin first: "
    "an organization always keeps at least one."
)


class LastAdminError(ValidationError):
    """The change would leave the organization without an admin."""


# --- Members -------------------------------------------------------------------------------------


def _lock_admins_and(membership: Membership) -> tuple[Membership, set[int]]:
    """Lock the organization's admin memberships, then re-read ``membership`` locked.

    Admin rows are locked first and always in the same order, so concurrent changes queue
    instead of each seeing another admin who is about to go."""
    organization = membership.organization
    admins = set(
        Membership.objects.select_for_update()
        .filter(organization=organization, role=Role.ADMIN)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    current = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("user", "organization")
        .filter(organization=organization, pk=membership.pk)
        .first()
    )
    if current is None:
        raise ValidationError(f"{name_and_handle(membership.user)} is no longer a member.")
    return current, admins


def _refuse_last_admin(membership: Membership, admins: set[int]) -> None:
    if membership.role == Role.ADMIN and not admins - {membership.pk}:
        raise LastAdminError(
            LAST_ADMIN_MESSAGE.format(
                name=name_and_handle(membership.user), organization=membership.organization.name
            )
        )


def member_role_change(
    *,
    membership: Membership,
    role: Role | str,
    actor: AbstractBaseUser,
    action: str = "member.role_changed",
    details: dict | None = None,
) -> Membership:
    """Give the member another role; the last admin cannot be demoted. ``action`` and
    ``details`` let a caller name why in the audit entry (company sign-in: ``sso.role_changed``
    with the provider and groups)."""
    role = Role(role)
    with scope(organization=membership.organization), transaction.atomic():
        current, admins = _lock_admins_and(membership)
        old = current.role
        if old == role:
            return current
        if role != Role.ADMIN:
            _refuse_last_admin(current, admins)
        current.role = role
        current.save(update_fields=["role"])
        audit.record(
            organization=current.organization,
            actor=actor,
            action=action,
            target=name_and_handle(current.user),
            details={"role": [old, role.value], **(details or {})},
        )
    return current


def member_remove(*, membership: Membership, actor: AbstractBaseUser) -> dict:
    """Take the member out of the organization with every right they held in it (object
    permissions on postmortems, teams, API tokens); the last admin cannot be removed.
    Returns what was revoked."""
    with scope(organization=membership.organization), transaction.atomic():
        current, admins = _lock_admins_and(membership)
        _refuse_last_admin(current, admins)
        summary = removal_summary(membership=current)
        revoked = {
            "role": current.role,
            "postmortems": summary.postmortems,
            "teams": summary.teams,
            "tokens": summary.tokens,
        }
        membership_remove(membership=current)
        audit.record(
            organization=current.organization,
            actor=actor,
            action="member.removed",
            target=name_and_handle(current.user),
            details=revoked,
        )
    return revoked


# --- Teams ---------------------------------------------------------------------------------------


def _clean_team_name(organization: Organization, name: str, *, exclude: Team | None = None) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": "Give the team a name."})
    if len(name) > 80:
        raise ValidationError({"name": "Keep the name under 80 characters."})
    taken = Team.objects.filter(organization=organization, name__iexact=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if taken.exists():
        raise ValidationError({"name": f"There is already a team called “{name}”."})
    return name


def team_add(*, organization: Organization, name: str, actor: AbstractBaseUser) -> Team:
    """Create a team (names are unique in the organization, whatever their case)."""
    with scope(organization=organization), transaction.atomic():
        name = _clean_team_name(organization, name)
        try:
            with transaction.atomic():
                team = Team.objects.create(organization=organization, name=name)
        except IntegrityError as error:
            raise ValidationError({"name": f"There is already a team called “{name}”."}) from error
        audit.record(organization=organization, actor=actor, action="team.created", target=name)
    return team


def team_rename(*, team: Team, name: str, actor: AbstractBaseUser) -> Team:
    organization = team.organization
    with scope(organization=organization), transaction.atomic():
        name = _clean_team_name(organization, name, exclude=team)
        old = team.name
        if name == old:
            return team
        team.name = name
        team.save(update_fields=["name"])
        audit.record(
            organization=organization,
            actor=actor,
            action="team.renamed",
            target=name,
            details={"name": [old, name]},
        )
    return team


def team_delete(*, team: Team, actor: AbstractBaseUser) -> None:
    """Delete the team; its members stay in the organization."""
    organization = team.organization
    with scope(organization=organization), transaction.atomic():
        members = TeamMember.objects.filter(organization=organization, team=team).count()
        audit.record(
            organization=organization,
            actor=actor,
            action="team.deleted",
            target=team.name,
            details={"members": members},
        )
        team.delete()


def team_member_add(*, team: Team, user: AbstractBaseUser, actor: AbstractBaseUser) -> TeamMember:
    """Put a member of the organization on the team."""
    organization = team.organization
    with scope(organization=organization), transaction.atomic():
        if not Membership.objects.filter(organization=organization, user=user).exists():
            raise ValidationError({"username": f"@{user.get_username()} is not a member here."})
        member, created = TeamMember.objects.get_or_create(
            organization=organization, team=team, user=user
        )
        if not created:
            raise ValidationError(
                {"username": f"{name_and_handle(user)} is already on {team.name}."}
            )
        audit.record(
            organization=organization,
            actor=actor,
            action="team.member_added",
            target=team.name,
            details={"member": name_and_handle(user)},
        )
    return member


def team_member_remove(*, team: Team, user: AbstractBaseUser, actor: AbstractBaseUser) -> bool:
    """Take the user off the team; False when they were not on it."""
    organization = team.organization
    with scope(organization=organization), transaction.atomic():
        deleted, _ = TeamMember.objects.filter(
            organization=organization, team=team, user=user
        ).delete()
        if not deleted:
            return False
        audit.record(
            organization=organization,
            actor=actor,
            action="team.member_removed",
            target=team.name,
            details={"member": name_and_handle(user)},
        )
    return True
