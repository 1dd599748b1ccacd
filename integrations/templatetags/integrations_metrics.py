"""The incident page's metrics capture panel: how the last capture went and, for members who
may edit the incident, the "Capture metrics" button (shown when a metrics endpoint is set)."""

from django import template

from integrations.metrics import selectors

register = template.Library()


@register.inclusion_tag("integrations/metrics/_incident_panel.html", takes_context=True)
def metrics_capture_panel(context, incident) -> dict:
    endpoint = selectors.endpoint_for(incident.organization)
    return {
        "incident": incident,
        "organization": incident.organization,
        "endpoint": endpoint,
        "capture": selectors.capture_for(incident) if endpoint else None,
        "can_update": context.get("can_update", False),
        "csrf_token": context.get("csrf_token"),
    }
