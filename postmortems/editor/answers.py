"""How the editor's saves answer: the version a save is based on, JSON for the editor's
``fetch`` and the page again (with the writer's input kept) without JavaScript."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from postmortems.editor import services as editing
from postmortems.editor.presenter import Base, editor_context
from postmortems.models import Postmortem

EDITOR = "postmortems/editor/edit.html"


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def editor_url(postmortem: Postmortem, anchor: str = "") -> str:
    url = reverse(
        "postmortem_edit",
        kwargs={"org_slug": postmortem.organization.slug, "number": postmortem.number},
    )
    return f"{url}#{anchor}" if anchor else url


def parse_base(request: HttpRequest) -> Base | None:
    version = request.POST.get("version", "")
    if not version.isdigit():
        return None
    return Base(int(version), request.POST.get("base_digest", "")[:64])


def json_error(status: int, message: str, **extra) -> JsonResponse:
    kind = {400: "invalid", 409: "conflict"}.get(status, "error")
    return JsonResponse({"error": kind, "message": message, **extra}, status=status)


def absorb(postmortem: Postmortem, saved: Postmortem) -> Postmortem:
    """Carry a save's result onto the request's postmortem (whose relations are loaded)."""
    for name in ("version", "title", "updated_at", *editing.IMPACT_FIELDS):
        setattr(postmortem, name, getattr(saved, name))
    return postmortem


def saved_payload(key: str, saved: Postmortem, digest: str, **outline_state) -> dict:
    """``outline_state``: the section's state for the editor's outline (``outline.saved_state``)."""
    return {
        "section": key,
        "version": saved.version,
        "digest": digest,
        "saved_at": timezone.now().isoformat(),
        **outline_state,
    }


def render_editor(request, postmortem, *, status: int = 200, overrides=None) -> HttpResponse:
    return render(request, EDITOR, editor_context(request, postmortem, overrides), status=status)
