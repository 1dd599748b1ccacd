"""The generic release webhook: any deploy tool posts one JSON object per release.

    POST /hooks/<public id>/
    Authorization: Bearer <secret>
    Content-Type: application/json

    {"service": "checkout", "version": "v1.42.0",
     "url": "https://ci.example.com/builds/981", "time": "2026-12-06T14:02:00Z",
     "id": "build-981"}

``service`` (required): the Hindsight service's name. ``version`` (required, 200 characters
at most). ``time`` (required): when it went out, ISO 8601 with a zone, within the last 30
days. ``url`` (optional): an http(s) link to the change. ``id`` (optional, 64 characters at
most): the tool's id of the release; without it, service, version and time identify it. The
same release posted twice is recorded once. Anything else is quarantined with the reason."""

import hashlib

from ..intake.errors import json_object
from .models import ReleaseSource
from .payload import VERSION_LIMIT, Announced, text, time, url

ID_LIMIT = 64


def parse(body: bytes) -> Announced:
    data = json_object(body)
    service = text(data, "service", limit=100)
    version = text(data, "version", limit=VERSION_LIMIT)
    deployed_at = time(data, "time")
    given = text(data, "id", limit=ID_LIMIT, required=False)
    if not given:
        given = hashlib.sha256(f"{service}\n{version}\n{deployed_at.isoformat()}".encode())
        given = given.hexdigest()
    return Announced(
        source=ReleaseSource.RELEASE,
        event=given,
        external_id=given,
        service=service,
        version=version,
        url=url(data, "url"),
        deployed_at=deployed_at,
    )


def event_id(announced: Announced) -> str:
    return announced.event
