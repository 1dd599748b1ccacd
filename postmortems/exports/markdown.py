"""One postmortem as Markdown a wiki renders: a header with its metadata table, the sections in
order (timeline, whys, factors and action items as tables or lists), and the reviews."""

from datetime import datetime

from django.utils import timezone

from organizations.people import display_name
from organizations.templatetags.hindsight import duration as human_duration
from organizations.templatetags.hindsight import t_offset
from postmortems.exports.documents import Export, ExportSection
from postmortems.models import SectionKind
from postmortems.templatetags.documents import category_label, money


def markdown_of(export: Export) -> str:
    """The document as Markdown a wiki renders: header, metadata table, sections in order
    (timeline and action items as tables), reviews."""
    with timezone.override(export.organization.time_zone):
        parts = [_md_header(export)]
        for section in export.sections:
            parts.append(f"## {_line(section.title)}\n\n" + _md_section(section, export))
        if export.reviews:
            parts.append(_md_reviews(export))
        parts.append(
            f"_Exported from Hindsight on {_when(export.exported_at)} · version "
            f"{export.postmortem.version} · times in {export.organization.time_zone}_"
        )
    return "\n\n".join(p.strip() for p in parts if p.strip()) + "\n"


def _md_header(export: Export) -> str:
    pm, incident = export.postmortem, export.incident
    rows = [
        ("Status", pm.get_status_display()),
        ("Incident", f"{incident.ref} {incident.title}" if incident else "—"),
        ("Severity", incident.get_severity_display() if incident else "—"),
        ("Date", _when(incident.started_at) if incident else "—"),
        *export.key_numbers,
        ("Services", ", ".join(export.document.services) or "—"),
        ("Commander", display_name(incident and incident.commander, missing="—")),
        ("Author", display_name(pm.author, missing="—")),
        ("Reviewers", ", ".join(display_name(u, missing="") for u in export.reviewers) or "—"),
        ("Published", _when(pm.published_at) if pm.published_at else "—"),
    ]
    table = "| | |\n|---|---|\n" + "\n".join(f"| **{k}** | {_cell(v)} |" for k, v in rows)
    return f"# PM-{pm.number}: {_line(pm.title)}\n\n{table}"


def _md_section(section: ExportSection, export: Export) -> str:
    body = section.body.strip() if section.show_body else ""
    extra = {
        SectionKind.TIMELINE: _md_timeline,
        SectionKind.FIVE_WHYS: _md_whys,
        SectionKind.CONTRIBUTING_FACTORS: _md_factors,
        SectionKind.ACTION_ITEMS: _md_items,
        SectionKind.IMPACT: _md_impact,
        SectionKind.LINKS: _md_links,
    }.get(section.kind)
    structured = extra(section, export) if extra else ""
    if section.kind == SectionKind.IMPACT:
        text = "\n\n".join(p for p in (structured, body) if p)
    else:
        text = "\n\n".join(p for p in (body, structured) if p)
    return text or "_Not written yet._"


def _md_timeline(section: ExportSection, export: Export) -> str:
    if not section.rows:
        return ""
    start = export.incident.started_at if export.incident else None
    lines = ["| Time | T+ | Event | Who |", "|---|---|---|---|"]
    for row in section.rows:
        when = row.moment.strftime("%Y-%m-%d %H:%M") if row.moment else row.raw_time
        event = ("★ " if row.key else "") + row.event
        offset = t_offset(row.moment, start) if row.moment else ""
        lines.append(f"| {_cell(when)} | {offset} | {_cell(event)} | {_cell(row.actor)} |")
    return "\n".join(lines) + "\n\n_★ marks a key event._"


def _md_whys(section: ExportSection, export: Export) -> str:
    lines = []
    for number, step in enumerate(section.whys, start=1):
        lines.append(f"{number}. **{_line(step['why'] or 'Why?')}**")
        if step["because"]:
            lines.append(f"   Because {_line(step['because'])}")
    return "\n".join(lines)


def _md_factors(section: ExportSection, export: Export) -> str:
    parts = []
    for level in section.factor_levels:
        lines = [f"### {level['title']}"]
        for factor in level["factors"]:
            category = (
                f" _({category_label(factor['category'])})_" if factor.get("category") else ""
            )
            title = _line(str(factor.get("title") or "Untitled factor"))
            description = _line(str(factor.get("description") or ""))
            lines.append(f"- **{title}**{category}" + (f" — {description}" if description else ""))
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def _md_items(section: ExportSection, export: Export) -> str:
    if not section.items:
        return ""
    lines = [
        "| # | Action | Owner | Due | Priority | Status | Ticket |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in export.item_rows(section.items):
        item = row["item"]
        due = item.due_date.isoformat() if item.due_date else "—"
        if row["overdue"]:
            due += " (overdue)"
        ticket = f"[{row['ticket']}]({item.ticket_url})" if item.ticket_url else "—"
        lines.append(
            f"| AI-{item.number} | {_cell(item.description)} | {_cell(row['owner'] or '—')} | "
            f"{due} | {item.get_priority_display()} | {item.get_status_display()} | {ticket} |"
        )
    return "\n".join(lines)


def _md_impact(section: ExportSection, export: Export) -> str:
    pm = export.postmortem
    rows = [
        ("Users affected", f"{pm.users_affected:,}" if pm.users_affected is not None else "—"),
        (
            "Duration of impact",
            human_duration(export.incident.duration) if export.incident else "—",
        ),
        ("Revenue impact", money(pm.revenue_impact)),
        ("SLA", {None: "—", True: "Breached", False: "Met"}[pm.sla_breached]),
        ("Support tickets", f"{pm.support_tickets:,}" if pm.support_tickets is not None else "—"),
    ]
    return "| | |\n|---|---|\n" + "\n".join(f"| {k} | {v} |" for k, v in rows)


def _md_links(section: ExportSection, export: Export) -> str:
    lines = []
    for link in export.document.links:
        title = _line(link.title).replace("[", "\\[").replace("]", "\\]")
        label = f"[{title}]({link.url})" if link.url else title
        extra = f" `{link.external_id}`" if link.external_id else ""
        lines.append(
            f"- **{link.get_type_display()}:** {label}{extra} — "
            f"{link.get_relationship_display().lower()}"
        )
    return "\n".join(lines)


def _md_reviews(export: Export) -> str:
    lines = ["## Reviews", "", "| Round | Reviewer | Decision | Comment |", "|---|---|---|---|"]
    for review in export.reviews:
        lines.append(
            f"| {review.round} | {_cell(display_name(review.reviewer, missing=''))} | "
            f"{review.get_decision_display()} | {_cell(review.comment or '—')} |"
        )
    return "\n".join(lines)


def _cell(text) -> str:
    """Text fit for one Markdown table cell."""
    return _line(str(text)).replace("|", "\\|")


def _line(text: str) -> str:
    return " ".join(str(text).split())


def _when(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M %Z") if moment else "—"
