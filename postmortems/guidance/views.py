"""The writer's guidance in the editor: live language checks, dismissing a false alarm and the
quality checklist panel (the confirmation asked when submitting with failing items is in
``presenter``, drawn by the submit view).

Every endpoint has the editor's authorization: the postmortem is looked up first (another
organization's number is a 404 for any method), then ``may_edit`` (403 otherwise). Fragments
for htmx; without JavaScript the forms post and answer with a redirect to the editor.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from postmortems import services
from postmortems.editor.forms import lf
from postmortems.guidance import findings
from postmortems.guidance import services as guidance
from postmortems.guidance.presenter import guidance_urls
from postmortems.lookups import postmortem_from_number
from postmortems.models import Postmortem, Section
from postmortems.permissions import ensure_may_edit

T = "postmortems/guidance/"
REFRESH_EVENT = "guidance:changed"  # the checklist panel reloads on it


def section_or_404(request: HttpRequest, postmortem: Postmortem) -> Section:
    key = request.POST.get("section", "")
    section = (
        Section.objects.filter(organization=request.organization, postmortem=postmortem, key=key)
        .only("key", "kind", "title", "body", "data")
        .first()
        if key
        else None
    )
    if section is None:
        raise Http404("No such section.")
    return section


def posted_text(request: HttpRequest, section: Section) -> str:
    """The section's text as the writer has it: posted (``text``, or the editor's ``body``
    field), else as saved."""
    for name in ("text", "body"):
        if name in request.POST:
            return lf(request.POST[name])
    return section.body


def findings_response(
    request: HttpRequest, postmortem: Postmortem, section: Section, text: str, *, status=200
) -> HttpResponse:
    found = findings.section_findings(
        section.key,
        text,
        section.data,
        dismissed=findings.dismissed_keys(postmortem),
        people=findings.people_names(request.organization),
    )
    context = {"lg": found, "key": section.key, "lg_urls": guidance_urls(postmortem)}
    return render(request, T + "_findings.html", context, status=status)


def too_large(text: str) -> bool:
    return len(text.encode()) > services.MAX_SECTION_BYTES


@postmortem_from_number
@require_POST
def postmortem_language_check(request: HttpRequest, postmortem: Postmortem) -> HttpResponse:
    """The findings of one section's text as the writer is typing it (nothing is stored)."""
    ensure_may_edit(request, postmortem)
    section = section_or_404(request, postmortem)
    text = posted_text(request, section)
    if too_large(text):
        return HttpResponse(
            "This text is too large to check.", status=400, content_type="text/plain"
        )
    return findings_response(request, postmortem, section, text)


def _change(request: HttpRequest, postmortem: Postmortem, service, done: str) -> HttpResponse:
    ensure_may_edit(request, postmortem)
    section = section_or_404(request, postmortem)
    try:
        service(postmortem=postmortem, actor=request.user, key=request.POST.get("key", ""))
    except ValidationError as error:
        if not request.htmx:
            messages.error(request, " ".join(error.messages))
            return redirect(f"{guidance_urls(postmortem)['edit']}#section-{section.key}")
        return HttpResponse(" ".join(error.messages), status=400, content_type="text/plain")
    if not request.htmx:
        messages.success(request, done)
        return redirect(f"{guidance_urls(postmortem)['edit']}#section-{section.key}")
    text = posted_text(request, section)
    response = findings_response(request, postmortem, section, "" if too_large(text) else text)
    response["HX-Trigger"] = REFRESH_EVENT
    return response


@postmortem_from_number
@require_POST
def postmortem_language_dismiss(request: HttpRequest, postmortem: Postmortem) -> HttpResponse:
    """``key`` (a finding's dismissal key), ``section``: not a problem in this sentence."""
    return _change(
        request,
        postmortem,
        guidance.language_dismiss,
        "Dismissed: this wording is not flagged again in that sentence.",
    )


@postmortem_from_number
@require_POST
def postmortem_language_restore(request: HttpRequest, postmortem: Postmortem) -> HttpResponse:
    return _change(
        request, postmortem, guidance.language_restore, "The wording suggestion is shown again."
    )


@postmortem_from_number
@require_GET
def postmortem_quality(request: HttpRequest, postmortem: Postmortem) -> HttpResponse:
    """The checklist panel, as saved now (the editor reloads it after each save)."""
    ensure_may_edit(request, postmortem)
    context = {
        "guidance": guidance.postmortem_guidance(postmortem),
        "lg_urls": guidance_urls(postmortem),
        "postmortem": postmortem,
    }
    return render(request, T + "_checklist.html", context)


@postmortem_from_number
@require_GET
def postmortem_language_findings(request: HttpRequest, postmortem: Postmortem) -> HttpResponse:
    """Every section's findings (as saved), each swapped into its slot on the editor page
    (``hx-swap-oob``): the page asks for them once it has loaded."""
    ensure_may_edit(request, postmortem)
    found = guidance.postmortem_guidance(postmortem)
    context = {"sections": found.sections.items(), "lg_urls": guidance_urls(postmortem)}
    return render(request, T + "_all_findings.html", context)
