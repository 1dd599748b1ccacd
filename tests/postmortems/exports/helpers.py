"""A postmortem's export URL and the text of its PDF."""

import io

from django.urls import reverse
from pypdf import PdfReader


def export_url(org, postmortem, fmt: str) -> str:
    return reverse(
        "postmortem_export",
        kwargs={"org_slug": org.slug, "number": postmortem.number, "fmt": fmt},
    )


def pdf_text(data: bytes, tmp_path=None) -> str:
    """The PDF's text, page after page (pypdf: no external tool, never skipped)."""
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
