"""The analytics page's charts as inline SVG, drawn on the server (no JavaScript).

Three shapes: columns over months, horizontal bars for ranked lists, and lines over months
(one per series, gaps where a month has no value). Each chart has a ``<title>`` and a ``<desc>``
that states the numbers in words, axes with round ticks (``incidents.charts.nice_ticks``), and
the page shows the same numbers in a table beside it. Presentation attributes only: the CSP
forbids inline ``style``. Which figure each chart draws is in ``page_charts``.
"""

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from incidents.charts import GRID, INK, MUTED, nice_ticks, tick_labels

ACCENT = "#4338ca"
SERIES_COLOURS = ["#b91c1c", "#c2410c", "#1d4ed8", "#047857", "#7c3aed", "#0f766e"]
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 34, 30


@dataclass
class Series:
    name: str
    values: list[float | None]
    colour: str = ACCENT
    dashed: bool = False


def _open(chart_id: str, title: str, description: str, width: int, height: int) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="an-chart" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMidYMid meet" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-family="inherit">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
    )


def _text(x, y, content, *, anchor="start", fill=MUTED, size=11, weight=None) -> str:
    bold = f' font-weight="{weight}"' if weight else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
        f'fill="{fill}"{bold}>{escape(content)}</text>'
    )


def _line(x1, y1, x2, y2, colour=GRID, *, dashed=False) -> str:
    dash = ' stroke-dasharray="4 3"' if dashed else ""
    return (
        f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{colour}" '
        f'stroke-width="1"{dash}/>'
    )


def _y_axis(top: float, width: int, height: int, unit: str) -> tuple[list[str], float]:
    """Horizontal grid lines and labels from 0 to a round value above ``top``; returns the
    parts and the axis maximum."""
    ticks = nice_ticks(0.0, max(top, 1.0))
    maximum = ticks[-1]
    parts = []
    y0, y1 = TOP, height - BOTTOM
    for value, label in zip(ticks, tick_labels(ticks), strict=True):
        y = y1 - value / maximum * (y1 - y0)
        parts.append(_line(LEFT, y, width - RIGHT, y))
        parts.append(_text(LEFT - 6, y + 4, label, anchor="end"))
    if unit:  # the axis title, clear above the top tick label
        parts.append(_text(4, TOP - 12, unit, size=10))
    return parts, maximum


def _x_labels(labels: list[str], width: int, height: int) -> list[str]:
    """One label per slot, thinned so that none overlap (about 60 px each)."""
    slot = (width - LEFT - RIGHT) / max(len(labels), 1)
    step = max(1, -(-60 // max(int(slot), 1)))
    parts = [_line(LEFT, height - BOTTOM, width - RIGHT, height - BOTTOM, MUTED)]
    for index, label in enumerate(labels):
        if index % step == 0:
            x = LEFT + slot * (index + 0.5)
            parts.append(_text(x, height - BOTTOM + 16, label, anchor="middle", size=10))
    return parts


def _empty(width: int, height: int, message: str) -> str:
    return _text(width / 2, height / 2, message, anchor="middle", size=12)


def column_chart(
    chart_id: str,
    title: str,
    description: str,
    labels: list[str],
    values: list[float],
    *,
    unit: str = "",
    width: int = 640,
    height: int = 220,
    empty: str = "Nothing in this range",
) -> SafeString:
    """Vertical bars, one per label (months)."""
    parts = [_open(chart_id, title, description, width, height)]
    if not any(values):
        parts.append(_empty(width, height, empty))
    else:
        axis, maximum = _y_axis(max(values), width, height, unit)
        parts += axis
        slot = (width - LEFT - RIGHT) / len(values)
        bar = max(min(slot * 0.64, 36), 2)
        bottom = height - BOTTOM
        for index, (label, value) in enumerate(zip(labels, values, strict=True)):
            if not value:
                continue
            h = value / maximum * (bottom - TOP)
            x = LEFT + slot * index + (slot - bar) / 2
            parts.append(
                f'<rect x="{x:.1f}" y="{bottom - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'rx="2" fill="{ACCENT}"><title>{escape(label)}: {value:g}</title></rect>'
            )
        parts += _x_labels(labels, width, height)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text is escaped where it is written)


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    labels: list[str],
    values: list[float],
    *,
    width: int = 640,
    row: int = 26,
    label_width: int = 170,
    empty: str = "Nothing in this range",
) -> SafeString:
    """Horizontal bars for a ranked list, each labelled with its value."""
    height = max(len(values), 1) * row + 30
    parts = [_open(chart_id, title, description, width, height)]
    if not any(values):
        parts.append(_empty(width, height, empty))
    else:
        ticks = nice_ticks(0.0, max(values))
        maximum = ticks[-1]
        x0, x1 = label_width, width - RIGHT - 30
        for value, label in zip(ticks, tick_labels(ticks), strict=True):
            x = x0 + value / maximum * (x1 - x0)
            parts.append(_line(x, 4, x, height - 22))
            parts.append(_text(x, height - 8, label, anchor="middle", size=10))
        for index, (label, value) in enumerate(zip(labels, values, strict=True)):
            y = 6 + index * row
            w = value / maximum * (x1 - x0)
            shown = label if len(label) <= 26 else label[:25] + "…"
            parts.append(_text(x0 - 8, y + row / 2 + 2, shown, anchor="end", fill=INK, size=12))
            parts.append(
                f'<rect x="{x0}" y="{y + 3:.1f}" width="{max(w, 1):.1f}" height="{row - 8}" '
                f'rx="2" fill="{ACCENT}"><title>{escape(label)}: {value:g}</title></rect>'
            )
            parts.append(_text(x0 + w + 6, y + row / 2 + 2, f"{value:g}", fill=INK, size=11))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308


def line_chart(
    chart_id: str,
    title: str,
    description: str,
    labels: list[str],
    series: list[Series],
    *,
    unit: str = "",
    width: int = 640,
    height: int = 240,
    empty: str = "Nothing in this range",
) -> SafeString:
    """One line per series over the labels (months), a dot on each value, a legend on top;
    a missing value breaks the line."""
    legend_height = 18 if len(series) > 1 else 0
    parts = [_open(chart_id, title, description, width, height + legend_height)]
    values = [v for s in series for v in s.values if v is not None]
    if not values:
        parts.append(_empty(width, (height + legend_height), empty))
        parts.append("</svg>")
        return mark_safe("".join(parts))  # noqa: S308
    if legend_height:
        x = LEFT
        for item in series:
            parts.append(_line(x, 8, x + 16, 8, item.colour, dashed=item.dashed))
            parts.append(_text(x + 20, 12, item.name, fill=INK, size=11))
            x += 28 + 7 * len(item.name)
    parts.append(f'<g transform="translate(0 {legend_height})">')
    axis, maximum = _y_axis(max(values), width, height, unit)
    parts += axis
    slot = (width - LEFT - RIGHT) / max(len(labels), 1)
    bottom = height - BOTTOM
    for item in series:
        runs: list[list[tuple[float, float]]] = [[]]
        for index, value in enumerate(item.values):
            if value is None:
                runs.append([])
                continue
            point = (LEFT + slot * (index + 0.5), bottom - value / maximum * (bottom - TOP))
            runs[-1].append(point)
            parts.append(
                f'<circle cx="{point[0]:.1f}" cy="{point[1]:.1f}" r="3" fill="{item.colour}">'
                f"<title>{escape(item.name)}, {escape(labels[index])}: {value:.1f}</title></circle>"
            )
        dash = ' stroke-dasharray="5 4"' if item.dashed else ""
        for run in runs:
            if len(run) > 1:
                points = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
                parts.append(
                    f'<polyline points="{points}" fill="none" stroke="{item.colour}" '
                    f'stroke-width="2" stroke-linejoin="round"{dash}/>'
                )
    parts += _x_labels(labels, width, height)
    parts.append("</g></svg>")
    return mark_safe("".join(parts))  # noqa: S308
