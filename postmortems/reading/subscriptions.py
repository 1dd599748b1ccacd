"""The weekly digest's subscriptions: what a member chose (reads) and changing it (writes)."""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from incidents.models import Service
from organizations.models import Organization, Severity, Team
from postmortems.models import DigestSubscription


@dataclass(frozen=True)
class DigestChoice:
    """What a member wants in the digest; empty lists mean everything."""

    team_ids: list[int]
    service_ids: list[int]
    severities: list[str]


def subscription_of(
    *, organization: Organization, user: AbstractBaseUser
) -> DigestSubscription | None:
    return DigestSubscription.objects.filter(organization=organization, user=user).first()


def team_choices(organization: Organization) -> list[tuple[int, str]]:
    return list(Team.objects.filter(organization=organization).values_list("pk", "name"))


def service_choices(organization: Organization) -> list[tuple[int, str]]:
    return list(Service.objects.filter(organization=organization).values_list("pk", "name"))


def severity_choices() -> list[tuple[str, str]]:
    return list(Severity.choices)


@transaction.atomic
def digest_subscribe(
    *, organization: Organization, user: AbstractBaseUser, choice: DigestChoice
) -> DigestSubscription:
    """Subscribe ``user`` (or change their filters). Ids are kept only when they name the
    organization's teams and services."""
    teams = set(
        Team.objects.filter(organization=organization, pk__in=choice.team_ids).values_list(
            "pk", flat=True
        )
    )
    services = set(
        Service.objects.filter(organization=organization, pk__in=choice.service_ids).values_list(
            "pk", flat=True
        )
    )
    subscription, _ = DigestSubscription.objects.update_or_create(
        organization=organization,
        user=user,
        defaults={
            "team_ids": sorted(teams),
            "service_ids": sorted(services),
            "severities": sorted(set(choice.severities) & set(Severity.values)),
        },
    )
    return subscription


def digest_unsubscribe(*, organization: Organization, user: AbstractBaseUser) -> bool:
    """Stop the member's digest; answers whether they were subscribed."""
    deleted, _ = DigestSubscription.objects.filter(organization=organization, user=user).delete()
    return bool(deleted)
