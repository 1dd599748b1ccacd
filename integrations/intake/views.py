"""The public address a source posts to: ``/hooks/<public id>/``.

No session and no CSRF token: the source proves itself with the endpoint's secret, sent as
``Authorization: Bearer <secret>`` (Alertmanager's ``http_config.authorization``), compared in
constant time, or in the source's own way (GitHub signs the body: ``X-Hub-Signature-256``;
PagerDuty too: ``X-PagerDuty-Signature``).
Unknown or deactivated id: 404. Missing or wrong secret (another
organization's included): 401, and nothing is stored (an unauthenticated sender must not fill
the delivery log); the refusal is logged with the endpoint's id. A body over
``MAX_BODY_BYTES``: 413 (checked first, since a signature covers the body), logged, not
stored. Anything else is stored as received and answered
202 at once; the work happens in a task."""

import logging

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_scopes import scope

from . import selectors, services
from .sources import SOURCES

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024


@csrf_exempt
@require_POST
def receive(request: HttpRequest, public_id: str) -> JsonResponse:
    endpoint = selectors.endpoint_for_url(public_id)
    if endpoint is None:
        return JsonResponse({"error": "No such webhook endpoint."}, status=404)
    body = _body(request)
    if body is None:
        logger.warning(
            "Inbound webhook %s refused: body over %s bytes", endpoint.public_id, MAX_BODY_BYTES
        )
        return JsonResponse(
            {"error": f"The body is larger than {MAX_BODY_BYTES} bytes."}, status=413
        )
    source = SOURCES[endpoint.kind]
    if not source.verify(endpoint, request, body):
        logger.warning("Inbound webhook %s refused: bad or missing secret", endpoint.public_id)
        response = JsonResponse({"error": source.refusal}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="hindsight-hooks"'
        return response
    with scope(organization=endpoint.organization):
        delivery, created = services.delivery_receive(
            endpoint=endpoint, body=body, headers=dict(request.headers)
        )
    return JsonResponse(
        {"delivery": delivery.pk, "status": delivery.status, "duplicate": not created},
        status=202,
    )


def _body(request: HttpRequest) -> bytes | None:
    """The body, or None when it is over the cap (said by its length, or found reading it)."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY_BYTES:
        return None
    body = request.read(MAX_BODY_BYTES + 1)
    return None if len(body) > MAX_BODY_BYTES else body
