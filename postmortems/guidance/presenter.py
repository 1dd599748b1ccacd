"""What other pages show of the writer's guidance: the editor's guidance addresses, and the
confirmation asked when submitting with failing checklist items."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from postmortems.guidance import services as guidance
from postmortems.models import Postmortem
from postmortems.review.panels import urls_for

T = "postmortems/guidance/"


def guidance_urls(postmortem: Postmortem) -> dict[str, str]:
    kwargs = {"org_slug": postmortem.organization.slug, "number": postmortem.number}
    return {
        name: reverse(f"postmortem_{view}", kwargs=kwargs)
        for name, view in (
            ("check", "language_check"),
            ("dismiss", "language_dismiss"),
            ("restore", "language_restore"),
            ("quality", "quality"),
            ("findings", "language_findings"),
            ("edit", "edit"),
        )
    }


def editor_context(request: HttpRequest, postmortem: Postmortem) -> dict:
    """What the editor page needs of the guidance: only its addresses. The checklist and each
    section's findings load just after the page (``postmortem_quality``,
    ``postmortem_language_findings``), so the page itself costs nothing more to render."""
    return {"lg_urls": guidance_urls(postmortem)}


def submit_confirmation(
    request: HttpRequest, postmortem: Postmortem, pending: guidance.NeedsConfirmation
) -> HttpResponse:
    """Submitting with failing checklist items: list them, with "Submit anyway" (which posts
    the same form again with ``confirm=1``). Nothing was submitted."""
    context = {
        "postmortem": postmortem,
        "failing": pending.failing,
        "score": pending.score,
        "urls": urls_for(postmortem),
        "reviewers": request.POST.getlist("reviewers"),
        "replace_reviewers": request.POST.get("replace_reviewers", ""),
    }
    template = "_confirm_submit.html" if request.htmx else "confirm_submit.html"
    return render(request, T + template, context)
