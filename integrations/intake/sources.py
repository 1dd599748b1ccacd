"""The sources an endpoint can be for: how each reads a body and what it does with it."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..alertmanager import apply as alertmanager_apply
from ..alertmanager import payload as alertmanager_payload
from ..grafana import apply as grafana_apply
from ..grafana import payload as grafana_payload
from .models import SourceKind


@dataclass(frozen=True)
class Source:
    # body -> parsed payload; raises Quarantine
    parse: Callable[[bytes], Any]
    # parsed payload -> the source's event id (64 characters at most)
    event_id: Callable[[Any], str]
    # (endpoint, parsed payload) -> outcome text; raises Quarantine or ValidationError
    apply: Callable[[Any, Any], str]


SOURCES = {
    SourceKind.ALERTMANAGER: Source(
        parse=alertmanager_payload.parse,
        event_id=alertmanager_payload.event_id,
        apply=alertmanager_apply.apply,
    ),
    SourceKind.GRAFANA: Source(
        parse=grafana_payload.parse,
        event_id=grafana_payload.event_id,
        apply=grafana_apply.apply,
    ),
}
