"""What company sign-in does when a membership ends (``organizations.services.MEMBER_REMOVED``,
fired by ``membership_remove``: an admin removing a member, or provisioning deactivating one).

The person's sessions opened through the organization's identity provider end at once, and,
when this was their last membership, every session of theirs does: a leaver loses every way
in at once (their API tokens of the organization are deleted by the removal itself)."""

from django.contrib.auth.models import AbstractBaseUser
from django_scopes import scopes_disabled

from organizations.models import Membership, Organization

from .models import SignIn
from .sessions import end_sessions


def member_sessions_end(*, organization: Organization, user: AbstractBaseUser) -> None:
    """Receiver of ``MEMBER_REMOVED`` (runs before the membership is deleted)."""
    with scopes_disabled():  # the person's memberships elsewhere, read on purpose
        other_memberships = (
            Membership.objects.filter(user=user).exclude(organization=organization).exists()
        )
    sign_ins = SignIn.objects.filter(user=user)
    if other_memberships:
        sign_ins = sign_ins.filter(organization=organization)
    end_sessions(sign_ins)
