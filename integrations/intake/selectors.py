from django.db.models import QuerySet
from django_scopes import scopes_disabled

from organizations.models import Organization

from .models import InboundDelivery, WebhookEndpoint


def endpoint_for_url(public_id: str) -> WebhookEndpoint | None:
    """The active endpoint of a public URL, with its organization. Looked up before any
    organization is known (the URL says which), hence unscoped. Unordered: the id is unique,
    and an ORDER BY would cost every delivery its compilation."""
    with scopes_disabled():
        found = list(
            WebhookEndpoint.objects.select_related("organization")
            .filter(public_id=public_id, is_active=True)
            .order_by()[:1]
        )
    return found[0] if found else None


def endpoints_of(organization: Organization) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(organization=organization).order_by(
        "-is_active", "name", "id"
    )


def endpoint(organization: Organization, endpoint_id: int) -> WebhookEndpoint | None:
    return WebhookEndpoint.objects.filter(organization=organization, pk=endpoint_id).first()


def deliveries_of(
    organization: Organization, *, status: str = "", endpoint_id: int | None = None
) -> QuerySet[InboundDelivery]:
    """Latest first, without the bodies; of one status and one endpoint when given."""
    deliveries = InboundDelivery.objects.filter(organization=organization)
    if status:
        deliveries = deliveries.filter(status=status)
    if endpoint_id is not None:
        deliveries = deliveries.filter(endpoint_id=endpoint_id)
    return deliveries.select_related("endpoint").defer("body").order_by("-received_at", "-id")


def delivery(organization: Organization, delivery_id: int) -> InboundDelivery | None:
    return (
        InboundDelivery.objects.filter(organization=organization, pk=delivery_id)
        .select_related("endpoint")
        .first()
    )
