"""Resolved incidents, postmortems and saves for the reading, export, sharing and API tests, the
checks that hostile content stays inert, and the read pages' URLs and text."""

from datetime import UTC, datetime, timedelta

from django.urls import reverse
from django_scopes import scope

from incidents import services as incident_services
from incidents import transitions
from postmortems import creation, services
from postmortems.models import Postmortem, Template
from tests.markup import Elements

T0 = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


XSS_CORPUS = [
    "<script>alert('body')</script>",
    '<img src=x onerror="alert(1)">',
    "[click me](javascript:alert(1))",
    "[mixed case](JaVaScRiPt:alert(1))",
    '<a href="javascript:alert(2)">raw link</a>',
    '<div hx-post="/evil" hx-trigger="load">htmx</div>',
    '<iframe src="https://evil.example.com"></iframe>',
    '<p style="position:fixed;top:0">styled</p>',
    "<svg onload=alert(3)></svg>",
    "![pic](javascript:alert(4))",
    '<object data="https://evil.example.com/x.swf"></object>',
]


XSS = "\n\n".join(XSS_CORPUS)


OWN_FORM_HTMX = {"hx-post", "hx-target", "hx-swap"}


def _own_form(tag: str, attrs: dict) -> bool:
    """One of the application's forms (the read view's comment forms): it posts with htmx to
    its own ``action``, an address of the application."""
    action = attrs.get("action") or ""
    return tag == "form" and action.startswith("/o/") and attrs.get("hx-post") == action


def assert_inert(html: str) -> None:
    """Nothing in the page can run script, load a frame, restyle it or drive htmx, except the
    application's own static scripts, its own forms and the CSRF header of ``<body>``."""
    for tag, attrs in Elements(html).tags:
        assert tag not in {"iframe", "object", "embed", "style"}, tag
        if tag == "script":
            assert attrs.get("src", "").startswith("/static/"), attrs
        own_form = _own_form(tag, attrs)
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert name != "style", (tag, attrs)
            assert (
                not name.startswith("hx-")
                or (tag, name) == ("body", "hx-headers")
                or (own_form and name in OWN_FORM_HTMX)
            ), (tag, name)
            if name in {"href", "src", "action", "data"}:
                assert not (value or "").strip().lower().startswith("javascript:"), (tag, value)


def resolved_incident(org, actor, *, title="Payments failing", severity="SEV1", links=1, **extra):
    with scope(organization=org):
        incident = incident_services.incident_declare(
            organization=org,
            actor=actor,
            title=title,
            severity=severity,
            started_at=extra.pop("started_at", T0),
            services=extra.pop("services", ["payments-api", "postgres"]),
            commander=actor,
            customer_impact=True,
            **extra,
        )
        incident_services.timeline_entry_add(
            incident=incident,
            actor=None,
            actor_name="Datadog",
            occurred_at=incident.started_at + timedelta(minutes=2),
            description="Error rate above 5%",
            is_key_event=True,
        )
        for n in range(links):
            incident_services.link_add(
                incident=incident,
                type="RELEASE" if n % 2 == 0 else "ALERT",
                title=f"payments-api v2.3.{n}",
                url=f"https://git.example.com/releases/{n}",
                relationship="CAUSED_BY" if n == 0 else "RELATED",
            )
        incident_services.metric_series_set(
            incident=incident,
            key="errorRate",
            name="Error rate · payments-api",
            unit="%",
            points=[(incident.started_at + timedelta(minutes=m), m % 7) for m in range(0, 90, 5)],
        )
        transitions.incident_resolve(
            incident=incident, actor=None, at=incident.started_at + timedelta(hours=2)
        )
    incident.refresh_from_db()
    return incident


def comprehensive(org) -> Template:
    services.templates_install_builtins(organization=org)
    return Template.objects.get(organization=org, builtin_key="comprehensive")


def new_postmortem(org, author, incident=None, **kwargs) -> Postmortem:
    with scope(organization=org):
        return creation.postmortem_create(
            organization=org,
            actor=author,
            template=kwargs.pop("template", None) or comprehensive(org),
            incident=incident,
            **kwargs,
        )


def save(postmortem, actor, **changes) -> Postmortem:
    with scope(organization=postmortem.organization):
        return services.postmortem_save(
            postmortem=postmortem, actor=actor, base_version=postmortem.version, **changes
        )


def url(name: str, org, **kwargs) -> str:
    return reverse(name, kwargs={"org_slug": org.slug, **kwargs})


def body(response) -> str:
    return response.content.decode()
