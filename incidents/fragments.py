"""Incident fragments (timeline entries, list rows), cached by what they show
(``organizations.fragments``)."""

from collections.abc import Iterable

from django.utils.safestring import SafeString

from organizations.fragments import render_cached

from .models import Incident, TimelineEntry


def timeline_entries(
    entries: Iterable[TimelineEntry], *, incident: Incident, can_update: bool, timeline_url: str
) -> SafeString:
    page = {"incident": incident, "can_update": can_update, "timeline_url": timeline_url}
    items = [
        (
            (
                entry.pk,
                entry.occurred_at.isoformat(),
                entry.kind,
                entry.actor_display,
                entry.description,
                entry.evidence_url,
                entry.is_key_event,
            ),
            {**page, "entry": entry},
        )
        for entry in entries
    ]
    shared = (incident.started_at.isoformat(), can_update, timeline_url)
    return render_cached("incidents/detail.html#entry", items, shared=shared)


def incident_rows(incidents: Iterable[Incident], *, organization) -> SafeString:
    items = [
        (
            (
                incident.pk,
                incident.ref,
                incident.title,
                incident.severity,
                incident.status,
                incident.started_at.isoformat(),
                str(incident.duration),
                incident.commander_id and incident.commander.get_full_name(),
                incident.commander_id and incident.commander.get_username(),
                [link.service.name for link in incident.service_links.all()],
                incident.postmortem and (incident.postmortem.pk, incident.postmortem.status),
                incident.postmortem_required,
            ),
            {"incident": incident, "organization": organization},
        )
        for incident in incidents
    ]
    return render_cached("incidents/_incident_table.html#row", items, shared=(organization.slug,))
