"""What Grafana's alert notifications do to incidents: what Alertmanager's do (the same
``apply``), named Grafana on the timeline and in the links' external ids."""

from ..alertmanager import apply as alertmanager_apply
from ..alertmanager.payload import Notification
from ..intake.models import WebhookEndpoint

GRAFANA = alertmanager_apply.Origin(name="Grafana", key="grafana", occurrence_prefix="grafana:")


def apply(endpoint: WebhookEndpoint, notification: Notification) -> str:
    return alertmanager_apply.apply(endpoint, notification, origin=GRAFANA)
