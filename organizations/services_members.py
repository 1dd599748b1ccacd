"""Writes for the members, invitations and teams administration.

Every change runs in one transaction with its audit entry. The last-admin rule is enforced here,
with the organization's admin memberships locked, so two concurrent demotions or removals can
never leave an organization without an admin.
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from . import audit
from .models import Invitation, Membership, Organization, Team, TeamMember
from .people import display_name, name_and_handle
from .roles import ROLE_RANK, ROLE_SUMMARY, Role
from .selectors_members import (
    InvitationState,
    invitation_state,
    member_with_email_exists,
    removal_summary,
)
from .services import hash_token, membership_remove
from .site import absolute_url

User = get_user_model()

INVITATION_DAYS = (1, 3, 7, 14)
DEFAULT_INVITATION_DAYS = 7
LAST_ADMIN_MESSAGE = (
    "{name} is the last admin of {organization}. Make someone else an admin first: "
    "an organization always keeps at least one."
)


class LastAdminError(ValidationError):
    """The change would leave the organization without an admin."""


class InvitationUnusable(Exception):
    """The invitation cannot be accepted: ``state`` says why (expired, accepted, revoked)."""

    def __init__(self, invitation: Invitation, state: str):
        super().__init__(state)
        self.invitation = invitation
        self.state = state


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
    *, membership: Membership, role: Role | str, actor: AbstractBaseUser
) -> Membership:
    """Give the member another role; the last admin cannot be demoted."""
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
            action="member.role_changed",
            target=name_and_handle(current.user),
            details={"role": [old, role.value]},
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


# --- Invitations ---------------------------------------------------------------------------------


def invitation_create(
    *,
    organization: Organization,
    email: str,
    role: Role | str,
    actor: AbstractBaseUser,
    days: int = DEFAULT_INVITATION_DAYS,
) -> tuple[Invitation, str]:
    """Invite ``email`` with ``role``; returns the invitation and its plain token (only the
    hash is stored). A pending invitation for the same address is replaced; an address that
    already belongs to a member is refused. The email is sent once the transaction commits."""
    email = User.objects.normalize_email(email.strip())
    role = Role(role)
    if days not in INVITATION_DAYS:
        raise ValidationError({"days": "Choose one of the offered durations."})
    with scope(organization=organization), transaction.atomic():
        if member_with_email_exists(organization=organization, email=email):
            raise ValidationError({"email": f"{email} is already a member of {organization.name}."})
        for previous in Invitation.objects.select_for_update().filter(
            organization=organization,
            email__iexact=email,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
        ):
            _revoke(previous, actor=actor, reason="replaced by a new invitation")
        invitation, token = _issue(organization, email=email, role=role, actor=actor, days=days)
    return invitation, token


def _issue(
    organization: Organization, *, email: str, role: Role, actor: AbstractBaseUser, days: int
) -> tuple[Invitation, str]:
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organization=organization,
        email=email,
        role=role,
        token_hash=hash_token(token),
        invited_by=actor,
        expires_at=timezone.now() + timedelta(days=days),
    )
    audit.record(
        organization=organization,
        actor=actor,
        action="invitation.created",
        target=email,
        details={"role": role.value, "expires in": f"{days} day{'s' if days != 1 else ''}"},
    )
    transaction.on_commit(lambda: _send_invitation(invitation, token), robust=True)
    return invitation, token


def _revoke(invitation: Invitation, *, actor: AbstractBaseUser, reason: str = "") -> None:
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit.record(
        organization=invitation.organization,
        actor=actor,
        action="invitation.revoked",
        target=invitation.email,
        details={"reason": reason} if reason else {},
    )


def _locked_outstanding(invitation: Invitation) -> Invitation:
    """The invitation re-read locked; refused once accepted or revoked."""
    locked = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(organization=invitation.organization, pk=invitation.pk)
    )
    state = invitation_state(locked)
    if state in (InvitationState.ACCEPTED, InvitationState.REVOKED):
        raise ValidationError(f"The invitation for {locked.email} was already {state}.")
    return locked


def invitation_revoke(*, invitation: Invitation, actor: AbstractBaseUser) -> None:
    """Withdraw an invitation: its link stops working at once."""
    with scope(organization=invitation.organization), transaction.atomic():
        _revoke(_locked_outstanding(invitation), actor=actor)


def invitation_resend(*, invitation: Invitation, actor: AbstractBaseUser) -> tuple[Invitation, str]:
    """Revoke the invitation and send a new link (same address, role and validity period)."""
    organization = invitation.organization
    with scope(organization=organization), transaction.atomic():
        locked = _locked_outstanding(invitation)
        if member_with_email_exists(organization=organization, email=locked.email):
            raise ValidationError(f"{locked.email} is already a member of {organization.name}.")
        period = (locked.expires_at - locked.created_at).total_seconds() / 86400
        days = min(INVITATION_DAYS, key=lambda d: abs(d - period))
        _revoke(locked, actor=actor, reason="resent with a new link")
        return _issue(
            organization, email=locked.email, role=Role(locked.role), actor=actor, days=days
        )


def invitation_link(token: str) -> str:
    return absolute_url(reverse("invitation_accept", kwargs={"token": token}))


def _send_invitation(invitation: Invitation, token: str) -> None:
    organization = invitation.organization
    inviter = display_name(invitation.invited_by)
    context = {
        "organization": organization,
        "inviter": inviter,
        "role": Role(invitation.role).label,
        "role_summary": ROLE_SUMMARY[invitation.role],
        "expires_at": invitation.expires_at,
        "link": invitation_link(token),
        "email": invitation.email,
    }
    with timezone.override(organization.time_zone):  # times as the organization reads them
        text = render_to_string("organizations/email/invitation.txt", context)
        html = render_to_string("organizations/email/invitation.html", context)
    subject = " ".join(f"{inviter} invited you to join {organization.name} on Hindsight".split())
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[invitation.email]
    )
    message.attach_alternative(html, "text/html")
    message.send()


@dataclass(frozen=True)
class Acceptance:
    membership: Membership
    joined: bool  # False when the user was a member already
    previous_role: str | None


def _lock_pending(invitation: Invitation) -> Invitation:
    locked = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("organization", "invited_by")
        .get(pk=invitation.pk)
    )
    state = invitation_state(locked)
    if state != InvitationState.PENDING:
        raise InvitationUnusable(locked, state)
    return locked


def invitation_accept(*, invitation: Invitation, user: AbstractBaseUser) -> Acceptance:
    """Join the invitation's organization as ``user``, once: the invitation row is locked and
    marked used in the same transaction. A member already keeps their role unless the
    invitation offers a higher one."""
    with scope(organization=invitation.organization), transaction.atomic():
        return _accept(_lock_pending(invitation), user)


def invitation_accept_new_account(
    *, invitation: Invitation, username: str, full_name: str, password: str
) -> tuple[AbstractBaseUser, Acceptance]:
    """Create an account with the invited address and join with it."""
    with scope(organization=invitation.organization), transaction.atomic():
        locked = _lock_pending(invitation)
        first_name, _, last_name = full_name.strip().partition(" ")
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    username=username,
                    email=locked.email,
                    password=password,
                    first_name=first_name[:150],
                    last_name=last_name.strip()[:150],
                )
        except IntegrityError as error:
            raise ValidationError({"username": "This username is taken."}) from error
        return user, _accept(locked, user)


def _accept(invitation: Invitation, user: AbstractBaseUser) -> Acceptance:
    organization = invitation.organization
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .filter(organization=organization, user=user)
        .select_related("organization")
        .first()
    )
    previous_role = membership.role if membership else None
    if membership is None:
        membership = Membership.objects.create(
            organization=organization, user=user, role=invitation.role
        )
    elif ROLE_RANK[invitation.role] > ROLE_RANK[membership.role]:
        membership.role = invitation.role
        membership.save(update_fields=["role"])
        audit.record(
            organization=organization,
            actor=user,
            action="member.role_changed",
            target=name_and_handle(user),
            details={"role": [previous_role, invitation.role]},
        )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit.record(
        organization=organization,
        actor=user,
        action="invitation.accepted",
        target=invitation.email,
        details={"member": name_and_handle(user), "role": membership.role},
    )
    return Acceptance(
        membership=membership, joined=previous_role is None, previous_role=previous_role
    )


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
