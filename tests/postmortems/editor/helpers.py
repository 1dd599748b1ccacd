"""Incidents and postmortems made through the services, and the editor's save and row requests,
for the tests of every app that needs a postmortem to work on."""

from datetime import UTC, datetime, timedelta

from django.urls import reverse
from django_scopes import scope

from incidents import services as incident_services
from incidents.models import Incident, Status
from postmortems import creation
from postmortems.editor.services import content_digest
from postmortems.models import Postmortem, Section

HTMX = {"HX-Request": "true"}


T0 = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


def make_incident(organization, *, commander=None, severity="SEV1", entries=2, links=1, metrics=1):
    with scope(organization=organization):
        incident = incident_services.incident_declare(
            organization=organization,
            actor=commander,
            title="Payments failing",
            severity=severity,
            started_at=T0,
            detected_at=T0 + timedelta(minutes=3),
            services=["payments-api"],
            commander=commander,
        )
        for i in range(entries):
            incident_services.timeline_entry_add(
                incident=incident,
                actor=None,
                actor_name="Datadog",
                occurred_at=T0 + timedelta(minutes=2 + i),
                description=f"Event {i}",
                is_key_event=i == 0,
            )
        for i in range(links):
            incident_services.link_add(
                incident=incident,
                type="RELEASE",
                title=f"v2.3.{i}",
                url=f"https://git.example.com/releases/{i}",
            )
        for i in range(metrics):
            incident_services.metric_series_set(
                incident=incident,
                key=f"series{i}",
                name=f"Series {i}",
                unit="%",
                points=[
                    (T0, 1.0),
                    (T0 + timedelta(minutes=30), 9.0),
                    (T0 + timedelta(hours=2), 1.0),
                ],
            )
    Incident.objects.filter(pk=incident.pk).update(
        status=Status.RESOLVED, resolved_at=T0 + timedelta(hours=2)
    )
    incident.refresh_from_db()
    return incident


def make_postmortem(organization, author, incident=None, related=()):
    with scope(organization=organization):
        postmortem = creation.postmortem_create(
            organization=organization,
            actor=author,
            incident=incident,
            related_incidents=related,
        )
    postmortem.refresh_from_db()
    return postmortem


def url(name: str, postmortem: Postmortem | None = None, org_slug: str = "acme", **kwargs) -> str:
    if postmortem is not None:
        kwargs["number"] = postmortem.number
    return reverse(name, kwargs={"org_slug": org_slug, **kwargs})


def save_url(postmortem, key, **kwargs):
    return url("postmortem_section_save", postmortem, section_key=key, **kwargs)


def section(postmortem, key) -> Section:
    return Section.objects.get(postmortem=postmortem, key=key)


def rows_post(postmortem, key, rows, *, op="", version=None, digest=None) -> dict:
    """A structured editor's form as the browser posts it (``rows``: field → value dicts)."""
    postmortem.refresh_from_db()
    current = section(postmortem, key)
    prefix = f"s-{key}"
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(len(rows)),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
        "version": postmortem.version if version is None else version,
        "base_digest": content_digest(current.data) if digest is None else digest,
    }
    if op:
        data["op"] = op
    for index, row in enumerate(rows):
        for name, value in row.items():
            if value is True:
                data[f"{prefix}-{index}-{name}"] = "on"
            elif value is not False:
                data[f"{prefix}-{index}-{name}"] = value
    return data


def timeline_row(minute: int, event: str, key: bool = False, actor: str = "") -> dict:
    # datetime-local values are in the organization's time zone (Europe/Paris: UTC+1 in March)
    local = (T0 + timedelta(hours=1, minutes=minute)).strftime("%Y-%m-%dT%H:%M")
    return {"time": local, "event": event, "actor": actor, "key": key}


JSON = {"Accept": "application/json"}


def body_post(client, postmortem, key, body, *, version=None, digest=None):
    postmortem.refresh_from_db()
    current = section(postmortem, key)
    data = {
        "body": body,
        "version": postmortem.version if version is None else version,
        "base_digest": content_digest(current.body) if digest is None else digest,
    }
    return client.post(save_url(postmortem, key), data, headers=JSON)
