"""The decorators that turn an endpoint's or a delivery's id in the URL into the
organization's object, or 404."""

from organizations.lookups import object_from_url

from . import selectors

endpoint_from_id = object_from_url(
    "endpoint_id",
    lambda request, pk: selectors.endpoint(request.organization, pk),
    missing="No such endpoint.",
)

delivery_from_id = object_from_url(
    "delivery_id",
    lambda request, pk: selectors.delivery(request.organization, pk),
    missing="No such delivery.",
)
