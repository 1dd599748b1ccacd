"""Alertmanager's webhook notification (receiver payload version 4), read and checked.

Nothing here writes: ``parse`` turns the body into a ``Notification`` or raises ``Quarantine``
naming what is wrong, ``event_id`` says which notification it is (the same one re-sent has the
same id). ``read`` is shared with the senders whose payload is Alertmanager's with more fields
(Grafana's webhook contact point): each adds its fields to every alert."""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from ..intake.errors import Quarantine, json_object
from ..intake.times import aware_time, check_window

VERSION = "4"
STATUSES = ("firing", "resolved")
# Alertmanager's "not ended yet" (Go's zero time).
ZERO_TIME_YEAR = 1


@dataclass(frozen=True)
class Alert:
    status: str
    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: datetime
    ends_at: datetime | None
    generator_url: str
    fingerprint: str
    # More of the sender's addresses, kept in the link's details: (("Dashboard", url), ...).
    urls: tuple[tuple[str, str], ...] = ()
    # The values the sender evaluated, as text ("B=44.2, C=1").
    values: str = ""

    @property
    def name(self) -> str:
        return self.labels.get("alertname", "") or "Alert"

    @property
    def summary(self) -> str:
        return self.annotations.get("summary", "") or self.annotations.get("description", "")

    @property
    def service(self) -> str:
        return (self.labels.get("service") or self.labels.get("job") or "").strip()


@dataclass(frozen=True)
class Notification:
    group_key: str
    status: str
    receiver: str
    external_url: str
    alerts: tuple[Alert, ...]


def parse(body: bytes, *, now: datetime | None = None) -> Notification:
    return read(body, version=VERSION, sender="Alertmanager", now=now)


def read(
    body: bytes,
    *,
    version: str,
    sender: str,
    now: datetime | None = None,
    more: Callable[[dict, Alert, str], Alert] | None = None,
    check: Callable[[dict], None] | None = None,
) -> Notification:
    """The notification in ``body``, of ``sender``'s payload ``version``; ``check`` (the raw
    notification) refuses a sender's own fields, ``more`` (the raw alert, the alert read,
    where it is) adds them to each alert."""
    data = json_object(body)
    if str(data.get("version", "")) != version:
        raise Quarantine(
            f"Unknown payload version {data.get('version')!r}: {sender}'s is “{version}”."
        )
    if check:
        check(data)
    group_key = text(data, "groupKey", required=True)
    status = _status(data, "status")
    alerts = data.get("alerts")
    if not isinstance(alerts, list) or not alerts:
        raise Quarantine("“alerts” is missing or empty.")
    now = now or timezone.now()
    read_alerts = []
    for index, item in enumerate(alerts):
        alert = _alert(item, index, now)
        read_alerts.append(more(item, alert, f"alerts[{index}]") if more else alert)
    return Notification(
        group_key=group_key,
        status=status,
        receiver=text(data, "receiver"),
        external_url=text(data, "externalURL"),
        alerts=tuple(read_alerts),
    )


def event_id(notification: Notification) -> str:
    """The notification's identity: its group, status, and each alert's fingerprint, status
    and start. Alertmanager re-sends an unchanged group on its repeat interval with this id."""
    parts = [notification.group_key, notification.status]
    parts += sorted(
        f"{a.fingerprint}|{a.status}|{a.starts_at.isoformat()}" for a in notification.alerts
    )
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _alert(item, index: int, now: datetime) -> Alert:
    where = f"alerts[{index}]"
    if not isinstance(item, dict):
        raise Quarantine(f"{where} is not an object.")
    labels = strings(item, "labels", where)
    status = _status(item, "status", where)
    starts_at = _time(item, "startsAt", where)
    ends_at = _time(item, "endsAt", where, optional=True)
    check_window(starts_at, f"{where}.startsAt", now)
    if status == "resolved":
        if ends_at is None:
            raise Quarantine(f"{where} is resolved without an “endsAt”.")
        check_window(ends_at, f"{where}.endsAt", now)
    fingerprint = text(item, "fingerprint", where=where, required=True)
    if len(fingerprint) > 64:
        raise Quarantine(f"{where}.fingerprint is longer than 64 characters.")
    return Alert(
        status=status,
        labels=labels,
        annotations=strings(item, "annotations", where),
        starts_at=starts_at,
        ends_at=ends_at,
        generator_url=text(item, "generatorURL", where=where),
        fingerprint=fingerprint,
    )


def text(data: dict, key: str, where: str = "", *, required: bool = False) -> str:
    value = data.get(key, "")
    name = f"{where}.{key}" if where else key
    if not isinstance(value, str):
        raise Quarantine(f"“{name}” is not a string.")
    if required and not value.strip():
        raise Quarantine(f"“{name}” is missing.")
    if "\x00" in value:
        raise Quarantine(f"“{name}” holds a NUL character.")
    return value


def _status(data: dict, key: str, where: str = "") -> str:
    value = data.get(key)
    if value not in STATUSES:
        name = f"{where}.{key}" if where else key
        raise Quarantine(f"“{name}” is {value!r}, not “firing” or “resolved”.")
    return value


def strings(data: dict, key: str, where: str) -> dict[str, str]:
    value = data.get(key, {})
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise Quarantine(f"“{where}.{key}” is not an object of strings.")
    if any("\x00" in k or "\x00" in v for k, v in value.items()):
        raise Quarantine(f"“{where}.{key}” holds a NUL character.")
    return value


def _time(data: dict, key: str, where: str, *, optional: bool = False) -> datetime | None:
    raw = data.get(key)
    value = aware_time(raw) if isinstance(raw, str) else None
    if value is None:
        if optional and raw in (None, ""):
            return None
        raise Quarantine(f"“{where}.{key}” is not a time with a zone: {str(raw)[:40]!r}.")
    if value.year == ZERO_TIME_YEAR:
        if optional:
            return None
        raise Quarantine(f"“{where}.{key}” is not set.")
    return value
