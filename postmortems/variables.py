"""Template variables: ``{{incident.title}}`` and friends (DESIGN §5).

Substitution is one pass of a regular expression over the text, looking names up in an explicit
table: no template engine ever sees user text, and a substituted value is never scanned again.
Templates are validated when saved: any ``{{ … }}`` that is not exactly a known name, and any
``{% … %}`` or ``{# … #}``, is refused with the list of valid names.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from incidents.models import Incident, IncidentLink, LinkType, MetricSeries, TimelineEntry
from organizations.people import display_name
from organizations.templatetags.hindsight import duration as human_duration
from organizations.validators import text_too_large_message

VARIABLE_PATTERN = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
ENGINE_SYNTAX = re.compile(r"\{%|%\}|\{#|#\}")


@dataclass
class IncidentContext:
    """What the variables read, loaded once per generation."""

    incident: Incident
    services: list[str]
    participants: list[str]
    timeline: list[TimelineEntry]
    links: list[IncidentLink]
    metrics: dict[str, MetricSeries]


def _when(value: datetime | None) -> str:
    if value is None:
        return "—"
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M %Z")


def format_duration(value: timedelta | None) -> str:
    """A duration as the pages and exports write it ("2h 14m"), so generated text and the
    figures beside it read the same."""
    return human_duration(value)


def _cell(text: str) -> str:
    """Text made safe for one markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def _timeline_table(ctx: IncidentContext) -> str:
    if not ctx.timeline:
        return "_No timeline entries were recorded._"
    rows = ["| Time | Event | Who |", "|---|---|---|"]
    for entry in ctx.timeline:
        star = "★ " if entry.is_key_event else ""
        rows.append(
            f"| {timezone.localtime(entry.occurred_at):%H:%M} "
            f"| {star}{_cell(entry.description)} | {_cell(entry.actor_display or '—')} |"
        )
    return "\n".join(rows)


def _link_list(ctx: IncidentContext, link_type: str, empty: str) -> str:
    links = [link for link in ctx.links if link.type == link_type]
    if not links:
        return f"_{empty}_"
    lines = []
    for link in links:
        title = _cell(link.title).replace("[", "\\[").replace("]", "\\]")
        label = f"[{title}]({link.url})" if link.url else f"{title} ({_cell(link.external_id)})"
        lines.append(f"- {label} — {link.get_relationship_display().lower()}")
    return "\n".join(lines)


def _chart(ctx: IncidentContext, key: str) -> str:
    series = ctx.metrics.get(key)
    if series is None:
        return "_No metric captured._"
    url = reverse(
        "incident_metric_chart",
        kwargs={
            "org_slug": ctx.incident.organization.slug,
            "ref": ctx.incident.ref,
            "metric": key,
        },
    )
    return f"![{series.name}]({url})"


Resolver = Callable[[IncidentContext], str]

VARIABLES: dict[str, tuple[str, Resolver]] = {
    "incident.id": ("The incident reference, e.g. INC-2026-0042", lambda c: c.incident.ref),
    "incident.title": ("The incident title", lambda c: c.incident.title),
    "incident.severity": ("SEV1–SEV4", lambda c: c.incident.severity),
    "incident.status": ("The incident status", lambda c: c.incident.get_status_display()),
    "incident.description": ("The incident description", lambda c: c.incident.description),
    "incident.duration": (
        "From impact start to resolution",
        lambda c: format_duration(c.incident.duration),
    ),
    "incident.services": (
        "Affected services, comma-separated",
        lambda c: ", ".join(c.services) or "—",
    ),
    "incident.commander": (
        "The incident commander",
        lambda c: display_name(c.incident.commander, missing="—"),
    ),
    "incident.participants": (
        "Everyone who took part",
        lambda c: ", ".join(c.participants) or "—",
    ),
    "incident.started": ("When impact began", lambda c: _when(c.incident.started_at)),
    "incident.detected": ("When it was detected", lambda c: _when(c.incident.detected_at)),
    "incident.resolved": ("When it was resolved", lambda c: _when(c.incident.resolved_at)),
    "incident.timeToDetect": (
        "Impact start to detection",
        lambda c: format_duration(c.incident.time_to_detect),
    ),
    "incident.timeToResolve": (
        "Impact start to resolution",
        lambda c: format_duration(c.incident.time_to_resolve),
    ),
    "incident.customerImpact": (
        "Yes or No",
        lambda c: "Yes" if c.incident.customer_impact else "No",
    ),
    "incident.timeline": ("The timeline as a table", _timeline_table),
    "incident.alerts": (
        "Linked alerts",
        lambda c: _link_list(c, LinkType.ALERT, "No alerts linked."),
    ),
    "incident.errors": (
        "Linked error groups",
        lambda c: _link_list(c, LinkType.ERROR_GROUP, "No error groups linked."),
    ),
    "incident.releases": (
        "Linked releases",
        lambda c: _link_list(c, LinkType.RELEASE, "No releases linked."),
    ),
    "metrics.errorRate": ("The error-rate chart", lambda c: _chart(c, "errorRate")),
    "metrics.latency": ("The latency chart", lambda c: _chart(c, "latency")),
}


def variable_catalogue() -> list[tuple[str, str]]:
    """(``{{name}}``, what it inserts) for the template designer's palette."""
    return [("{{" + name + "}}", description) for name, (description, _) in VARIABLES.items()]


def validate_template_text(text: str, *, field: str = "default_text") -> None:
    """Refuse text over the size limit, engine syntax and unknown variables, naming them and
    listing the valid ones."""
    problems = []
    too_large = text_too_large_message(text)
    if too_large:
        problems.append(too_large)
    if ENGINE_SYNTAX.search(text):
        problems.append("Template tags such as {% … %} and comments {# … #} are not allowed.")
    unknown = sorted({m.group(1) for m in VARIABLE_PATTERN.finditer(text)} - set(VARIABLES))
    if unknown:
        shown = ", ".join("{{" + name + "}}" for name in unknown)
        valid = ", ".join("{{" + name + "}}" for name in VARIABLES)
        problems.append(f"Unknown variable(s): {shown}. Valid variables: {valid}.")
    if problems:
        raise ValidationError({field: problems})


def substitute(text: str, ctx: IncidentContext | None) -> str:
    """Replace each known ``{{name}}`` once; with no incident, a ``[name]`` placeholder the
    writer fills in (as in a paper template) rather than a row of dashes."""

    def replace(match: re.Match) -> str:
        name = match.group(1)
        if name not in VARIABLES:
            return match.group(0)
        if ctx is None:
            return f"[{name}]"
        return VARIABLES[name][1](ctx)

    return VARIABLE_PATTERN.sub(replace, text)
