"""The door of the provisioning (SCIM) API: the organization's bearer token, never a session.

django-scim2 wraps every one of its views in the class its ``AUTH_CHECK_MIDDLEWARE`` setting
names (by default one that wants a signed-in Django user). Ours, ``ScimTokenCheck``, instead
finds the organization from the request's ``Authorization: Bearer <token>``, answers 401 with a
SCIM error body without a usable one, and otherwise runs the view inside that organization's
scope (django-scopes), with ``request.scim_token`` and ``request.organization`` set. Nobody is
signed in: ``request.user`` stays anonymous, and every audit entry written by the request is
recorded as "SCIM (<token prefix>…)" (``organizations.audit.acting_as``)."""

import json

from django.http import HttpRequest, HttpResponse
from django_scim.constants import SCIM_CONTENT_TYPE, SchemaURI
from django_scopes import scope

from organizations import audit

from .tokens import actor_name, resolve_scim_token

UNAUTHORIZED_MESSAGE = (
    "Send the organization's provisioning token as “Authorization: Bearer <token>”; this one "
    "is missing, unknown or revoked."
)


def scim_error(status: int, detail: str, scim_type: str | None = None) -> HttpResponse:
    body = {"schemas": [SchemaURI.ERROR], "detail": detail, "status": str(status)}
    if scim_type:
        body["scimType"] = scim_type
    return HttpResponse(json.dumps(body), status=status, content_type=SCIM_CONTENT_TYPE)


def _unreadable_body(request: HttpRequest) -> HttpResponse | None:
    """A 400 for a body that is not a JSON object (django-scim2 reads it as one)."""
    if request.method not in ("POST", "PUT", "PATCH") or not request.body.strip():
        return None
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError) as error:
        return scim_error(400, f"The body is not valid JSON: {error}", "invalidSyntax")
    if not isinstance(body, dict):
        return scim_error(400, "The body must be a JSON object.", "invalidSyntax")
    return None


class ScimTokenCheck:
    """Set as ``SCIM_SERVICE_PROVIDER["AUTH_CHECK_MIDDLEWARE"]``: django-scim2 applies it to
    each view's ``dispatch`` (``get_response`` is the view)."""

    def __init__(self, get_response=None):
        self.get_response = get_response

    def __call__(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        token = resolve_scim_token(request)
        if token is None:
            response = scim_error(401, UNAUTHORIZED_MESSAGE)
            response["WWW-Authenticate"] = 'Bearer realm="Hindsight SCIM"'
            return response
        refused = _unreadable_body(request)
        if refused is not None:
            return refused
        request.scim_token = token
        request.organization = token.organization
        with scope(organization=token.organization), audit.acting_as(actor_name(token)):
            return self.get_response(request, *args, **kwargs)
