"""The search page: full-text search over the postmortems a member may read.

Thin: the form reads the query string, ``search.search_postmortems`` does the work. Every
member may search (``Action.VIEW``); what they find is what the read view lets them open. An
htmx request aimed at ``#search-results`` gets the results fragment only.
"""

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from incidents import selectors as incident_selectors
from incidents.lookups import incident_from_ref
from incidents.models import Severity
from organizations.decorators import require_action
from organizations.roles import Action
from organizations.validators import refuse_reversed_range
from postmortems.lookups import postmortem_from_number
from postmortems.models import PostmortemStatus, RootCauseCategory
from postmortems.search import services as search
from postmortems.search.query import MAX_QUERY_CHARS
from postmortems.search.similar import similar_incidents
from postmortems.search.similar_probes import incident_probe, postmortem_probe, query_probe

PAGE = "postmortems/search/page.html"
SIMILAR = "postmortems/search/_similar.html"
STATUS_CHOICES = [
    (PostmortemStatus.PUBLISHED, "Published"),
    (search.ANY_STATUS, "Any status I can see"),
    (PostmortemStatus.DRAFT, "Drafts"),
    (PostmortemStatus.IN_REVIEW, "In review"),
    (PostmortemStatus.ARCHIVED, "Archived"),
]
DATE_FIELD_CHOICES = [("incident", "Incident started"), ("published", "Published")]


class SearchForm(forms.Form):
    """The search page's query string. Invalid filters are named and ignored, never fatal."""

    q = forms.CharField(
        required=False,
        label="Search",
        strip=True,
        widget=forms.SearchInput(
            attrs={
                "placeholder": "Search postmortems: words, “a phrase”, -exclude",
                "autocomplete": "off",
                "spellcheck": "false",
                "data-search-shortcut": "page",
            }
        ),
    )
    status = forms.ChoiceField(choices=STATUS_CHOICES, required=False, label="Status")
    severity = forms.ChoiceField(
        choices=[("", "Any severity"), *Severity.choices], required=False, label="Severity"
    )
    service = forms.ChoiceField(required=False, label="Service")
    category = forms.ChoiceField(
        choices=[("", "Any root cause"), *RootCauseCategory.choices],
        required=False,
        label="Root cause",
    )
    date_field = forms.ChoiceField(choices=DATE_FIELD_CHOICES, required=False, label="Date of")
    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    FILTERS = ("severity", "service", "category", "date_from", "date_to")

    def __init__(self, data, *, service_names: list[str]):
        if data.get("status") in search.ANY_STATUS_ALIASES:
            data = data.copy()
            data["status"] = search.ANY_STATUS
        super().__init__(data)
        self.fields["service"].choices = [("", "Any service")] + [(n, n) for n in service_names]

    def clean(self):
        cleaned = super().clean()
        refuse_reversed_range(self, "date_from", "date_to")
        return cleaned

    @property
    def raw_query(self) -> str:
        return self.data.get("q", "") or ""

    def to_filters(self) -> search.SearchFilters:
        self.is_valid()
        data = self.cleaned_data
        return search.SearchFilters(
            status=data.get("status") or PostmortemStatus.PUBLISHED,
            severity=data.get("severity") or "",
            service=data.get("service") or "",
            category=data.get("category") or "",
            date_field=data.get("date_field") or "incident",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )

    @property
    def is_filtered(self) -> bool:
        """Is anything narrowing the results beside the words (the default status aside)?"""
        self.is_valid()
        status = self.cleaned_data.get("status")
        narrowed = status not in ("", None, PostmortemStatus.PUBLISHED)
        return narrowed or any(self.cleaned_data.get(name) for name in self.FILTERS)


def _similar(request: HttpRequest, results: search.SearchResults, filters) -> list | None:
    """The incidents closest to the words searched (and the service and root cause filtered
    on), however they are worded, leaving out those already listed; none without a query."""
    if not results.query or results.needs_words:
        return None
    probe = query_probe(
        organization=request.organization,
        query=results.query,
        service=filters.service,
        category=filters.category,
        listed=tuple(hit.postmortem.pk for hit in results.hits),
    )
    return similar_incidents(
        organization=request.organization, membership=request.membership, probe=probe
    )


@require_GET
@require_action(Action.VIEW)
def postmortem_search(request: HttpRequest, org_slug: str) -> HttpResponse:
    organization = request.organization
    form = SearchForm(
        request.GET, service_names=incident_selectors.service_names(organization=organization)
    )
    filters = form.to_filters()
    results = search.search_postmortems(
        organization=organization,
        membership=request.membership,
        query=form.raw_query,
        filters=filters,
        page_number=request.GET.get("page"),
    )
    context = {
        "form": form,
        "results": results,
        "similar": _similar(request, results, filters),
        "page": results.page,
        "filters": filters,
        "is_filtered": form.is_filtered,
        "any_status": filters.status == search.ANY_STATUS,
        "truncated": len(form.raw_query.strip()) > MAX_QUERY_CHARS,
        "max_query_chars": MAX_QUERY_CHARS,
    }
    template = PAGE
    if request.htmx.target == "search-results":
        template += "#results"
    return render(request, template, context)


@postmortem_from_number
@require_GET
def similar_to_postmortem(request: HttpRequest, postmortem) -> HttpResponse:
    """The editor's "Similar incidents" card, loaded after the page (and again on demand): the
    earlier postmortems closest to what the draft says now. Anyone who may read the draft may
    see it; the results are what they may read."""
    similar = similar_incidents(
        organization=request.organization,
        membership=request.membership,
        probe=postmortem_probe(postmortem),
    )
    return render(
        request, SIMILAR, {"similar": similar, "similar_id": "similar", "postmortem": postmortem}
    )


@require_action(Action.VIEW)
@incident_from_ref
@require_GET
def similar_to_incident(request: HttpRequest, incident) -> HttpResponse:
    """The incident page's "Similar incidents" card, loaded after the page so the incident's
    own facts and timeline never wait for the ranking. The results are what the member may
    read."""
    similar = similar_incidents(
        organization=request.organization,
        membership=request.membership,
        probe=incident_probe(incident),
    )
    return render(request, SIMILAR, {"similar": similar, "similar_id": "similar"})
