"""The analytics page's charts: each figure of an ``analytics.report.Report`` drawn with the
shapes of ``charts``, and the cards that pair a chart with its table."""

import calendar
from dataclasses import dataclass
from datetime import date

from django.utils.safestring import SafeString

from postmortems.analytics.charts import ACCENT, Series, bar_chart, column_chart, line_chart

SEVERITY_COLOURS = {"SEV1": "#b91c1c", "SEV2": "#c2410c", "SEV3": "#1d4ed8", "SEV4": "#047857"}
# Told apart by more than hue: each severity has its own marker and dash too.
SEVERITY_STYLES = {
    "SEV1": ("circle", "solid"),
    "SEV2": ("square", "dashed"),
    "SEV3": ("triangle", "dotted"),
    "SEV4": ("diamond", "dashdot"),
}


def month_label(month: date) -> str:
    return f"{calendar.month_abbr[month.month]} {month.year}"


def _month_labels(months) -> list[str]:
    return [month_label(month) for month in months]


def _listing(labels: list[str], values: list, suffix: str = "") -> str:
    return "; ".join(
        f"{label}: {value}{suffix}" for label, value in zip(labels, values, strict=True)
    )


def report_charts(report) -> dict[str, SafeString]:
    """Every chart of an ``report.Report``, by the chart's name."""
    months = report.scope.months
    labels = _month_labels(months)
    created = [p.count for p in report.created]
    trend = report.trend
    trend_open = [p.open for p in trend]
    trend_overdue = [p.overdue for p in trend]
    causes = report.root_causes
    services = report.services
    categories = report.categories
    return {
        "created": column_chart(
            "chart-created",
            "Postmortems created per month",
            f"{sum(created)} postmortems in the range. " + _listing(labels, created),
            labels,
            created,
            empty="No postmortems were created in this range",
        ),
        "open-overdue": line_chart(
            "chart-open-overdue",
            "Open and overdue action items at each month's end",
            _listing(
                labels,
                [f"{o} open, {d} overdue" for o, d in zip(trend_open, trend_overdue, strict=True)],
            ),
            labels,
            [
                Series("Open", trend_open, ACCENT),
                Series(
                    "Overdue",
                    trend_overdue,
                    SEVERITY_COLOURS["SEV1"],
                    marker="square",
                    dash="dashed",
                ),
            ],
            empty="No action items in this range",
        ),
        "ttd": _severity_chart(report, labels, "ttd_median", "minutes", "Time to detect"),
        "ttr": _severity_chart(report, labels, "ttr_median", "hours", "Time to resolve"),
        "root-causes": bar_chart(
            "chart-root-causes",
            "Top root-cause categories",
            _listing([c.label for c in causes], [c.count for c in causes], " postmortems")
            or "No root cause recorded in this range.",
            [c.label for c in causes],
            [c.count for c in causes],
            empty="No root cause recorded in this range",
        ),
        "services": bar_chart(
            "chart-services",
            "Most affected services",
            _listing([s.label for s in services], [s.count for s in services], " incidents")
            or "No incident named a service in this range.",
            [s.label for s in services],
            [s.count for s in services],
            empty="No incident named a service in this range",
        ),
        "categories": bar_chart(
            "chart-categories",
            "Action items by category",
            _listing([c.label for c in categories], [c.total for c in categories], " items"),
            [c.label for c in categories],
            [c.total for c in categories],
            label_width=120,
            empty="No action items were created in this range",
        ),
    }


UNITS = {"minutes": 60.0, "hours": 3600.0}


def _severity_chart(report, labels: list[str], stat: str, unit: str, what: str) -> SafeString:
    seconds = UNITS[unit]
    series = []
    for severity, colour in SEVERITY_COLOURS.items():
        spans = report.detect_resolve.series(stat, severity, report.scope.months)
        values = [None if s is None else s.total_seconds() / seconds for s in spans]
        if any(v is not None for v in values):
            marker, dash = SEVERITY_STYLES[severity]
            series.append(Series(severity, values, colour, marker=marker, dash=dash))
    overall = [
        f"{row.severity} median {_in(getattr(row, stat), seconds)} {unit} "
        f"over {row.incidents} incidents"
        for row in report.detect_resolve.overall
    ]
    key = stat.split("_")[0]
    return line_chart(
        f"chart-{key}",
        f"{what}, median by severity ({unit})",
        "; ".join(overall) or "No incidents started in this range.",
        labels,
        series,
        unit=unit,
        empty="No incidents started in this range",
    )


def _in(span, seconds: float) -> str:
    return "n/a" if span is None else f"{span.total_seconds() / seconds:.1f}"


@dataclass
class ChartCard:
    slug: str  # the CSV download's name
    title: str
    note: str
    svg: SafeString
    table: object | None  # analytics.Table shown under the chart, or None


def chart_cards(report) -> list[ChartCard]:
    """The page's chart cards in order, each with its SVG and its numbers."""
    charts = report_charts(report)
    tables = report.tables()
    return [
        ChartCard(
            "created",
            "Postmortems created per month",
            "By the day each postmortem was started.",
            charts["created"],
            tables["created"],
        ),
        ChartCard(
            "open-overdue",
            "Open and overdue action items",
            "At the end of each month (today for the current one).",
            charts["open-overdue"],
            tables["open-overdue"],
        ),
        ChartCard(
            "detect-resolve",
            "Time to detect, by severity",
            "Median minutes from the start of impact to detection, by the month the incident "
            "started. Median and p90 are in the next chart's table.",
            charts["ttd"],
            None,
        ),
        ChartCard(
            "detect-resolve",
            "Time to resolve, by severity",
            "Median hours from the start of impact to resolution. The table gives median and p90 "
            "of both, per month and over the range (All).",
            charts["ttr"],
            tables["detect-resolve"],
        ),
        ChartCard(
            "root-causes",
            "Top root-cause categories",
            "Postmortems started in the range.",
            charts["root-causes"],
            tables["root-causes"],
        ),
        ChartCard(
            "services",
            "Most affected services",
            "Incidents that started in the range, per service.",
            charts["services"],
            tables["services"],
        ),
        ChartCard(
            "categories",
            "Action items by category",
            "Items created in the range.",
            charts["categories"],
            tables["categories"],
        ),
    ]
