"""The postmortem editor: creating a postmortem, the one-page editor, part saves and previews
(the page's read model is ``presenter``).

Views parse input with forms, check rights with ``permissions.may_edit``, and call the services;
the version check lives in ``services.postmortem_save``. Markdown bodies and the title are saved
by the editor's ``fetch`` (JSON answers); structured sections by htmx forms (partial answers,
``structured``).
Without JavaScript every form still posts and the page answers with a redirect or, when the
save is refused, the page again with the writer's text kept.

Every lookup is filtered by the request's organization and happens before the method check:
another organization's postmortem answers 404 whatever the method or the role.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from incidents import selectors as incident_selectors
from organizations.decorators import require_action
from organizations.lookups import object_from_url
from organizations.markdown import render_markdown
from organizations.roles import Action
from organizations.validators import text_too_large_message
from postmortems import creation
from postmortems.editor import outline
from postmortems.editor import services as editing
from postmortems.editor.answers import (
    absorb,
    editor_url,
    json_error,
    parse_base,
    render_editor,
    saved_payload,
    wants_json,
)
from postmortems.editor.forms import PostmortemCreateForm, lf
from postmortems.editor.rows import ROW_EDITORS
from postmortems.editor.structured import save_impact, save_rows
from postmortems.lookups import postmortem_from_number
from postmortems.models import Postmortem, Section, SectionKind
from postmortems.permissions import READ_ONLY_MESSAGE, ensure_may_edit, may_edit

# --- Plumbing ----------------------------------------------------------------------------------


def _section(request: HttpRequest, postmortem: Postmortem, key: str) -> Section | None:
    return Section.objects.filter(
        organization=request.organization, postmortem=postmortem, key=key
    ).first()


section_from_key = object_from_url("section_key", _section, missing="No such section.")
"""Replace ``section_key`` by the postmortem's section."""


# --- Creating ----------------------------------------------------------------------------------


@require_action(Action.CREATE_POSTMORTEM)
@require_http_methods(["GET", "POST"])
def postmortem_create(request: HttpRequest, org_slug: str) -> HttpResponse:
    organization = request.organization
    preselected = incident_selectors.incident_by_ref(
        organization=organization, ref=request.GET.get("incident", "")
    )
    form = PostmortemCreateForm(
        request.POST or None,
        organization=organization,
        initial={"incident": preselected.pk if preselected else None},
    )
    if request.method == "POST" and form.is_valid():
        try:
            postmortem = creation.postmortem_create(
                organization=organization, actor=request.user, **form.cleaned_data
            )
        except creation.IncidentHasPostmortem as taken:
            form.add_error("incident", str(taken))
            preselected = taken.incident
        except ValidationError as error:
            form.add_error(None, error)
        else:
            postmortem.organization = organization
            template = postmortem.template.name if postmortem.template else "blank"
            messages.success(
                request, f"PM-{postmortem.number} started from the {template} template."
            )
            return redirect(editor_url(postmortem))
    context = {
        "form": form,
        "preselected": preselected,
        "existing": creation.primary_postmortem_of(preselected) if preselected else None,
        "templates": list(form.fields["template"].queryset),
    }
    return render(
        request, "postmortems/editor/create.html", context, status=400 if form.errors else 200
    )


# --- The editor page ---------------------------------------------------------------------------


@postmortem_from_number
@require_http_methods(["GET", "POST"])
def postmortem_edit(request: HttpRequest, postmortem: Postmortem) -> HttpResponse:
    """GET: the editor (readers get a 403 page pointing to the read view). POST: the title."""
    if request.method == "POST":
        ensure_may_edit(request, postmortem)
        return save_title(request, postmortem)
    if not may_edit(request.user, request.membership, postmortem):
        context = {"postmortem": postmortem, "message": READ_ONLY_MESSAGE}
        return render(request, "postmortems/editor/read_only.html", context, status=403)
    return render_editor(request, postmortem)


def save_title(request: HttpRequest, postmortem: Postmortem) -> HttpResponse:
    base = parse_base(request)
    title = lf(request.POST.get("title", "")).replace("\n", " ")
    if base is None:
        return body_refused(request, postmortem, "title", title, 400, "The save names no version.")
    try:
        saved = editing.title_save(
            postmortem=postmortem,
            actor=request.user,
            title=title,
            base_version=base.version,
            base_digest=base.digest,
        )
    except editing.SectionConflict as conflict:
        return body_conflict(request, postmortem, "title", title, conflict)
    except ValidationError as error:
        return body_refused(request, postmortem, "title", title, 400, first_message(error))
    return part_saved(
        request, absorb(postmortem, saved), "title", editing.content_digest(saved.title)
    )


# --- Saving a section --------------------------------------------------------------------------


@postmortem_from_number
@section_from_key
@require_POST
def postmortem_section_save(
    request: HttpRequest, postmortem: Postmortem, section: Section
) -> HttpResponse:
    """``body`` (+ ``version``, ``base_digest``): the markdown, answered in JSON for the
    editor's autosave. Otherwise the structured editor's form, answered with its partial."""
    ensure_may_edit(request, postmortem)
    if "body" in request.POST:
        return save_body(request, postmortem, section)
    if section.kind in ROW_EDITORS:
        return save_rows(request, postmortem, section)
    if section.kind == SectionKind.IMPACT:
        return save_impact(request, postmortem, section)
    message = "Send the section's text as “body”; this section has no structured fields."
    if wants_json(request):
        return json_error(400, message)
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


def save_body(request: HttpRequest, postmortem: Postmortem, section: Section) -> HttpResponse:
    body = lf(request.POST["body"])
    base = parse_base(request)
    if base is None:
        return body_refused(request, postmortem, section.key, body, 400, "No version was sent.")
    try:
        saved = editing.section_body_save(
            postmortem=postmortem,
            actor=request.user,
            key=section.key,
            body=body,
            base_version=base.version,
            base_digest=base.digest,
        )
    except editing.SectionConflict as conflict:
        return body_conflict(request, postmortem, section.key, body, conflict)
    except ValidationError as error:
        return body_refused(request, postmortem, section.key, body, 400, first_message(error))
    section.body = body
    return part_saved(
        request,
        absorb(postmortem, saved),
        section.key,
        editing.content_digest(body),
        outline.saved_state(section, postmortem),
    )


def first_message(error: ValidationError) -> str:
    return " ".join(error.messages) if error.messages else "This could not be saved."


def part_saved(
    request: HttpRequest, saved: Postmortem, key: str, digest: str, state: dict | None = None
) -> HttpResponse:
    if wants_json(request):
        return JsonResponse(saved_payload(key, saved, digest, **(state or {})))
    anchor = "" if key == "title" else f"section-{key}"
    return redirect(editor_url(saved, anchor))


def body_conflict(
    request: HttpRequest,
    postmortem: Postmortem,
    key: str,
    yours: str,
    conflict: editing.SectionConflict,
) -> HttpResponse:
    """409: the writer's text and the current one, so they can merge; nothing is dropped."""
    payload = {
        "section": key,
        "yours": yours,
        "current": conflict.current,
        "current_version": conflict.current_version,
        "current_digest": conflict.current_digest,
    }
    message = "Someone else saved this while you were writing. Merge the two versions and save."
    if wants_json(request):
        return json_error(409, message, **payload)
    overrides = {key: {"body": yours, "conflict": payload}}
    return render_editor(request, postmortem, status=409, overrides=overrides)


def body_refused(
    request: HttpRequest, postmortem: Postmortem, key: str, text: str, status: int, message: str
) -> HttpResponse:
    """The save is refused; the writer's text is kept (in the editor, or on the page again)."""
    if wants_json(request):
        return json_error(status, message, section=key)
    overrides = {key: {"body": text, "error": message}}
    return render_editor(request, postmortem, status=status, overrides=overrides)


# --- Preview -----------------------------------------------------------------------------------


@postmortem_from_number
@section_from_key
@require_POST
def postmortem_section_preview(
    request: HttpRequest, postmortem: Postmortem, section: Section
) -> HttpResponse:
    """The posted markdown rendered and sanitised exactly as the read view will show it."""
    ensure_may_edit(request, postmortem)
    body = lf(request.POST.get("body", ""))
    context = {"html": "", "error": text_too_large_message(body, noun="section") or ""}
    if not context["error"]:
        context["html"] = render_markdown(body)
    status = 400 if context["error"] else 200
    return render(request, "postmortems/editor/_preview.html", context, status=status)
