"""What both deploy sources read into: one ``Announced`` release, before its service is
looked up. Nothing here writes."""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from ..intake.errors import Quarantine
from ..intake.times import aware_time, check_window

VERSION_LIMIT = 200
URL_LIMIT = 500


@dataclass(frozen=True)
class Announced:
    """A release to record, or (``ignored`` set) an event that records none and why."""

    source: str
    event: str  # the delivery's event id
    external_id: str = ""  # the release's id at its source
    service: str = ""
    version: str = ""
    url: str = ""
    deployed_at: datetime | None = None
    ignored: str = ""


def text(data: dict, key: str, *, where: str = "", limit: int = 200, required=True) -> str:
    value = data.get(key, "")
    name = f"{where}.{key}" if where else key
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Quarantine(f"“{name}” is not a string.")
    value = value.strip()
    if required and not value:
        raise Quarantine(f"“{name}” is missing.")
    if "\x00" in value:
        raise Quarantine(f"“{name}” holds a NUL character.")
    if len(value) > limit:
        raise Quarantine(f"“{name}” is longer than {limit} characters.")
    return value


def url(data: dict, key: str, *, where: str = "") -> str:
    value = text(data, key, where=where, limit=URL_LIMIT, required=False)
    if not value:
        return ""
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        raise Quarantine(f"“{f'{where}.{key}' if where else key}” is not an http(s) URL.") from None
    return value


def time(data: dict, key: str, *, where: str = "", now: datetime | None = None) -> datetime:
    raw = data.get(key)
    name = f"{where}.{key}" if where else key
    value = aware_time(raw) if isinstance(raw, str) else None
    if value is None:
        raise Quarantine(f"“{name}” is not a time with a zone: {str(raw)[:40]!r}.")
    return check_window(value, name, now)
