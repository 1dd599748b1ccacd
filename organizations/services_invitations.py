"""Writes for invitations: creating, resending and revoking them (the email with its link),
and accepting one, as a signed-in user or with a new account.

Every change runs in one transaction with its audit entry. An invitation is accepted once: the
row is locked and its state re-checked, so two clicks on the link make one membership.
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
from .models import Invitation, Membership, Organization
from .people import display_name, name_and_handle
from .roles import ROLE_RANK, ROLE_SUMMARY, Role
from .selectors_members import InvitationState, invitation_state, member_with_email_exists
from .services import hash_token
from .site import absolute_url

User = get_user_model()

INVITATION_DAYS = (1, 3, 7, 14)
DEFAULT_INVITATION_DAYS = 7


class InvitationUnusable(Exception):
    """The invitation cannot be accepted: ``state`` says why (expired, accepted, revoked)."""

    def __init__(self, invitation: Invitation, state: str):
        super().__init__(state)
        self.invitation = invitation
        self.state = state


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
