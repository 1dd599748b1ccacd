"""Writes of the provisioning (SCIM) API for people: provision, update, deactivate, reactivate.

A person the client provisions is a ``ScimUser`` row of the organization mapped to an account:
a new account when no account has the email, else the existing one (linked). Being active is
holding a membership: deactivating removes it through the members' removal service
(``organizations.services_members.member_remove``: every right held here goes, API tokens
included, and the identity app's receiver of ``MEMBER_REMOVED`` ends the sessions), with the
last-admin rule it enforces; reactivating gives a membership with the default role back.

Names and email change the account only when this provisioning created it and no other
organization has it: one organization's provisioning cannot rewrite (or take over, through its
email and a password reset) an account someone brought from elsewhere. Errors are SCIM errors
(``django_scim.exceptions``). Every call runs inside the organization's scope, with the audit
actor set by ``auth``."""

from dataclasses import dataclass

from allauth.account.adapter import get_adapter as get_account_adapter
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django_scim import exceptions
from django_scopes import scopes_disabled

from organizations import audit
from organizations.models import Membership, Organization
from organizations.people import name_and_handle
from organizations.roles import Role
from organizations.services import membership_set
from organizations.services_members import member_remove

from ..models import ScimUser
from ..selectors import provider_for

User = get_user_model()
NAME_LENGTH = 150


@dataclass
class Profile:
    """What the client sent about a person; None: not sent (a PATCH leaves it as it is)."""

    user_name: str | None = None
    external_id: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    email: str | None = None
    active: bool | None = None


def default_role(organization: Organization) -> str:
    provider = provider_for(organization)
    return provider.default_role if provider else Role.ENGINEER


def is_active(scim_user: ScimUser) -> bool:
    if hasattr(scim_user, "is_member"):
        return scim_user.is_member
    return Membership.objects.filter(
        organization_id=scim_user.organization_id, user_id=scim_user.user_id
    ).exists()


@transaction.atomic
def user_provision(*, organization: Organization, profile: Profile) -> ScimUser:
    """Create the person (RFC 7644 §3.3): ``userName`` is required, and unique in the
    organization; the account is the one with the email, or a new one."""
    if not profile.user_name or not profile.user_name.strip():
        raise exceptions.BadRequestError("“userName” is required.", scim_type="invalidValue")
    email = _clean_email(profile.email or (profile.user_name if "@" in profile.user_name else ""))
    if not email:
        raise exceptions.BadRequestError(
            "“emails” is required: give the person's work email.", scim_type="invalidValue"
        )
    _refuse_taken_user_name(organization, profile.user_name)
    user = User.objects.filter(email__iexact=email).order_by("pk").first()
    linked = user is not None
    if user is None:
        user = _new_account(profile, email)
    if ScimUser.objects.filter(organization=organization, user=user).exists():
        raise exceptions.IntegrityError(
            f"{email} is already provisioned here under another userName.", scim_type="uniqueness"
        )
    scim_user = _save(
        ScimUser(
            organization=organization,
            user=user,
            user_name=profile.user_name.strip(),
            external_id=profile.external_id or "",
            created_account=not linked,
        )
    )
    role = None
    if profile.active is not False and not _membership(scim_user):
        role = default_role(organization)
        membership_set(organization=organization, user=user, role=role)
    audit.record(
        organization=organization,
        actor=None,
        action="scim.member_provisioned",
        target=name_and_handle(user),
        details={
            "userName": scim_user.user_name,
            "account": "existing" if linked else "new",
            "role": role or "—",
        },
    )
    return scim_user


@transaction.atomic
def user_update(*, scim_user: ScimUser, profile: Profile) -> ScimUser:
    """Apply what the client sent (PUT: everything; PATCH: the attributes it names); ``active``
    false deactivates, true reactivates."""
    organization, user = scim_user.organization, scim_user.user
    changed = {}
    if profile.user_name is not None and profile.user_name.strip() != scim_user.user_name:
        if not profile.user_name.strip():
            raise exceptions.BadRequestError(
                "“userName” cannot be empty.", scim_type="invalidValue"
            )
        _refuse_taken_user_name(organization, profile.user_name, exclude=scim_user)
        changed["userName"] = [scim_user.user_name, profile.user_name.strip()]
        scim_user.user_name = profile.user_name.strip()
    if profile.external_id is not None and profile.external_id != scim_user.external_id:
        changed["externalId"] = [scim_user.external_id, profile.external_id]
        scim_user.external_id = profile.external_id
    if changed:
        _save(scim_user)
    if _owns_account(scim_user):
        changed.update(_update_account(user, profile))
    if changed:
        audit.record(
            organization=organization,
            actor=None,
            action="scim.member_updated",
            target=name_and_handle(user),
            details=changed,
        )
    if profile.active is False:
        user_deactivate(scim_user=scim_user)
    elif profile.active is True:
        user_reactivate(scim_user=scim_user)
    return scim_user


@transaction.atomic
def user_deactivate(*, scim_user: ScimUser) -> bool:
    """Remove the person's membership at once (sessions, API tokens and every right held here
    go with it); False when they held none. The last admin stays (409)."""
    membership = _membership(scim_user)
    if membership is None:
        return False
    try:
        revoked = member_remove(membership=membership, actor=None)
    except ValidationError as error:
        raise exceptions.IntegrityError(" ".join(error.messages), scim_type="mutability") from error
    audit.record(
        organization=scim_user.organization,
        actor=None,
        action="scim.member_deactivated",
        target=name_and_handle(scim_user.user),
        details={"userName": scim_user.user_name, **revoked},
    )
    _forget_membership(scim_user)
    return True


@transaction.atomic
def user_reactivate(*, scim_user: ScimUser) -> bool:
    """Give the person a membership with the default role again; False when they hold one."""
    if _membership(scim_user) is not None:
        return False
    role = default_role(scim_user.organization)
    membership_set(organization=scim_user.organization, user=scim_user.user, role=role)
    audit.record(
        organization=scim_user.organization,
        actor=None,
        action="scim.member_reactivated",
        target=name_and_handle(scim_user.user),
        details={"userName": scim_user.user_name, "role": role},
    )
    if hasattr(scim_user, "is_member"):
        scim_user.is_member = True
    return True


@transaction.atomic
def user_delete(*, scim_user: ScimUser) -> None:
    """DELETE (RFC 7644 §3.6): deactivate, and forget the client's record of the person."""
    user_deactivate(scim_user=scim_user)
    scim_user.delete()


# --- Helpers -------------------------------------------------------------------------------------


def _membership(scim_user: ScimUser) -> Membership | None:
    return (
        Membership.objects.select_related("user", "organization")
        .filter(organization_id=scim_user.organization_id, user_id=scim_user.user_id)
        .first()
    )


def _forget_membership(scim_user: ScimUser) -> None:
    if hasattr(scim_user, "is_member"):
        scim_user.is_member = False


def _owns_account(scim_user: ScimUser) -> bool:
    """Whether this provisioning created the account and no other organization has it (its
    names and email are then the client's to change). Reads other memberships on purpose."""
    if not scim_user.created_account:
        return False
    with scopes_disabled():
        return (
            not Membership.objects.filter(user_id=scim_user.user_id)
            .exclude(organization_id=scim_user.organization_id)
            .exists()
        )


def _update_account(user: AbstractBaseUser, profile: Profile) -> dict:
    changed = {}
    for field, value in (("first_name", profile.given_name), ("last_name", profile.family_name)):
        if value is not None and value[:NAME_LENGTH] != getattr(user, field):
            changed[field] = [getattr(user, field), value[:NAME_LENGTH]]
            setattr(user, field, value[:NAME_LENGTH])
    if profile.email is not None:
        email = _clean_email(profile.email)
        if email and email.lower() != user.email.lower():
            if User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
                raise exceptions.IntegrityError(
                    f"Another account already uses {email}.", scim_type="uniqueness"
                )
            changed["email"] = [user.email, email]
            user.email = email
    if changed:
        user.save(update_fields=list(changed))
    return changed


def _clean_email(email: str) -> str:
    email = (email or "").strip()
    if not email:
        return ""
    try:
        validate_email(email)
    except ValidationError as error:
        raise exceptions.BadRequestError(
            f"“emails”: {email!r} is not an email address.", scim_type="invalidValue"
        ) from error
    return email


def _refuse_taken_user_name(
    organization: Organization, user_name: str, exclude: ScimUser | None = None
) -> None:
    taken = ScimUser.objects.filter(organization=organization, user_name__iexact=user_name.strip())
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if taken.exists():
        raise exceptions.IntegrityError(
            f"userName “{user_name}” is already provisioned here.", scim_type="uniqueness"
        )


def _save(scim_user: ScimUser) -> ScimUser:
    try:
        with transaction.atomic():
            scim_user.save()
    except IntegrityError as error:
        raise exceptions.IntegrityError(
            f"userName “{scim_user.user_name}” is already provisioned here.",
            scim_type="uniqueness",
        ) from error
    return scim_user


def _new_account(profile: Profile, email: str) -> AbstractBaseUser:
    """A new account for the person: the username (their @handle) comes from the ``userName``
    when it is not an email, else from the email's local part, the free one nearest it (as a
    company sign-in's new person gets); no password (they sign in through the organization's
    identity provider)."""
    user = User(
        username=get_account_adapter().generate_unique_username(
            [_handle_of(profile.user_name.strip()), email.split("@", 1)[0], "user"]
        ),
        email=email,
        first_name=(profile.given_name or "")[:NAME_LENGTH],
        last_name=(profile.family_name or "")[:NAME_LENGTH],
    )
    user.set_unusable_password()
    user.save()
    return user


def _handle_of(user_name: str) -> str:
    return "" if "@" in user_name else user_name
