"""What changed between two revisions of a postmortem, as a reviewer reads it.

A written section's text is compared line by line. A structured section's data (the rows of a
timeline, the whys, the contributing factors, the impact figures, and whatever else a section's
data holds) is compared row by row: each row added, removed, changed (with the fields that
changed, old → new) or moved, times in the current (the organization's) time zone. Nothing here
prints stored data as JSON, whatever shape it has: values the presenter does not know are
written out as labelled text.

The history's compare page and the review screen's "what changed since your last review" both
show these, with the action items' changes (``item_changes``), through
``postmortems/read/_changes.html``. Revisions are read once by the caller;
comparing them asks the database nothing.
"""

import bisect
import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils import dateformat, timezone

from postmortems.models import Revision, SectionKind
from postmortems.templatetags.documents import CATEGORY_LABELS, FACTOR_LEVELS, money
from postmortems.timeline import row_time

TIME_FORMAT = "M j, Y, H:i"
# Above this many pairs of unmatched rows, rows are paired by their leading field only: a
# similarity score for every pair would cost too much on a timeline of hundreds of rows.
SIMILARITY_PAIRS = 400
SIMILAR = 0.5
LABEL_LENGTH = 80


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str  # "" when there was nothing
    new: str


@dataclass(frozen=True)
class RowChange:
    """One row of a structured section that is not as it was.

    ``fields``: every field of an added or removed row (with a value), the fields that changed
    of a changed row."""

    state: str  # "added" | "removed" | "changed" | "moved"
    label: str
    fields: list[FieldChange]
    was: str = ""  # a moved row's former place: "why 3", "event 12"

    @property
    def state_label(self) -> str:
        return self.state.capitalize()


@dataclass
class SectionChange:
    key: str
    title: str
    kind: str
    lines: list[tuple[str, str]] = field(default_factory=list)  # (" " | "+" | "-", text)
    rows: list[RowChange] = field(default_factory=list)
    noun: str = "row"  # what the section's rows are: "event", "why", "factor"
    unchanged: int = 0  # rows that are as they were

    @property
    def timed(self) -> bool:
        return self.kind == SectionKind.TIMELINE and bool(self.rows)


# --- Reading stored values ----------------------------------------------------------------------


def humanize(name: str) -> str:
    """``"users_affected"`` → "Users affected"."""
    text = str(name).replace("_", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:] if text else "Value"


def readable(value) -> str:
    """Any stored value as text: lists joined, mappings as "Label: value"; never JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int | float | Decimal):
        return f"{value:,}"
    if isinstance(value, list | tuple):
        return ", ".join(text for text in (readable(v) for v in value) if text)
    if isinstance(value, dict):
        parts = ((humanize(k), readable(v)) for k, v in value.items())
        return "; ".join(f"{label}: {text}" for label, text in parts if text)
    return str(value).strip()


def local_time(value) -> str:
    """A stored moment in the current time zone; the stored text when it cannot be read."""
    moment = row_time({"time": value})
    if moment is None:
        return readable(value)
    return dateformat.format(timezone.localtime(moment), TIME_FORMAT)


def level_label(value) -> str:
    labels = {level: title.removesuffix(" factors") for level, title, _ in FACTOR_LEVELS}
    return labels.get(str(value or "").lower(), readable(value).capitalize())


def category(value) -> str:
    return CATEGORY_LABELS.get(str(value or "").lower(), readable(value).capitalize())


def flag(label: str) -> Callable:
    return lambda value: label if value else ""


def revenue(value) -> str:
    try:
        return money(Decimal(str(value))) if value not in (None, "") else ""
    except (InvalidOperation, ValueError):
        return readable(value)


def sla(value) -> str:
    return {True: "Breached", False: "Met"}.get(value, readable(value)) if value is not None else ""


# --- What each structured kind holds ------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    show: Callable = readable


@dataclass(frozen=True)
class RowKind:
    """The list of rows a structured section keeps in its data, and how a row reads."""

    name: str  # the list in ``data``
    noun: str
    fields: tuple[Field, ...]
    words: tuple[str, ...]  # the fields whose text tells which row a row is
    by_place: bool = False  # rows left unmatched pair by their place, not their first field
    content: tuple[str, ...] = ()  # a row with all of these empty is an unwritten placeholder

    def label(self, row: dict, index: int) -> str:
        if self.name == "rows":
            event = shorten(readable(row.get("event")))
            label = " · ".join(part for part in (local_time(row.get("time")), event) if part)
        else:
            label = shorten(readable(row.get("title"))) if self.name == "factors" else ""
        return label or f"{self.noun.capitalize()} {index + 1}"


ROW_KINDS = {
    SectionKind.TIMELINE: RowKind(
        "rows",
        "event",
        (
            Field("time", "Time", local_time),
            Field("event", "Event"),
            Field("actor", "Who"),
            Field("key", "Key event", flag("Key event")),
        ),
        words=("event", "actor"),
    ),
    SectionKind.FIVE_WHYS: RowKind(
        "whys",
        "why",
        (Field("why", "Why?"), Field("because", "Because")),
        words=("why", "because"),
        by_place=True,
        content=("why", "because"),
    ),
    SectionKind.CONTRIBUTING_FACTORS: RowKind(
        "factors",
        "factor",
        (
            Field("title", "Factor"),
            Field("level", "Level", level_label),
            Field("category", "Category", category),
            Field("description", "What happened"),
        ),
        words=("title", "description"),
        content=("title", "description"),
    ),
}
FIGURES = {
    SectionKind.IMPACT: (
        Field("users_affected", "Users affected"),
        Field("revenue_impact", "Revenue impact", revenue),
        Field("sla_breached", "SLA", sla),
        Field("support_tickets", "Support tickets"),
    ),
}


def shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= LABEL_LENGTH else text[: LABEL_LENGTH - 1] + "…"


# --- Comparing revisions ------------------------------------------------------------------------


def revision_changes(older: Revision, newer: Revision) -> list[SectionChange]:
    """The title and the sections that differ between two revisions, in the newer's order (a
    section only the older has comes last)."""
    old_doc, new_doc = _document(older.snapshot), _document(newer.snapshot)
    changes = []
    if old_doc["title"] != new_doc["title"]:
        lines = [("-", old_doc["title"]), ("+", new_doc["title"])]
        changes.append(SectionChange("title", "Title", "title", lines=lines))
    before, after = old_doc["sections"], new_doc["sections"]
    for key in [*after, *(k for k in before if k not in after)]:
        change = section_change(key, before.get(key, {}), after.get(key, {}))
        if change.lines or change.rows:
            changes.append(change)
    return changes


def _document(snapshot) -> dict:
    """A snapshot's title and ``{key: section}``; whatever is not a section is left out."""
    snapshot = snapshot if isinstance(snapshot, dict) else {}
    sections = snapshot.get("sections")
    return {
        "title": readable(snapshot.get("title")),
        "sections": {
            str(s["key"]): s
            for s in (sections if isinstance(sections, list) else [])
            if isinstance(s, dict) and s.get("key")
        },
    }


def section_change(key: str, old: dict, new: dict) -> SectionChange:
    kind = str((new or old).get("kind") or "")
    change = SectionChange(key, readable((new or old).get("title")) or humanize(key), kind)
    change.lines = text_diff(readable(old.get("body")), readable(new.get("body")))
    old_data, new_data = old.get("data"), new.get("data")
    if old_data == new_data:
        return change
    if kind in ROW_KINDS:
        rows = ROW_KINDS[kind]
        change.noun = rows.noun
        change.rows, change.unchanged = row_changes(
            rows, _rows(old_data, rows), _rows(new_data, rows)
        )
        known = {rows.name}
    else:
        known = set()
    change.rows += figure_changes(
        FIGURES.get(kind, ()), _mapping(old_data), _mapping(new_data), known
    )
    return change


def text_diff(old: str, new: str) -> list[tuple[str, str]]:
    if old == new:
        return []
    return [
        (line[0], line[2:])
        for line in difflib.ndiff(old.splitlines(), new.splitlines())
        if line[0] in " +-"
    ]


def _mapping(data) -> dict:
    """Section data as a mapping: a stored list (of anything) stands as its "Entries"."""
    if isinstance(data, dict):
        return data
    return {} if data in (None, "") else {"entries": data}


def _rows(data, kind: RowKind) -> list[dict]:
    """The section's rows, without unwritten placeholders (the blank whys a draft starts with);
    an entry that is not a row is kept as one with its text."""
    value = _mapping(data).get(kind.name)
    rows = [
        row if isinstance(row, dict) else {"value": row}
        for row in (value if isinstance(value, list) else [])
        if readable(row)
    ]
    if kind.content:
        rows = [r for r in rows if any(readable(r.get(n)) for n in kind.content) or "value" in r]
    return rows


# --- Rows -----------------------------------------------------------------------------------------


def _fields_of(kind: RowKind, old: list[dict], new: list[dict]) -> list[Field]:
    """The kind's fields, then any other the rows hold (so nothing stored goes unshown)."""
    names = {f.name for f in kind.fields}
    extra = {k: None for row in [*old, *new] for k in row if k not in names}
    return [*kind.fields, *(Field(name, humanize(name)) for name in extra)]


def _shown(row: dict, fields: list[Field]) -> tuple[str, ...]:
    return tuple(f.show(row.get(f.name)) for f in fields)


def row_changes(kind: RowKind, old: list[dict], new: list[dict]) -> tuple[list[RowChange], int]:
    """The rows added, removed, changed and moved, in the newer order (a removed row after the
    row that preceded it), and how many rows are as they were."""
    fields = _fields_of(kind, old, new)
    old_shown = [_shown(r, fields) for r in old]
    new_shown = [_shown(r, fields) for r in new]
    words = [i for i, f in enumerate(fields) if f.name in kind.words or f.name == "value"]
    pairs = pair_rows(old_shown, new_shown, words=words, by_place=kind.by_place)
    moved = _moved(pairs)
    placed: list[tuple[tuple, RowChange]] = []
    for o, n in pairs.items():
        diffs = [
            FieldChange(f.label, a, b)
            for f, a, b in zip(fields, old_shown[o], new_shown[n], strict=True)
            if a != b
        ]
        was = f"{kind.noun} {o + 1}" if o in moved else ""
        if diffs or was:
            state = "changed" if diffs else "moved"
            placed.append(((n, 1), RowChange(state, kind.label(new[n], n), diffs, was=was)))
    for n in sorted(set(range(len(new))) - set(pairs.values())):
        row = [FieldChange(f.label, "", v) for f, v in zip(fields, new_shown[n], strict=True) if v]
        placed.append(((n, 1), RowChange("added", kind.label(new[n], n), row)))
    for o in sorted(set(range(len(old))) - set(pairs)):
        row = [FieldChange(f.label, v, "") for f, v in zip(fields, old_shown[o], strict=True) if v]
        place = (_place_of_removed(o, pairs), 0, o)
        placed.append((place, RowChange("removed", kind.label(old[o], o), row)))
    placed.sort(key=lambda item: item[0])
    unchanged = len(pairs) - sum(1 for _, c in placed if c.state in ("changed", "moved"))
    return [change for _, change in placed], unchanged


def pair_rows(
    old: list[tuple[str, ...]], new: list[tuple[str, ...]], *, words: list[int], by_place: bool
) -> dict[int, int]:
    """``{old index: new index}`` of the rows that are the same row in both: equal rows
    first, then the most alike (by the text of their ``words`` fields), then the rows left at
    the same place (``by_place``: the whys of a chain) or with the same first field (a
    timeline row's time, a factor's title)."""
    pairs: dict[int, int] = {}
    waiting: dict[tuple, list[int]] = {}
    for o, shown in enumerate(old):
        waiting.setdefault(shown, []).append(o)
    for n, shown in enumerate(new):
        if waiting.get(shown):
            pairs[waiting[shown].pop(0)] = n
    taken = set(pairs.values())
    old_left = [o for o in range(len(old)) if o not in pairs]
    new_left = [n for n in range(len(new)) if n not in taken]
    if len(old_left) * len(new_left) <= SIMILARITY_PAIRS:
        scored = sorted(
            (
                (_likeness(old[o], new[n], words), -abs(o - n), o, n)
                for o in old_left
                for n in new_left
            ),
            reverse=True,
        )
        for score, _, o, n in scored:
            if score >= SIMILAR and o not in pairs and n not in taken:
                pairs[o] = n
                taken.add(n)
    free: dict[tuple, list[int]] = {}
    for n in new_left:
        if n not in taken:
            free.setdefault((n,) if by_place else new[n][:1], []).append(n)
    for o in old_left:
        place = free.get((o,) if by_place else old[o][:1])
        if o not in pairs and place:
            pairs[o] = place.pop(0)
    return pairs


def _likeness(old: tuple[str, ...], new: tuple[str, ...], words: list[int]) -> float:
    """How alike two rows read: the share of their fields that are equal, or how alike the
    text of their ``words`` fields is, whichever is more."""
    same = sum(a == b and a != "" for a, b in zip(old, new, strict=True))
    filled = sum(a != "" or b != "" for a, b in zip(old, new, strict=True)) or 1
    old_text = " ".join(old[i] for i in words)
    new_text = " ".join(new[i] for i in words)
    matcher = difflib.SequenceMatcher(None, old_text, new_text, autojunk=False)
    text = matcher.ratio() if old_text and new_text and matcher.quick_ratio() >= SIMILAR else 0
    return max(same / filled, text)


def _moved(pairs: dict[int, int]) -> set[int]:
    """The old indexes of paired rows outside the longest run that kept its order."""
    by_new = sorted(pairs.items(), key=lambda pair: pair[1])
    olds = [o for o, _ in by_new]
    kept = _longest_increasing(olds)
    return set(olds) - kept


def _longest_increasing(values: list[int]) -> set[int]:
    """The values of a longest strictly increasing subsequence (patience sorting: n log n, for
    timelines of hundreds of rows)."""
    tails: list[int] = []  # tails[k]: where the smallest last value of a run k+1 long stands
    tail_values: list[int] = []
    before: list[int | None] = []  # the index before each value in its run
    for i, value in enumerate(values):
        k = bisect.bisect_left(tail_values, value)
        before.append(tails[k - 1] if k else None)
        if k == len(tails):
            tails.append(i)
            tail_values.append(value)
        else:
            tails[k], tail_values[k] = i, value
    kept, at = set(), tails[-1] if tails else None
    while at is not None:
        kept.add(values[at])
        at = before[at]
    return kept


def _place_of_removed(old_index: int, pairs: dict[int, int]) -> int:
    """A removed row shows after the row that preceded it and is still there."""
    preceding = [n for o, n in pairs.items() if o < old_index]
    return max(preceding, default=-1) + 1


# --- Figures ------------------------------------------------------------------------------------


def figure_changes(
    figures: tuple[Field, ...], old: dict, new: dict, known: set[str]
) -> list[RowChange]:
    """The named values of a section's data (the impact figures; any value a section's data
    holds besides its rows): one row with those that changed."""
    names = {f.name for f in figures}
    extra = {k: None for k in [*old, *new] if k not in names and k not in known}
    fields = [*figures, *(Field(name, humanize(name)) for name in extra)]
    diffs = [
        FieldChange(f.label, f.show(old.get(f.name)), f.show(new.get(f.name)))
        for f in fields
        if f.show(old.get(f.name)) != f.show(new.get(f.name))
    ]
    if not diffs:
        return []
    if not any(d.old for d in diffs):
        return [RowChange("added", "Figures", diffs)]
    if not any(d.new for d in diffs):
        return [RowChange("removed", "Figures", diffs)]
    return [RowChange("changed", "Figures", diffs)]
