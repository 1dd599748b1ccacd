"""What a generic webhook's mapping reads from a body: what each field's path finds (shown by
"Try mapping") and the pager event a delivery makes. Nothing here touches the database.

One body is one event. A field's path may find several values (``[*]``): the first is used,
except for the responders, which are all of them (a list found is taken item by item)."""

import hashlib
import json
import re
from collections.abc import Mapping as MappingType
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.utils import timezone

from ..intake.errors import Quarantine
from ..intake.times import aware_time, check_window
from ..pagers.sync import Change, PagerEvent
from .paths import PathError, find

EVENT_ID_LIMIT = 64  # the delivery log's event ids; a longer one is kept as its SHA-256
RESPONDERS_LIMIT = 50
# Epoch numbers from this value up are milliseconds (as seconds it would be the year 5138).
MILLISECONDS_FROM = 100_000_000_000
NUMBER = re.compile(r"-?\d+(\.\d+)?")
STATUS_CHANGES = {
    "triggered": Change.TRIGGERED,
    "acknowledged": Change.ACKNOWLEDGED,
    "resolved": Change.RESOLVED,
    "note": Change.NOTE,
}


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    limit: int
    refuse_longer: bool = False  # ids: a longer value is refused, not cut


INCIDENT_ID = Field("incident_id", "Incident id", 120, refuse_longer=True)
EVENT_ID = Field("event_id", "Event id", 1000, refuse_longer=True)
TITLE = Field("title", "Title", 200)
SERVICE = Field("service", "Service", 80)
STATUS = Field("status", "Status", 80)
LEVEL = Field("level", "Severity level", 40)
TIME = Field("time", "Time", 40)
URL = Field("url", "URL", 500)
NOTE = Field("note", "Note text", 10_000)
RESPONDERS = Field("responders", "Responder emails", 254)
FIELDS = (INCIDENT_ID, EVENT_ID, TITLE, SERVICE, STATUS, LEVEL, TIME, URL, NOTE, RESPONDERS)


@dataclass(frozen=True)
class Mapping:
    """A mapping as read: a path per field name ("" when not mapped), the status table
    (value, lower case → one of ``STATUS_CHANGES``) and the fixed service's name."""

    paths: MappingType[str, str]
    status_values: MappingType[str, str] = field(default_factory=dict)
    fixed_service: str = ""

    def path(self, of: Field) -> str:
        return (self.paths.get(of.name) or "").strip()


@dataclass(frozen=True)
class Found:
    """What one field's path found in a body, as "Try mapping" shows it."""

    field: Field
    path: str
    values: list[Any]
    problem: str = ""  # the path itself is wrong

    @property
    def shown(self) -> str:
        values = self.values if len(self.values) != 1 else self.values[0]
        return json.dumps(values, ensure_ascii=False)[:300]


def findings(mapping: Mapping, data: Any) -> list[Found]:
    """Each field with its path and every value it found."""
    found = []
    for each in FIELDS:
        path = mapping.path(each)
        try:
            values = _found(path, data) if path else []
        except PathError as error:
            found.append(Found(each, path, [], problem=str(error)))
        else:
            found.append(Found(each, path, values))
    return found


def event_from(
    mapping: Mapping, data: Any, *, body: bytes, now: datetime | None = None
) -> PagerEvent:
    """The pager event of a body, or Quarantine naming the mapping's field and its path."""
    now = now or timezone.now()
    return PagerEvent(
        incident_id=_text(mapping, INCIDENT_ID, data, required=True),
        change=_change(mapping, data),
        occurred_at=_time(mapping, data, now),
        title=_text(mapping, TITLE, data),
        service=_service(mapping, data),
        level=_text(mapping, LEVEL, data),
        url=_text(mapping, URL, data),
        responders=_responders(mapping, data),
        text=_text(mapping, NOTE, data),
        event_id=_event_id(mapping, data, body),
    )


def _found(path: str, data: Any, of: Field | None = None) -> list[Any]:
    """The values found (``null`` is nothing found); a path that no longer reads is Quarantine
    naming ``of``."""
    try:
        return [value for value in find(path, data) if value is not None]
    except PathError as error:
        if of is None:
            raise
        raise Quarantine(f"{_where(of, path)}: {error}") from None


def _where(of: Field, path: str) -> str:
    return f"{of.label} ({path})" if path else of.label


def _text(mapping: Mapping, of: Field, data: Any, *, required: bool = False) -> str:
    path = mapping.path(of)
    if not path:
        if required:
            raise Quarantine(f"{of.label}: the mapping has no path for it.")
        return ""
    values = _found(path, data, of)
    if not values:
        if required:
            raise Quarantine(f"{_where(of, path)} found nothing in the body.")
        return ""
    return _as_text(of, path, values[0])


def _as_text(of: Field, path: str, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise Quarantine(f"{_where(of, path)} found {_kind(value)}, not text or a number.")
    text = str(value).strip().replace("\x00", "")
    if len(text) > of.limit:
        if of.refuse_longer:
            raise Quarantine(f"{_where(of, path)} found a value longer than {of.limit} characters.")
        text = text[: of.limit]
    return text


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    return "a list" if isinstance(value, list) else "true or false"


def _change(mapping: Mapping, data: Any) -> Change:
    path = mapping.path(STATUS)
    if not path:
        return Change.TRIGGERED
    value = _text(mapping, STATUS, data, required=True).lower()
    change = mapping.status_values.get(value)
    if change not in STATUS_CHANGES:
        known = ", ".join(f"“{known}”" for known in mapping.status_values) or "none"
        raise Quarantine(
            f"{_where(STATUS, path)}: “{value[:80]}” is not in the status table (it has {known})."
        )
    return STATUS_CHANGES[change]


def _service(mapping: Mapping, data: Any) -> str:
    name = _text(mapping, SERVICE, data)
    if name or mapping.fixed_service:
        return name or mapping.fixed_service
    path = mapping.path(SERVICE)
    if not path:
        raise Quarantine("Service: the mapping has no path for it and no fixed service.")
    raise Quarantine(
        f"{_where(SERVICE, path)} found nothing in the body, and no fixed service is chosen."
    )


def service_from(mapping: Mapping, data: Any) -> str:
    """Where the event's service name comes from: the service's path, or the fixed service."""
    path = mapping.path(SERVICE)
    return _where(SERVICE, path) if path and _text(mapping, SERVICE, data) else "the fixed service"


def _time(mapping: Mapping, data: Any, now: datetime) -> datetime:
    raw = _text(mapping, TIME, data)
    if not raw:
        return now
    where = _where(TIME, mapping.path(TIME))
    if NUMBER.fullmatch(raw):
        number = float(raw)
        seconds = number / 1000 if abs(number) >= MILLISECONDS_FROM else number
        try:
            value = datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise Quarantine(f"{where}: {raw[:40]} is not a time.") from None
    else:
        value = aware_time(raw)
        if value is None:
            raise Quarantine(
                f"{where}: “{raw[:40]}” is not an ISO 8601 time with a zone nor epoch seconds "
                "or milliseconds."
            )
    return check_window(value, where, now)


def _responders(mapping: Mapping, data: Any) -> tuple[str, ...]:
    path = mapping.path(RESPONDERS)
    if not path:
        return ()
    emails = []
    for value in _found(path, data, RESPONDERS):
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and "@" in item and len(item) <= RESPONDERS.limit:
                emails.append(item.strip())
    return tuple(emails[:RESPONDERS_LIMIT])


def _event_id(mapping: Mapping, data: Any, body: bytes) -> str:
    given = _text(mapping, EVENT_ID, data)
    if not given:
        return hashlib.sha256(body).hexdigest()
    if len(given) > EVENT_ID_LIMIT:
        return hashlib.sha256(given.encode()).hexdigest()
    return given
