"""The add form's near-repeat lookup: as a writer types a new item, the open items elsewhere in
the organization that it nearly repeats (htmx, debounced; a fragment, empty when none)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from organizations.decorators import require_action
from organizations.roles import Action
from postmortems.lookups import postmortem_from_number
from postmortems.models import Postmortem

from .selectors_repeats import near_repeats

FRAGMENT = "actionitems/_repeats.html"


@require_action(Action.VIEW)
@postmortem_from_number
@require_GET
def item_repeats(request: HttpRequest, postmortem: Postmortem) -> HttpResponse:
    repeats = near_repeats(
        organization=request.organization,
        membership=request.membership,
        description=request.GET.get("description", ""),
        postmortem=postmortem,
    )
    context = {"repeats": repeats, "form_id": request.GET.get("form", "")[:80]}
    return render(request, FRAGMENT, context)
