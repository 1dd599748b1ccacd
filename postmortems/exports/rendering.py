"""An export as HTML, standalone or for print, and the PDF WeasyPrint makes of the latter
(cached per postmortem version and layout).

Both come from one template (``postmortems/export/_document.html``); the standalone page carries
its styles inline (``inline_styles``), so it shows the same when opened on its own.
"""

from __future__ import annotations

import hashlib
import re

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape

from postmortems.exports.documents import Export
from postmortems.exports.pdf import render_pdf

PDF_CACHE_TTL = 60 * 60 * 24
LAYOUT_VERSION = "1"  # bump when the PDF's look changes, so cached PDFs are made again


def _context(export: Export, *, standalone: bool) -> dict:
    return {
        "export": export,
        "postmortem": export.postmortem,
        "incident": export.incident,
        "document": export.document,
        "organization": export.organization,
        "standalone": standalone,
    }


def print_html_of(export: Export) -> str:
    """The HTML the PDF is rendered from (links ``css/print.css``)."""
    with timezone.override(export.organization.time_zone):
        return render_to_string("postmortems/export/print.html", _context(export, standalone=False))


def html_of(export: Export) -> str:
    """A standalone HTML page with inline styles, for e-mail or a wiki."""
    with timezone.override(export.organization.time_zone):
        html = render_to_string(
            "postmortems/export/standalone.html", _context(export, standalone=True)
        )
    return inline_styles(html)


# Styles written onto the elements of the standalone page (mail clients and wikis drop
# <style> blocks). Keys: a tag name, or ".class" for the classes our template uses. User
# content carries no class (nh3 drops it), so only tag styles apply to it.
TAG_STYLES = {
    "h1": "font-size:26px;line-height:1.25;margin:4px 0 8px;color:#111827",
    "h2": "font-size:19px;margin:28px 0 10px;padding-bottom:6px;border-bottom:1px solid #e5e7eb;"
    "color:#111827",
    "h3": "font-size:15px;margin:18px 0 6px;color:#111827",
    "p": "margin:0 0 10px",
    "table": "border-collapse:collapse;width:100%;margin:8px 0 14px;font-size:13px",
    "th": "text-align:left;padding:6px 8px;border-bottom:2px solid #d1d5db;background:#f9fafb;"
    "font-weight:600;vertical-align:top",
    "td": "padding:6px 8px;border-bottom:1px solid #e5e7eb;vertical-align:top",
    "pre": "background:#f3f4f6;padding:10px;border-radius:4px;overflow:auto;font-size:12px",
    "code": "font-family:SFMono-Regular,Menlo,Consolas,monospace;font-size:0.92em;"
    "background:#f3f4f6;padding:0 3px;border-radius:3px",
    "blockquote": "margin:0 0 10px;padding:4px 12px;border-left:3px solid #d1d5db;color:#4b5563",
    "a": "color:#4338ca",
    "ul": "margin:0 0 10px;padding-left:22px",
    "ol": "margin:0 0 10px;padding-left:22px",
    "li": "margin:2px 0",
    "dt": "font-size:11px;text-transform:uppercase;letter-spacing:.04em;color:#6b7280",
    "dd": "margin:0 0 8px;font-weight:600",
}
CLASS_STYLES = {
    "doc": "max-width:860px;margin:0 auto;padding:24px;font-family:-apple-system,"
    "'Segoe UI',Roboto,Helvetica,Arial,sans-serif;font-size:14px;line-height:1.55;color:#1f2937",
    "cover__eyebrow": "font-size:12px;letter-spacing:.06em;text-transform:uppercase;"
    "color:#6b7280;margin:0",
    "badge": "display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;"
    "font-weight:600;background:#eef2ff;color:#3730a3;margin-right:4px",
    "badge--sev": "background:#fee2e2;color:#991b1b",
    "facts": "width:100%;border-collapse:collapse;margin:12px 0",
    "facts__label": "color:#6b7280;width:150px;border-bottom:1px solid #f3f4f6",
    "numbers": "width:100%;border-collapse:separate;border-spacing:8px 0;margin:14px -8px",
    "number": "border:1px solid #e5e7eb;border-radius:6px;padding:10px;text-align:left",
    "number__value": "font-size:20px;font-weight:700;color:#111827",
    "number__label": "font-size:11px;text-transform:uppercase;letter-spacing:.04em;color:#6b7280",
    "muted": "color:#6b7280",
    "key-row": "background:#fffbeb",
    "day-row": "background:#f3f4f6;font-weight:600",
    "mono": "font-family:SFMono-Regular,Menlo,Consolas,monospace;font-size:12px",
    "overdue": "color:#b91c1c;font-weight:600",
    "factor-level": "margin:10px 0",
    "chart": "margin:10px 0",
    "note": "font-size:12px;color:#6b7280",
    "footer": "margin-top:32px;padding-top:10px;border-top:1px solid #e5e7eb;font-size:12px;"
    "color:#6b7280",
}
OPEN_TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9]*)((?:\s[^<>]*?)?)(/?)>")
CLASS_ATTR = re.compile(r'\sclass="([^"]*)"')


def inline_styles(html: str) -> str:
    """Write ``TAG_STYLES`` and ``CLASS_STYLES`` onto the elements as ``style`` attributes.

    Runs over markup made by our template and by the sanitiser (no ``style`` attribute there,
    attribute values escaped), inside ``<body>`` only; SVG elements are left alone."""
    head, sep, body = html.partition("<body")
    if not sep:
        return html

    def styled(match: re.Match) -> str:
        tag, attrs, slash = match.group(1), match.group(2), match.group(3)
        found = CLASS_ATTR.search(attrs)
        classes = found.group(1).split() if found else []
        styles = [TAG_STYLES.get(tag.lower(), "")]
        styles += [CLASS_STYLES.get(name, "") for name in classes]
        style = ";".join(s for s in styles if s)
        if not style or " style=" in attrs:
            return match.group(0)
        return f'<{tag}{attrs} style="{escape(style)}"{slash}>'

    return head + sep + OPEN_TAG.sub(styled, body)


def pdf_cache_key(export: Export) -> str:
    """Names the content: the organization, the number, the latest revision and version, and
    what changes outside revisions (items, reviews, the incident)."""
    pm, incident = export.postmortem, export.incident
    parts = [
        LAYOUT_VERSION,
        pm.organization_id,
        pm.number,
        export.revision,
        pm.version,
        pm.status,
        pm.updated_at.isoformat(),
        incident.updated_at.isoformat() if incident else "",
        export.organization.time_zone,
        export.today.isoformat(),
        *(f"{i.pk}:{i.updated_at.isoformat()}" for i in export.items),
        *(f"{r.pk}:{r.decision}" for r in export.reviews),
    ]
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:32]
    return f"pm-export-pdf:{pm.organization_id}:{pm.number}:r{export.revision}:{digest}"


def pdf_of(export: Export, *, use_cache: bool = True) -> bytes:
    """The PDF, cached per revision (``pdf_cache_key``). Raises ``pdf.PdfError``."""
    key = pdf_cache_key(export)
    if use_cache and (cached := cache.get(key)) is not None:
        return cached
    pdf = render_pdf(print_html_of(export))
    if use_cache:
        cache.set(key, pdf, PDF_CACHE_TTL)
    return pdf
