from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db.models.functions import Lower

from incidents.models import Service
from organizations.models import Membership, Organization


def members_by_email(organization: Organization, emails: Iterable[str]) -> list[AbstractBaseUser]:
    """The organization's members with one of these addresses (case-insensitive); addresses
    of people who are not members are left out."""
    wanted = {email.strip().lower() for email in emails if email and email.strip()}
    if not wanted:
        return []
    memberships = (
        Membership.objects.filter(organization=organization)
        .annotate(email=Lower("user__email"))
        .filter(email__in=wanted)
        .select_related("user")
    )
    return [membership.user for membership in memberships]


def service_named(organization: Organization, name: str) -> Service | None:
    return Service.objects.filter(organization=organization, name=name.strip()).first()
