"""GitHub's ``deployment_status`` webhook (repository or organization webhook, content type
``application/json``, event "Deployment statuses").

GitHub signs each body with the endpoint's secret: ``X-Hub-Signature-256: sha256=<HMAC-SHA256
of the raw body, hex>``, checked in constant time; no or a wrong signature is refused (401) and
nothing is stored. ``X-GitHub-Delivery`` is the event id (a redelivery acts once).
``X-GitHub-Event``: ``ping`` (sent when the webhook is created) is processed and records
nothing; ``deployment_status`` records a release when its state is ``success`` (other states
are processed as "ignored: state …"); any other event is quarantined.

The release's service: ``service`` in the deployment's payload (``payload.service``, set by
whoever creates the deployment) when given, else the repository's name; either must be a
Hindsight service's name. Its version: the deployment's ref, with the short commit when the ref
is a branch or tag; its link: the status' environment URL, else its target (log) URL, else the
commit on GitHub; its time: when the status was created. One release per GitHub deployment."""

import hashlib
import hmac
from collections.abc import Mapping

from django.http import HttpRequest

from ..intake.errors import Quarantine, json_object
from ..intake.models import WebhookEndpoint
from .models import ReleaseSource
from .payload import VERSION_LIMIT, Announced, text, time, url

REFUSAL = "Sign the body with the endpoint's secret (X-Hub-Signature-256), as GitHub does."
SIGNATURE_HEADER = "X-Hub-Signature-256"
EVENTS = ("deployment_status", "ping")


def verify(endpoint: WebhookEndpoint, request: HttpRequest, body: bytes) -> bool:
    given = request.headers.get(SIGNATURE_HEADER, "")
    if not endpoint.secret_encrypted or not given:
        return False
    expected = "sha256=" + signature(endpoint.secret_encrypted, body)
    return hmac.compare_digest(expected.encode(), given.strip().encode())


def signature(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _header(headers: Mapping[str, str], name: str) -> str:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return str(value).strip()
    return ""


def event_and_delivery(
    headers: Mapping[str, str], events: tuple[str, ...], *, choose: str
) -> tuple[str, str]:
    """The ``X-GitHub-Event`` (one of ``events``, else Quarantine telling to ``choose`` only
    that event in the webhook) and the ``X-GitHub-Delivery`` id."""
    event = _header(headers, "X-GitHub-Event")
    if event not in events:
        raise Quarantine(
            f"GitHub event “{event[:40] or 'none'}” is not taken here: "
            f"choose only “{choose}” in the webhook's events."
        )
    delivery = _header(headers, "X-GitHub-Delivery")
    if not delivery or len(delivery) > 64:
        raise Quarantine("The X-GitHub-Delivery header is missing or too long.")
    return event, delivery


def parse(body: bytes, headers: Mapping[str, str]) -> Announced:
    event, delivery = event_and_delivery(headers, EVENTS, choose="Deployment statuses")
    data = json_object(body)
    if event == "ping":
        return Announced(source=ReleaseSource.GITHUB, event=delivery, ignored="ping")
    status = _object(data, "deployment_status")
    deployment = _object(data, "deployment")
    repository = _object(data, "repository")
    state = text(status, "state", where="deployment_status", limit=40)
    if state != "success":
        return Announced(
            source=ReleaseSource.GITHUB, event=delivery, ignored=f"ignored: state {state}"
        )
    return Announced(
        source=ReleaseSource.GITHUB,
        event=delivery,
        external_id=f"deployment:{_deployment_id(deployment)}",
        service=_service(deployment, repository),
        version=_version(deployment),
        url=_url(status, repository, deployment),
        deployed_at=time(status, "created_at", where="deployment_status"),
        ignored="",
    )


def event_id(announced: Announced) -> str:
    return announced.event


def _deployment_id(deployment: dict) -> int:
    value = deployment.get("id")
    if not isinstance(value, int) or isinstance(value, bool):
        raise Quarantine("“deployment.id” is not a number.")
    return value


def _object(data: dict, key: str) -> dict:
    value = data.get(key)
    if not isinstance(value, dict):
        raise Quarantine(f"“{key}” is missing or not an object.")
    return value


def _service(deployment: dict, repository: dict) -> str:
    payload = deployment.get("payload")
    if isinstance(payload, dict) and isinstance(payload.get("service"), str):
        named = payload["service"].strip()
        if named:
            return text(payload, "service", where="deployment.payload", limit=100)
    return text(repository, "name", where="repository", limit=100)


def _version(deployment: dict) -> str:
    ref = text(deployment, "ref", where="deployment", limit=VERSION_LIMIT - 10)
    sha = text(deployment, "sha", where="deployment", limit=64, required=False)
    if sha and ref != sha:
        return f"{ref} ({sha[:7]})"
    return ref


def _url(status: dict, repository: dict, deployment: dict) -> str:
    for key in ("environment_url", "target_url", "log_url"):
        found = url(status, key, where="deployment_status")
        if found:
            return found
    home = url(repository, "html_url", where="repository")
    sha = text(deployment, "sha", where="deployment", limit=64, required=False)
    return f"{home}/commit/{sha}" if home and sha else home
