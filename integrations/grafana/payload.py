"""Grafana alerting's webhook contact point notification (Grafana 9+, payload version "1"),
read and checked.

Its body is Alertmanager's notification with Grafana's fields added: each alert's
``dashboardURL``, ``panelURL`` and ``silenceURL`` (kept in the linked alert's details with its
``generatorURL``), its ``values`` (Grafana 10+) or ``valueString`` (Grafana 9), and the
notification's ``orgId``, ``title``, ``state`` and ``message``. Alerts are read by
Alertmanager's reader, so both senders refuse the same things the same way."""

import dataclasses
from datetime import datetime

from ..alertmanager import payload as alertmanager_payload
from ..alertmanager.payload import Alert, Notification, event_id
from ..intake.errors import Quarantine

__all__ = ["event_id", "parse"]

VERSION = "1"
# Alert occurrences are kept per organization by fingerprint; Grafana's are prefixed
# ("grafana:") to stay apart from Alertmanager's, within the column's 64 characters.
FINGERPRINT_LIMIT = 56
URL_FIELDS = (("dashboardURL", "Dashboard"), ("panelURL", "Panel"), ("silenceURL", "Silence"))
VALUES_LIMIT = 500


def parse(body: bytes, *, now: datetime | None = None) -> Notification:
    return alertmanager_payload.read(
        body, version=VERSION, sender="Grafana", now=now, more=_grafana_fields, check=_org_id
    )


def _org_id(data: dict) -> None:
    org_id = data.get("orgId", 0)
    if isinstance(org_id, bool) or not isinstance(org_id, int):
        raise Quarantine(f"“orgId” is not a number: {str(org_id)[:40]!r}.")


def _grafana_fields(item: dict, alert: Alert, where: str) -> Alert:
    if len(alert.fingerprint) > FINGERPRINT_LIMIT:
        raise Quarantine(f"{where}.fingerprint is longer than {FINGERPRINT_LIMIT} characters.")
    urls = tuple(
        (name, alertmanager_payload.text(item, key, where=where)) for key, name in URL_FIELDS
    )
    return dataclasses.replace(alert, urls=urls, values=_values(item, where))


def _values(item: dict, where: str) -> str:
    values = item.get("values")
    if values is None:
        return alertmanager_payload.text(item, "valueString", where=where)[:VALUES_LIMIT]
    if not isinstance(values, dict) or not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in values.values()
    ):
        raise Quarantine(f"“{where}.values” is not an object of numbers.")
    text = ", ".join(f"{key}={value}" for key, value in sorted(values.items()))
    return text.replace("\x00", "")[:VALUES_LIMIT]
