"""Postmortem pages for reading: the list, the document, its history, diffs and restores.

Views parse input, call selectors (reads) and services (writes), and choose between a page and
an htmx partial. Every postmortem and revision is looked up in the request's organization
before anything else, so another organization's number answers 404 whatever the method or
the role. The editor (``editor.views``) lives elsewhere.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from actionitems import postmortem_table as action_item_tables
from actionitems.postmortem_table import items_of
from incidents import selectors as incident_selectors
from incidents.charts import render_chart
from organizations.decorators import require_action
from organizations.lookups import object_from_url
from organizations.roles import Action
from postmortems import selectors, services
from postmortems.analytics.patterns import patterns_for_postmortem
from postmortems.comments.presenter import discussion_of
from postmortems.guidance import scoring
from postmortems.lookups import postmortem_from_number
from postmortems.models import Postmortem, Revision
from postmortems.permissions import may_edit
from postmortems.read.forms import DiffRequest, PostmortemFilterForm
from postmortems.read.item_changes import document_changes
from postmortems.reading import required as required_reading
from postmortems.recurrence.selectors import recurrences_after, recurrences_of
from postmortems.review import panels as review_panels

PAGE_SIZE = 25
HISTORY_PAGE_SIZE = 50
LIST = "postmortems/read/list.html"


# --- Plumbing ----------------------------------------------------------------------------------


def _revision(request: HttpRequest, postmortem: Postmortem, number: int) -> Revision | None:
    return selectors.revision_by_number(postmortem, number)


revision_from_number = object_from_url("revision", _revision, missing="No such revision.")
"""Replace ``revision`` (a revision number within the postmortem) by the revision."""


def history_url(postmortem: Postmortem) -> str:
    return reverse(
        "postmortem_history",
        kwargs={"org_slug": postmortem.organization.slug, "number": postmortem.number},
    )


# --- The list ----------------------------------------------------------------------------------


@require_GET
@require_action(Action.VIEW)
def postmortem_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    organization = request.organization
    form = PostmortemFilterForm(
        request.GET,
        service_names=incident_selectors.service_names(organization=organization),
        authors=incident_selectors.commander_choices(organization=organization),
    )
    queryset = selectors.postmortem_list(
        organization=organization,
        membership=request.membership,
        filters=form.to_filters(request.user),
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "postmortems": scoring.with_quality_scores(
            action_item_tables.with_item_counts(list(page.object_list), organization), organization
        ),
        "is_filtered": form.is_filtered,
        "only_mine": bool(form.cleaned_data.get("mine")),
    }
    template = LIST
    if request.htmx.target == "postmortem-results":
        template += "#results"
    return render(request, template, context)


# --- The document ------------------------------------------------------------------------------


@require_action(Action.VIEW)
@postmortem_from_number
@require_GET
def postmortem_detail(request: HttpRequest, postmortem: Postmortem) -> HttpResponse:
    document = selectors.postmortem_document(postmortem)
    incident = postmortem.incident
    items = items_of(postmortem)
    people = review_panels.people_of(postmortem)
    rights = review_panels.access_with(request, postmortem, people)
    discussion = discussion_of(postmortem, document.sections, rights)
    panel = review_panels.review_panel_context(
        request,
        postmortem,
        document=document,
        with_items={i.section_key for i in items},
        people=people,
        unresolved=discussion.unresolved,
    )
    context = {
        "postmortem": postmortem,
        "document": document,
        "incident": incident,
        "my_reading": required_reading.reading_receipt(postmortem=postmortem, user=request.user),
        "reading_panel": required_reading.reading_panel(postmortem, panel["review_panel"].access),
        "charts": [render_chart(series, incident=incident) for series in document.metrics],
        "can_edit": may_edit(request.user, request.membership, postmortem),
        "recurring_patterns": patterns_for_postmortem(postmortem, membership=request.membership),
        "recurred_after": recurrences_after(postmortem=postmortem),
        "recurrences": recurrences_of(incident=incident, membership=request.membership)
        if incident
        else None,
        "discussion": discussion,
        **panel,
        **action_item_tables.action_items_context(
            request,
            postmortem,
            document.sections,
            access=panel["review_panel"].access,
            items=items,
        ),
    }
    return render(request, "postmortems/read/detail.html", context)


# --- History, diffs and restores ---------------------------------------------------------------


@require_action(Action.VIEW)
@postmortem_from_number
@require_GET
def postmortem_history(request: HttpRequest, postmortem: Postmortem) -> HttpResponse:
    page = Paginator(selectors.revision_history(postmortem), HISTORY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    titles = selectors.section_titles(postmortem)
    revisions = list(page.object_list)
    for revision in revisions:
        revision.changes = describe_changes(revision.changed_sections, titles)
    context = {
        "postmortem": postmortem,
        "page": page,
        "revisions": revisions,
        "latest_number": revisions[0].number if page.number == 1 and revisions else None,
        "default_to": revisions[0].number if revisions else None,
        "default_from": revisions[1].number if len(revisions) > 1 else None,
        "can_edit": may_edit(request.user, request.membership, postmortem),
    }
    return render(request, "postmortems/read/history.html", context)


SHOWN_CHANGES = 5


def describe_changes(keys: list[str], titles: dict[str, str]) -> dict:
    """What a revision changed, for a table cell: the section titles in document order (at most
    ``SHOWN_CHANGES``, the rest as ``more``), or ``everything`` when it touched every section."""
    order = {key: index for index, key in enumerate(titles)}
    ordered = [titles.get(key, key) for key in sorted(keys, key=lambda k: order.get(k, len(order)))]
    sections = set(titles) - {"title"}
    return {
        "everything": len(sections) > 1 and sections <= set(keys),
        "count": len(sections),
        "shown": ordered[:SHOWN_CHANGES],
        "more": ordered[SHOWN_CHANGES:],
    }


@require_action(Action.VIEW)
@postmortem_from_number
@require_GET
def postmortem_diff(request: HttpRequest, postmortem: Postmortem) -> HttpResponse:
    context = {"postmortem": postmortem}
    if "from" not in request.GET and "to" not in request.GET:
        older, newer = latest_two(postmortem)
    else:
        form = DiffRequest(request.GET)
        if problem := form.problem():
            context["problem"] = problem
            return render(request, "postmortems/read/diff.html", context, status=400)
        older = revision_or_404(postmortem, form.cleaned_data["from_"])
        newer = revision_or_404(postmortem, form.cleaned_data["to"])
    context.update(
        older=older,
        newer=newer,
        diffs=document_changes(older, newer) if older and newer else [],
    )
    return render(request, "postmortems/read/diff.html", context)


def latest_two(postmortem: Postmortem) -> tuple[Revision | None, Revision | None]:
    """Without a choice: the latest revision against the one before it."""
    newest = list(selectors.revisions_of(postmortem).order_by("-number")[:2])
    if not newest:
        return None, None
    return newest[-1], newest[0]


def revision_or_404(postmortem: Postmortem, number: int) -> Revision:
    revision = selectors.revision_by_number(postmortem, number)
    if revision is None:
        raise Http404(f"This postmortem has no revision {number}.")
    return revision


@require_action(Action.VIEW)
@postmortem_from_number
@revision_from_number
@require_POST
def postmortem_restore(request: HttpRequest, postmortem: Postmortem, revision: Revision):
    if not may_edit(request.user, request.membership, postmortem):
        raise PermissionDenied("Only the author, invited editors and admins may restore revisions.")
    restored = services.revision_restore(
        postmortem=postmortem, revision=revision, actor=request.user
    )
    messages.success(
        request,
        f"Revision {revision.number} restored. The document is now at version "
        f"{restored.version}; the restore is recorded as a new revision.",
    )
    url = history_url(postmortem)
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
