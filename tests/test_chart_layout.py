"""Chart text never collides: the incident markers' labels (close together when detection
follows the start of impact by a minute), the axis titles and the tick labels, in the metric
charts of the pages and PDF and in the analytics charts."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from incidents.charts import render_chart
from incidents.models import Incident, MetricSeries
from postmortems.analytics.charts import Series, column_chart, line_chart

T0 = datetime(2026, 3, 10, 10, 32, tzinfo=UTC)
TEXT = re.compile(
    r'<text x="(?P<x>[-\d.]+)" y="(?P<y>[-\d.]+)" text-anchor="(?P<anchor>\w+)" '
    r'font-size="(?P<size>[\d.]+)"[^>]*?(?P<bold> font-weight="\d+")?>(?P<content>[^<]*)</text>'
)


@dataclass
class Box:
    content: str
    left: float
    right: float
    top: float
    bottom: float

    def overlaps(self, other: "Box", gap: float = 2) -> bool:
        """Closer than ``gap`` pixels: texts that touch read as one."""
        return (
            self.left < other.right + gap
            and other.left < self.right + gap
            and self.top < other.bottom + gap
            and other.top < self.bottom + gap
        )


def text_boxes(svg: str) -> list[Box]:
    """Every text's extent, generously estimated (0.62 em a character, 0.68 bold)."""
    boxes = []
    for match in TEXT.finditer(svg):
        x, y, size = float(match["x"]), float(match["y"]), float(match["size"])
        content = match["content"].replace("&amp;", "&")
        width = len(content) * size * (0.68 if match["bold"] else 0.62)
        left = {"start": x, "middle": x - width / 2, "end": x - width}[match["anchor"]]
        boxes.append(Box(content, left, left + width, y - size * 0.8, y + size * 0.2))
    return boxes


def assert_no_text_collides(svg: str) -> None:
    boxes = text_boxes(svg)
    for index, box in enumerate(boxes):
        for other in boxes[index + 1 :]:
            assert not box.overlaps(other), (box, other)


def incident_at(**offsets) -> Incident:
    fields = {name: T0 + timedelta(minutes=minutes) for name, minutes in offsets.items()}
    return Incident(started_at=T0, **fields)


def metric_chart(incident: Incident, unit: str = "%") -> str:
    series = MetricSeries(
        key="errorRate",
        name="Error rate · payments-api",
        unit=unit,
        points=[
            [(T0 + timedelta(minutes=m)).isoformat(), 30.0 if 0 < m < 45 else 0.5]
            for m in range(-30, 130, 5)
        ],
    )
    with timezone.override("Europe/Paris"):
        return str(render_chart(series, incident=incident))


@pytest.mark.parametrize(
    "offsets",
    [
        {"detected_at": 2, "mitigated_at": 43, "resolved_at": 110},  # the demo outage
        {"detected_at": 1, "mitigated_at": 2, "resolved_at": 3},  # everything at once
        {"detected_at": 120, "mitigated_at": 122, "resolved_at": 124},  # all at the right edge
    ],
)
def test_marker_labels_never_collide_with_each_other_or_the_axes(offsets):
    svg = metric_chart(incident_at(**offsets))
    assert all(label in svg for label in ("Impact", "Detected", "Mitigated", "Resolved"))
    assert_no_text_collides(svg)


def test_marker_labels_sit_above_the_plot_not_on_the_data():
    svg = metric_chart(incident_at(detected_at=2, mitigated_at=43, resolved_at=110))
    gridlines = re.findall(r'<line x1="[\d.]+" y1="([\d.]+)"[^>]*stroke="#e5e7eb"', svg)
    plot_top = min(float(y) for y in gridlines)
    for box in text_boxes(svg):
        if box.content in ("Impact", "Detected", "Mitigated", "Resolved"):
            assert box.bottom <= plot_top, box


@pytest.mark.parametrize("unit", ["%", "ms", "requests/s"])
def test_the_unit_clears_the_title_and_the_top_tick_label(unit):
    svg = metric_chart(incident_at(resolved_at=110), unit=unit)
    assert_no_text_collides(svg)
    assert all(box.left >= 0 for box in text_boxes(svg))


def test_analytics_axis_titles_clear_their_tick_labels():
    months = ["Jan 2026", "Feb 2026", "Mar 2026"]
    lines = line_chart(
        "chart-ttr",
        "Time to resolve, median by severity (hours)",
        "",
        months,
        [Series("SEV1", [150.0, 120.0, 90.0]), Series("SEV2", [40.0, None, 30.0], "#c2410c")],
        unit="hours",
    )
    columns = column_chart("chart-created", "Created", "", months, [120, 80, 95], unit="minutes")
    assert_no_text_collides(str(lines))
    assert_no_text_collides(str(columns))


def test_severity_lines_differ_by_more_than_colour_and_are_named_at_their_ends():
    """Each severity has its own marker and dash, and its name beside its last value; names of
    lines that end together are moved apart rather than written over each other."""
    from postmortems.analytics.page_charts import SEVERITY_COLOURS, SEVERITY_STYLES

    months = ["Jan 2026", "Feb 2026", "Mar 2026"]
    series = [
        Series(sev, [10.0 + i, 12.0, 20.0 + i * 0.1], SEVERITY_COLOURS[sev], marker=m, dash=d)
        for i, (sev, (m, d)) in enumerate(SEVERITY_STYLES.items())
    ]
    svg = str(line_chart("chart-ttd", "Time to detect", "", months, series, unit="minutes"))
    assert_no_text_collides(svg)
    dashes = set(re.findall(r'<polyline [^>]*?(?: stroke-dasharray="([^"]+)")?/>', svg))
    assert len(dashes) == 4  # solid ("") and three patterns
    assert svg.count("<circle") >= 3 and svg.count("<rect") >= 3
    assert svg.count("<polygon") >= 6  # triangles and diamonds
    names = [box for box in text_boxes(svg) if box.content in SEVERITY_STYLES]
    assert len(names) == 8  # in the legend and at each line's end
    ends = sorted(box.top for box in names if box.left > 560)
    assert len(ends) == 4 and all(b - a >= 10 for a, b in zip(ends, ends[1:], strict=False))
