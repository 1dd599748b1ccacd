"""The root-cause category of a postmortem, set from the editor's side panel."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from postmortems import services
from postmortems.lookups import postmortem_from_number
from postmortems.models import Postmortem, RootCauseCategory
from postmortems.permissions import ensure_may_edit

PANEL = "postmortems/editor/_root_cause.html"


@postmortem_from_number
@require_POST
def postmortem_root_cause(request: HttpRequest, postmortem: Postmortem) -> HttpResponse:
    ensure_may_edit(request, postmortem)
    category = request.POST.get("category", "")
    error = ""
    try:
        postmortem = services.postmortem_set_root_cause(
            postmortem=postmortem, actor=request.user, category=category
        )
    except ValidationError as refusal:
        error = refusal.message_dict["category"][0]
    if request.htmx:
        context = {
            "postmortem": postmortem,
            "root_cause_error": error,
            "root_cause_saved": not error,
        }
        response = render(request, PANEL, root_cause_context(context), status=400 if error else 200)
        if not error:
            response["HX-Trigger"] = "guidance:changed"  # the checklist panel reloads
        return response
    if error:
        messages.error(request, error)
    else:
        messages.success(request, "Root-cause category saved.")
    return redirect(
        "postmortem_edit", org_slug=postmortem.organization.slug, number=postmortem.number
    )


def root_cause_context(context: dict) -> dict:
    return {**context, "root_cause_choices": RootCauseCategory.choices}
