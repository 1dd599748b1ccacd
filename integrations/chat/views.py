"""The incident's "Import chat" page: upload or paste, see the proposed entries, pick, add."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from incidents.lookups import incident_from_ref
from incidents.models import Incident
from incidents.presenter import incident_url
from organizations.decorators import require_action
from organizations.roles import Action

from . import selectors, services
from .forms import ChatChoiceForm, ChatSourceForm, sign_proposals

TEMPLATE = "integrations/chat/import.html"


@require_action(Action.UPDATE_INCIDENT)
@incident_from_ref
@require_http_methods(["GET", "POST"])
def chat_import(request: HttpRequest, incident: Incident) -> HttpResponse:
    """GET: the form. POST ``step=read``: the proposals; ``step=add``: add the picked ones."""
    if request.method == "POST" and request.POST.get("step") == "add":
        return _add(request, incident)
    if request.method == "GET":
        form = ChatSourceForm(incident=incident)
        return render(request, TEMPLATE, _context(incident, form=form))
    form = ChatSourceForm(request.POST, request.FILES, incident=incident)
    if not form.is_valid():
        return render(request, TEMPLATE, _context(incident, form=form), status=400)
    proposals = selectors.proposals(incident=incident, messages=form.messages)
    payload = sign_proposals(incident, messages=form.messages, source=form.source)
    context = _context(incident, proposals=proposals, payload=payload, source=form.source)
    return render(request, TEMPLATE, context)


def _add(request: HttpRequest, incident: Incident) -> HttpResponse:
    form = ChatChoiceForm(request.POST, incident=incident)
    if not form.is_valid():
        if "payload" in form.errors:
            context = _context(incident, form=ChatSourceForm(incident=incident), choice=form)
        else:
            proposals = selectors.proposals(incident=incident, messages=form.messages)
            context = _context(
                incident,
                proposals=proposals,
                payload=form.data["payload"],
                source=form.source,
                choice=form,
            )
        return render(request, TEMPLATE, context, status=400)
    chosen = form.chosen()
    added = services.chat_messages_add(
        incident=incident, actor=request.user, messages=chosen, source=form.source
    )
    skipped = len(chosen) - len(added)
    note = f" ({skipped} already on the timeline)" if skipped else ""
    messages.success(request, f"Added {len(added)} entries from {form.source}{note}.")
    return redirect(incident_url(incident, "timeline"))


def _context(incident: Incident, **extra) -> dict:
    start, end = selectors.incident_window(incident)
    return {"incident": incident, "window_start": start, "window_end": end, **extra}
