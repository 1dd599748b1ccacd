"""The demo's reading that spreads: two members subscribed to the weekly learning digest, and a
published postmortem whose required readers have partly read it."""

from django_scopes import scope

from incidents.models import Service
from organizations.models import Organization, Severity, Team
from postmortems.models import Postmortem, PostmortemStatus
from postmortems.reading.required import reading_receipt, required_readers_add
from postmortems.reading.subscriptions import DigestChoice, digest_subscribe

Users = dict


def seed_reading(*, organization: Organization, users: Users) -> None:
    """Subscriptions for Erin (everything) and Carol (Payments' serious incidents), and
    required readers on the first published postmortem: two have read it, one has not.
    Safe to re-run."""
    with scope(organization=organization):
        _subscriptions(organization, users)
        postmortem = (
            Postmortem.objects.filter(
                organization=organization,
                status=PostmortemStatus.PUBLISHED,
                author__isnull=False,
            )
            .select_related("author")
            .order_by("number")
            .first()
        )
        if postmortem is None:
            return
        readers = [
            users[name] for name in ("erin", "carol", "dave") if users[name] != postmortem.author
        ]
        required_readers_add(postmortem=postmortem, actor=postmortem.author, users=readers)
        for reader in readers[::2]:
            reading_receipt(postmortem=postmortem, user=reader)


def _subscriptions(organization: Organization, users: Users) -> None:
    digest_subscribe(
        organization=organization,
        user=users["erin"],
        choice=DigestChoice(team_ids=[], service_ids=[], severities=[]),
    )
    payments = Team.objects.filter(organization=organization, name="Payments").first()
    services = Service.objects.filter(organization=organization, name__icontains="pay")
    digest_subscribe(
        organization=organization,
        user=users["carol"],
        choice=DigestChoice(
            team_ids=[payments.pk] if payments else [],
            service_ids=list(services.values_list("pk", flat=True)),
            severities=[Severity.SEV1, Severity.SEV2],
        ),
    )
