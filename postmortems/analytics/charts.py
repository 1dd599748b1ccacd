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


# Dash patterns, told apart without colour: solid, dashed, dotted, dash-dot.
DASHES = {"solid": "", "dashed": "7 4", "dotted": "2 3", "dashdot": "8 3 2 3"}
MARKERS = ("circle", "square", "triangle", "diamond")


@dataclass
class Series:
    """One line. Its ``marker`` (a shape at every value) and ``dash`` tell it from the others
    in print and for people who do not see its colour; its name is written at its last value."""

    name: str
    values: list[float | None]
    colour: str = ACCENT
    dashed: bool = False
    marker: str = "circle"
    dash: str = ""  # a key of DASHES; empty: dashed or solid by ``dashed``

    @property
    def dasharray(self) -> str:
        return DASHES.get(self.dash or ("dashed" if self.dashed else "solid"), "")


def _marker(shape: str, x: float, y: float, colour: str, tooltip: str = "") -> str:
    """A filled shape about 7 px across, centred on (x, y)."""
    title = f"<title>{escape(tooltip)}</title>" if tooltip else ""
    if shape == "square":
        return (
            f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" fill="{colour}">'
            f"{title}</rect>"
        )
    if shape in ("triangle", "diamond"):
        if shape == "triangle":
            points = [(x, y - 4.5), (x + 4.5, y + 3.5), (x - 4.5, y + 3.5)]
        else:
            points = [(x, y - 4.5), (x + 4.5, y), (x, y + 4.5), (x - 4.5, y)]
        coords = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        return f'<polygon points="{coords}" fill="{colour}">{title}</polygon>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}">{title}</circle>'


def _spread(positions: list[float], gap: float, low: float, high: float) -> list[float]:
    """``positions`` (sorted) moved apart to at least ``gap`` between neighbours, kept within
    ``low`` and ``high`` where they fit."""
    placed: list[float] = []
    for position in positions:
        placed.append(max(position, placed[-1] + gap) if placed else max(position, low))
    overflow = placed[-1] - high if placed else 0
    if overflow > 0:
        placed = [max(p - overflow, low + i * gap) for i, p in enumerate(placed)]
    return placed


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


def _line(x1, y1, x2, y2, colour=GRID, *, dashed=False, dasharray="", width=1) -> str:
    pattern = dasharray or ("4 3" if dashed else "")
    dash = f' stroke-dasharray="{pattern}"' if pattern else ""
    return (
        f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{colour}" '
        f'stroke-width="{width}"{dash}/>'
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
    """One line per series over the labels (months): a marker on each value, a legend on top
    (marker and dash beside the name) and, with several series, each name written at its line's
    last value; a missing value breaks the line."""
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
            parts.append(_line(x, 8, x + 20, 8, item.colour, dasharray=item.dasharray, width=2))
            parts.append(_marker(item.marker, x + 10, 8, item.colour))
            parts.append(_text(x + 26, 12, item.name, fill=INK, size=11))
            x += 36 + 7 * len(item.name)
    label_room = 44 if len(series) > 1 else 0  # the direct labels right of the lines
    plot = width - label_room
    parts.append(f'<g transform="translate(0 {legend_height})">')
    axis, maximum = _y_axis(max(values), plot, height, unit)
    parts += axis
    slot = (plot - LEFT - RIGHT) / max(len(labels), 1)
    bottom = height - BOTTOM
    ends: list[tuple[float, Series, float]] = []  # (y, series, x) of each line's last value
    for item in series:
        runs: list[list[tuple[float, float]]] = [[]]
        markers = []
        for index, value in enumerate(item.values):
            if value is None:
                runs.append([])
                continue
            point = (LEFT + slot * (index + 0.5), bottom - value / maximum * (bottom - TOP))
            runs[-1].append(point)
            markers.append(
                _marker(
                    item.marker,
                    *point,
                    item.colour,
                    f"{item.name}, {labels[index]}: {value:.1f}",
                )
            )
        dash = f' stroke-dasharray="{item.dasharray}"' if item.dasharray else ""
        for run in runs:
            if len(run) > 1:
                points = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
                parts.append(
                    f'<polyline points="{points}" fill="none" stroke="{item.colour}" '
                    f'stroke-width="2" stroke-linejoin="round"{dash}/>'
                )
        parts += markers
        last = next((run[-1] for run in reversed(runs) if run), None)
        if last is not None:
            ends.append((last[1], item, last[0]))
    if label_room:
        ends.sort(key=lambda end: end[0])
        ys = _spread([y for y, _, _ in ends], 14, TOP, bottom)
        for y, (_, item, _) in zip(ys, ends, strict=True):
            parts.append(
                _text(plot - RIGHT + 8, y + 4, item.name, fill=item.colour, size=11, weight=600)
            )
    parts += _x_labels(labels, plot, height)
    parts.append("</g></svg>")
    return mark_safe("".join(parts))  # noqa: S308
