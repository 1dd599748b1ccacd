"""How a request proves it comes from an endpoint's source. The default, for sources that
send a bearer token (Alertmanager, the release webhook): ``Authorization: Bearer <secret>``,
compared with the kept hash in constant time. A source that signs its body (GitHub) brings
its own check; its endpoint keeps the secret encrypted, since an HMAC needs the plain key
(PagerDuty's is made by PagerDuty and pasted by the admin)."""

import hmac

from django.http import HttpRequest

from organizations.api_auth import bearer_token_from
from organizations.services import hash_token

from .models import WebhookEndpoint

BEARER_REFUSAL = "Send the endpoint's secret as Authorization: Bearer <secret>."


def secret_matches(endpoint: WebhookEndpoint, plain: str | None) -> bool:
    """Compared in constant time (on hashes of equal length)."""
    given = hash_token(plain or "")
    return hmac.compare_digest(given, endpoint.secret_hash) and plain is not None


def bearer_verify(endpoint: WebhookEndpoint, request: HttpRequest, body: bytes) -> bool:
    return secret_matches(endpoint, bearer_token_from(request))
