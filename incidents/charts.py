"""Metric charts as inline SVG, drawn on the server.

No JavaScript and no external resources, so a chart renders the same in the page and in a
WeasyPrint PDF. Styling uses SVG presentation attributes only (the page's CSP forbids inline
``style``). Times are labelled in the current time zone (the organization's, during a request).
"""

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .models import Incident, MetricSeries

MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 52, 16, 40, 26
TITLE_BAND = 22  # the chart title, above the marker labels
MARKER_ROW = 13  # the height of one row of marker labels
MARKER_SIZE = 10
LABEL_GAP = 6  # the least room between two texts, in pixels
INK, MUTED, GRID, LINE, WINDOW = "#111827", "#6b7280", "#e5e7eb", "#4338ca", "#fee2e2"
MARKERS = (
    ("started_at", "Impact", "#b91c1c"),
    ("detected_at", "Detected", "#b45309"),
    ("mitigated_at", "Mitigated", "#1d4ed8"),
    ("resolved_at", "Resolved", "#047857"),
)
TIME_STEPS = [
    timedelta(minutes=m) for m in (1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080)
]
LONE_POINT_SPAN = timedelta(minutes=30)


@dataclass
class Frame:
    """Maps data (time, value) onto the plot area."""

    x0: float
    x1: float
    y0: float
    y1: float
    t_min: datetime
    t_max: datetime
    v_min: float
    v_max: float

    def x(self, moment: datetime) -> float:
        span = (self.t_max - self.t_min).total_seconds() or 1
        return self.x0 + (moment - self.t_min).total_seconds() / span * (self.x1 - self.x0)

    def y(self, value: float) -> float:
        span = (self.v_max - self.v_min) or 1
        return self.y1 - (value - self.v_min) / span * (self.y1 - self.y0)

    def contains(self, moment: datetime) -> bool:
        return self.t_min <= moment <= self.t_max


def render_chart(
    series: MetricSeries, *, width: int = 640, height: int = 200, incident: Incident | None = None
) -> SafeString:
    """The series as an accessible SVG line chart with the incident window marked.

    ``incident`` defaults to ``series.incident`` (pass it to save a query per chart).
    """
    incident = incident or series.incident
    points = parse_points(series.points)
    chart_id = f"chart-{escape(series.key or series.pk)}"
    parts = [_open_svg(series, points, chart_id, width, height)]
    parts.append(_text(0, 14, _title(series), size=13, weight="600", fill=INK))
    if not points:
        parts.append(_empty_message(width, height))
    else:
        frame = _frame(points, width, height)
        labels = _marker_labels(frame, incident, width)
        if labels:  # the plot starts below the rows of marker labels
            rows = max(label.row for label in labels) + 1
            frame.y0 = max(MARGIN_TOP, TITLE_BAND + rows * MARKER_ROW + 4)
        parts += _window(frame, incident)
        parts += _y_axis(frame, series.unit)
        parts += _x_axis(frame)
        parts += _line(frame, points)
        parts += _markers(frame, labels)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text is escaped where it is written)


def parse_points(raw: list) -> list[tuple[datetime, float]]:
    """``[[iso, value], …]`` to sorted aware (time, value) pairs; malformed points are skipped."""
    points = []
    for item in raw or []:
        try:
            moment = datetime.fromisoformat(str(item[0]))
            value = float(item[1])
        except (TypeError, ValueError, IndexError):
            continue
        if not math.isfinite(value):
            continue
        if timezone.is_naive(moment):
            moment = moment.replace(tzinfo=UTC)
        points.append((moment, value))
    return sorted(points)


def nice_ticks(low: float, high: float, *, most: int = 5) -> list[float]:
    """3 to ``most`` round values covering [low, high] (0, 25, 50, 75, 100 …)."""
    if high <= low:
        high = low + (abs(low) or 1)
    raw_step = (high - low) / (most - 1)
    magnitude = 10 ** math.floor(math.log10(raw_step))
    for factor in (1, 2, 2.5, 5, 10, 20):
        step = factor * magnitude
        first, last = math.floor(low / step), math.ceil(high / step)
        if last - first <= most - 1:
            break
    return [round(i * step, 10) for i in range(first, last + 1)]


def tick_labels(ticks: list[float]) -> list[str]:
    """Labels with as many decimals as the step needs; "25k" and "1.5M" on large axes."""
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1
    largest = max(abs(t) for t in ticks)
    divisor, suffix = (1, "")
    if largest >= 1_000_000:
        divisor, suffix = (1_000_000, "M")
    elif largest >= 10_000:
        divisor, suffix = (1000, "k")
    decimals = _decimals(step / divisor)
    return [f"{t / divisor:,.{decimals}f}{suffix}" if t else "0" for t in ticks]


def _decimals(step: float) -> int:
    """How many decimals show every multiple of ``step`` exactly (at most 4)."""
    return next((d for d in range(4) if abs(round(step, d) - step) < 1e-9), 4)


def _title(series: MetricSeries) -> str:
    return f"{series.name} ({series.unit})" if series.unit else series.name


def _open_svg(series, points, chart_id: str, width: int, height: int) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-family="inherit">'
        f'<title id="{chart_id}-title">{escape(_title(series))}</title>'
        f'<desc id="{chart_id}-desc">{escape(_describe(series, points))}</desc>'
    )


def _describe(series: MetricSeries, points: list[tuple[datetime, float]]) -> str:
    if not points:
        return f"{series.name}: no data points were recorded."
    values = [v for _, v in points]
    unit = f" {series.unit}" if series.unit else ""
    start = timezone.localtime(points[0][0]).strftime("%Y-%m-%d %H:%M")
    end = timezone.localtime(points[-1][0]).strftime("%Y-%m-%d %H:%M")
    return (
        f"{series.name}: {len(points)} point{'s' if len(points) != 1 else ''} from {start} "
        f"to {end}; lowest {min(values):g}{unit}, highest {max(values):g}{unit}."
    )


def _frame(points: list[tuple[datetime, float]], width: int, height: int) -> Frame:
    t_min, t_max = points[0][0], points[-1][0]
    if t_min == t_max:
        t_min, t_max = t_min - LONE_POINT_SPAN, t_max + LONE_POINT_SPAN
    values = [v for _, v in points]
    ticks = nice_ticks(min(0.0, min(values)), max(values))
    return Frame(
        x0=MARGIN_LEFT,
        x1=width - MARGIN_RIGHT,
        y0=MARGIN_TOP,
        y1=height - MARGIN_BOTTOM,
        t_min=t_min,
        t_max=t_max,
        v_min=ticks[0],
        v_max=ticks[-1],
    )


def _y_axis(frame: Frame, unit: str) -> list[str]:
    ticks = nice_ticks(frame.v_min, frame.v_max)
    parts = []
    for value, label in zip(ticks, tick_labels(ticks), strict=True):
        y = _r(frame.y(value))
        parts.append(_line_el(frame.x0, y, frame.x1, y, GRID))
        parts.append(_text(frame.x0 - 6, y + 4, label, anchor="end", fill=MUTED))
    if unit and text_width(unit, 11) <= frame.x0 - 8:
        # Above the top tick label and clear of it; a unit too long for the margin is left to
        # the title, which always names it.
        parts.append(_text(frame.x0 - 6, frame.y0 - 10, unit, anchor="end"))
    return parts


def _x_axis(frame: Frame) -> list[str]:
    local_min = timezone.localtime(frame.t_min)
    span = frame.t_max - frame.t_min
    step = next((s for s in TIME_STEPS if span / s <= 5), TIME_STEPS[-1])
    tick = _round_up(local_min, step)
    parts = [_line_el(frame.x0, frame.y1, frame.x1, frame.y1, MUTED)]
    while tick <= frame.t_max:
        x = _r(frame.x(tick))
        parts.append(_line_el(x, frame.y1, x, frame.y1 + 4, MUTED))
        parts.append(_text(x, frame.y1 + 16, _time_label(tick, step), anchor="middle"))
        tick += step
    return parts


def _time_label(moment: datetime, step: timedelta) -> str:
    return f"{moment:%b} {moment.day}" if step >= timedelta(days=1) else f"{moment:%H:%M}"


def _round_up(moment: datetime, step: timedelta) -> datetime:
    """The first whole multiple of ``step`` (in local wall time) at or after ``moment``."""
    midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if step >= timedelta(days=1):
        return midnight if moment == midnight else midnight + timedelta(days=1)
    elapsed = moment - midnight
    steps = math.ceil(elapsed / step)
    return midnight + steps * step


def _line(frame: Frame, points: list[tuple[datetime, float]]) -> list[str]:
    coordinates = " ".join(f"{_r(frame.x(t))},{_r(frame.y(v))}" for t, v in points)
    parts = [
        f'<polyline points="{coordinates}" fill="none" stroke="{LINE}" stroke-width="2" '
        'stroke-linejoin="round" stroke-linecap="round"/>'
    ]
    if len(points) == 1:
        t, v = points[0]
        parts.append(f'<circle cx="{_r(frame.x(t))}" cy="{_r(frame.y(v))}" r="3.5" fill="{LINE}"/>')
    return parts


def _window(frame: Frame, incident: Incident | None) -> list[str]:
    """Shade the time the incident was under way (start of impact to resolution)."""
    if incident is None or incident.started_at is None:
        return []
    start = max(incident.started_at, frame.t_min)
    end = min(incident.resolved_at or frame.t_max, frame.t_max)
    if end <= start:
        return []
    x0, x1 = _r(frame.x(start)), _r(frame.x(end))
    return [
        f'<rect x="{x0}" y="{frame.y0}" width="{_r(x1 - x0)}" height="{frame.y1 - frame.y0}" '
        f'fill="{WINDOW}" fill-opacity="0.55"/>'
    ]


@dataclass(frozen=True)
class MarkerLabel:
    x: float  # the marker's position
    text: str
    colour: str
    row: int  # 0 is the row nearest the title
    anchor: str  # "start": the label runs right of the marker; "end": left of it
    left: float
    right: float


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """A generous estimate of the width of ``text`` in the chart's sans-serif font."""
    return len(text) * size * (0.68 if bold else 0.62)


def _marker_labels(frame: Frame, incident: Incident | None, width: int) -> list[MarkerLabel]:
    """The incident's moments inside the chart, labelled in rows above the plot: each label
    takes the first row where it keeps clear of the labels already placed, so markers a minute
    apart get staggered labels instead of overprinted ones."""
    if incident is None:
        return []
    placed: list[MarkerLabel] = []
    for field, text, colour in MARKERS:
        moment = getattr(incident, field)
        if not moment or not frame.contains(moment):
            continue
        x = _r(frame.x(moment))
        size = text_width(text, MARKER_SIZE, bold=True)
        anchor, left = ("start", x + 3) if x + 3 + size <= width - 2 else ("end", x - 3 - size)
        row = next(
            row
            for row in range(len(MARKERS))
            if all(
                other.row != row
                or left >= other.right + LABEL_GAP
                or left + size + LABEL_GAP <= other.left
                for other in placed
            )
        )
        placed.append(MarkerLabel(x, text, colour, row, anchor, left, left + size))
    return placed


def _markers(frame: Frame, labels: list[MarkerLabel]) -> list[str]:
    """Each marker: a dashed line from its label down through the plot, and the label."""
    parts = []
    for label in labels:
        baseline = TITLE_BAND + (label.row + 1) * MARKER_ROW - 3
        parts.append(_line_el(label.x, baseline - 9, label.x, frame.y1, label.colour, dashed=True))
        x = label.left if label.anchor == "start" else label.right
        parts.append(
            _text(
                x,
                baseline,
                label.text,
                anchor=label.anchor,
                fill=label.colour,
                size=MARKER_SIZE,
                weight="600",
            )
        )
    return parts


def _empty_message(width: int, height: int) -> str:
    return _text(width / 2, height / 2 + 4, "No data points recorded", anchor="middle", size=12)


def _line_el(x1, y1, x2, y2, colour: str, *, dashed: bool = False) -> str:
    dash = ' stroke-dasharray="4 3"' if dashed else ""
    return (
        f'<line x1="{_r(x1)}" y1="{_r(y1)}" x2="{_r(x2)}" y2="{_r(y2)}" '
        f'stroke="{colour}" stroke-width="1"{dash}/>'
    )


def _text(
    x, y, content: str, *, anchor="start", fill=MUTED, size=11, weight: str | None = None
) -> str:
    bold = f' font-weight="{weight}"' if weight else ""
    return (
        f'<text x="{_r(x)}" y="{_r(y)}" text-anchor="{anchor}" font-size="{size}" '
        f'fill="{fill}"{bold}>{escape(content)}</text>'
    )


def _r(number: float) -> float:
    return round(number, 1)
