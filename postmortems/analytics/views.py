"""The analytics page (``/o/<org>/analytics/``) and its charts' CSV downloads.

Managers and admins only (``Action.VIEW_ANALYTICS``). The filters (date range, team) live in
the query string, so a view can be bookmarked; a bad range is refused with field messages and
status 400, on the page and on the CSV alike. The numbers come from ``analytics`` and
``patterns``; this module only reads the filters and chooses what to render.
"""

import csv
import io
from datetime import date, timedelta

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from organizations.decorators import require_action
from organizations.models import Team
from organizations.roles import Action
from organizations.selectors import today_in
from organizations.spreadsheets import BYTE_ORDER_MARK, safe_cell
from organizations.validators import date_range_error
from postmortems.analytics.cache import page_figures
from postmortems.analytics.metrics import has_any_data
from postmortems.analytics.report import CHARTS, chart_table
from postmortems.analytics.scope import AnalyticsScope, default_range

PAGE = "postmortems/analytics/page.html"
MAX_SPAN = timedelta(days=5 * 365 + 1)  # five years, leap day included


class AnalyticsFilterForm(forms.Form):
    """The page's query string: a date range (default: the last twelve months) and a team."""

    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(), required=False, empty_label="All teams"
    )

    def __init__(self, data, *, organization, today: date):
        super().__init__(data)
        self.organization = organization
        self.today = today
        self.fields["team"].queryset = Team.objects.filter(organization=organization).order_by(
            "name"
        )
        default_from, default_to = default_range(today)
        self.fields["date_from"].widget.attrs["placeholder"] = default_from.isoformat()
        self.fields["date_to"].widget.attrs["placeholder"] = default_to.isoformat()

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        default_from, default_to = default_range(self.today)
        date_from = data.get("date_from") or default_from
        date_to = data.get("date_to") or default_to
        if date_from > self.today:
            self.add_error("date_from", "The start date is in the future: pick today or earlier.")
        elif range_error := date_range_error(
            date_from,
            date_to,
            start_name=self.fields["date_from"].label,
            end_name=self.fields["date_to"].label,
        ):
            self.add_error("date_to", range_error)
        elif date_to - date_from > MAX_SPAN:
            self.add_error("date_from", "A range spans at most five years: pick a later start.")
        data["date_from"], data["date_to"] = date_from, date_to
        return data

    def scope(self) -> AnalyticsScope:
        data = self.cleaned_data
        return AnalyticsScope(
            organization=self.organization,
            date_from=data["date_from"],
            date_to=data["date_to"],
            team=data.get("team"),
        )

    def query_string(self) -> str:
        """The filters as given (empty ones left out), for the CSV links."""
        return urlencode(
            {
                name: self.data[name]
                for name in ("date_from", "date_to", "team")
                if self.data.get(name)
            }
        )


def csv_cell(value):
    """Numbers as they are (a negative one too); any text as a cell that never runs."""
    try:
        float(value)
    except (TypeError, ValueError):
        return safe_cell(value)
    return value


def filter_form(request: HttpRequest) -> AnalyticsFilterForm:
    """The filters, the default range filled in where a date is left out (so the form shows
    the range the page describes)."""
    organization = request.organization
    today = today_in(organization)
    data = request.GET.copy()
    for name, default in zip(("date_from", "date_to"), default_range(today), strict=True):
        if not data.get(name):
            data[name] = default.isoformat()
    return AnalyticsFilterForm(data, organization=organization, today=today)


@require_GET
@require_action(Action.VIEW_ANALYTICS)
def analytics_page(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = filter_form(request)
    context: dict = {"form": form}
    if form.is_valid():
        scope = form.scope()
        context["scope"] = scope
        context["has_data"] = has_any_data(request.organization)
        if context["has_data"]:
            context |= {
                **page_figures(scope, membership=request.membership),
                "query": form.query_string(),
            }
    status = 400 if form.errors else 200
    return render(request, PAGE, context, status=status)


@require_GET
@require_action(Action.VIEW_ANALYTICS)
def analytics_csv(request: HttpRequest, org_slug: str, chart: str) -> HttpResponse:
    """One chart's numbers (the same as its table on the page) as CSV."""
    if chart not in CHARTS:
        raise Http404("No such chart.")
    form = filter_form(request)
    if not form.is_valid():
        messages = [f"{name}: {' '.join(errors)}" for name, errors in form.errors.items()]
        return HttpResponse(
            "\n".join(messages) + "\n", status=400, content_type="text/plain; charset=utf-8"
        )
    scope = form.scope()
    table = chart_table(chart, scope)
    buffer = io.StringIO()
    buffer.write(BYTE_ORDER_MARK)
    writer = csv.writer(buffer)
    writer.writerow(table.header)
    writer.writerows([csv_cell(cell) for cell in row] for row in table.rows)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    name = f"analytics-{chart}-{scope.date_from.isoformat()}-{scope.date_to.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
