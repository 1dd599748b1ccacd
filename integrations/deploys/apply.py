"""What a deploy source's event does: records its release, once (the same release told again,
by a redelivery or a replay, is not recorded twice). A release of a service Hindsight does not
know is quarantined, naming it. The caller holds the transaction."""

from incidents.models import Service

from ..intake.errors import Quarantine
from ..intake.models import WebhookEndpoint
from .models import Release
from .payload import Announced


def apply(endpoint: WebhookEndpoint, announced: Announced) -> str:
    if announced.ignored:
        return announced.ignored
    service = Service.objects.filter(
        organization=endpoint.organization, name=announced.service
    ).first()
    if service is None:
        raise Quarantine(
            f"Unknown service “{announced.service}”: add it in Hindsight or name it in the release."
        )
    release, created = Release.objects.get_or_create(
        organization=endpoint.organization,
        source=announced.source,
        external_id=announced.external_id,
        defaults={
            "service": service,
            "version": announced.version,
            "url": announced.url,
            "deployed_at": announced.deployed_at,
        },
    )
    if not created:
        return f"{release.version} of {service.name} already recorded"
    return f"Release {release.version} of {service.name} recorded"
