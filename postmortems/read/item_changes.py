"""What changed in a postmortem's action items between two revisions: each item added, removed
or changed (its title, owner, due date, priority, status… old → new), shown in the card of the
action-items section it is listed in, as the rows of any structured section are.

A revision keeps the items as ``snapshot["action_items"]`` (written by ``actionitems.history``):
one entry per item with its ``id``, its ``number`` and the fields a reader reads, as text. A
revision written before the items were kept has no such key: then nothing is said about items
(not every item "added"). Comparing asks the database nothing.
"""

from datetime import date

from django.utils import dateformat

from postmortems.models import Revision, SectionKind

from .changes import (
    FieldChange,
    RowChange,
    SectionChange,
    humanize,
    readable,
    revision_changes,
    shorten,
)

ITEMS = "action_items"
DATE_FORMAT = "M j, Y"
# The fields of an item in the order a reader reads them; any other the snapshot holds follows.
FIELDS = (
    ("title", "Action item"),
    ("owner", "Owner"),
    ("due_date", "Due"),
    ("priority", "Priority"),
    ("status", "Status"),
    ("category", "Category"),
    ("success_criteria", "Success criteria"),
    ("wont_do_reason", "Why it won't be done"),
    ("section_key", "Listed in"),
)
NOT_SHOWN = {"id", "number"}  # how an item is told apart, in its label rather than a field
PLACE = "section_key"  # an added or removed item's card says where it is listed already


def document_changes(older: Revision, newer: Revision) -> list[SectionChange]:
    """``revision_changes`` with the action items' changes in their sections' cards."""
    changes = revision_changes(older, newer)
    old_items, new_items = _items(older.snapshot), _items(newer.snapshot)
    if old_items is None or new_items is None or old_items == new_items:
        return changes
    sections = _sections(newer.snapshot) or _sections(older.snapshot)
    by_key = {change.key: change for change in changes}
    for key, rows in item_rows(old_items, new_items, sections).items():
        change = by_key.get(key)
        if change is None:
            title, kind = sections.get(key, ("Action items", SectionKind.ACTION_ITEMS))
            change = by_key[key] = SectionChange(key, title, kind)
            changes.append(change)
        change.rows += rows
        change.noun = "action item"
        change.unchanged = len([i for i in new_items if _home(i, sections) == key]) - sum(
            r.state != "removed" for r in rows
        )
    order = {key: place for place, key in enumerate(["title", *sections])}
    return sorted(changes, key=lambda c: order.get(c.key, len(order)))


def item_rows(
    old: list[dict], new: list[dict], sections: dict[str, tuple[str, str]]
) -> dict[str, list[RowChange]]:
    """The items added, changed and removed, by the key of the section each is listed in (its
    newer place), in list order with a removed item last."""
    before = {_identity(item, i): item for i, item in enumerate(old)}
    after = {_identity(item, i): item for i, item in enumerate(new)}
    grouped: dict[str, list[RowChange]] = {}
    for identity, item in after.items():
        was = before.get(identity)
        row = _added(item, sections) if was is None else _changed(was, item, sections)
        if row is not None:
            grouped.setdefault(_home(item, sections), []).append(row)
    for identity, item in before.items():
        if identity not in after:
            grouped.setdefault(_home(item, sections), []).append(_removed(item, sections))
    return grouped


def _added(item: dict, sections: dict) -> RowChange:
    shown = _shown(item, sections, _names(item))
    fields = [FieldChange(label, "", text) for name, label, text in shown if text and name != PLACE]
    return RowChange("added", _label(item), fields)


def _removed(item: dict, sections: dict) -> RowChange:
    shown = _shown(item, sections, _names(item))
    fields = [FieldChange(label, text, "") for name, label, text in shown if text and name != PLACE]
    return RowChange("removed", _label(item), fields)


def _changed(old: dict, new: dict, sections: dict) -> RowChange | None:
    """The fields of an item that differ, old → new; None when none does."""
    names = _names(old, new)
    fields = [
        FieldChange(label, was, now)
        for (_, label, was), (_, _, now) in zip(
            _shown(old, sections, names), _shown(new, sections, names), strict=True
        )
        if was != now
    ]
    return RowChange("changed", _label(new), fields) if fields else None


# --- Reading a snapshot -------------------------------------------------------------------------


def _items(snapshot) -> list[dict] | None:
    """The items a revision keeps (entries that are not items read as their text); None when
    it kept none."""
    if not isinstance(snapshot, dict) or not isinstance(snapshot.get(ITEMS), list):
        return None
    return [
        item if isinstance(item, dict) else {"title": readable(item)}
        for item in snapshot[ITEMS]
        if readable(item)
    ]


def _sections(snapshot) -> dict[str, tuple[str, str]]:
    """``{key: (title, kind)}`` of the snapshot's sections, in document order."""
    sections = snapshot.get("sections") if isinstance(snapshot, dict) else None
    return {
        str(s["key"]): (readable(s.get("title")) or humanize(s["key"]), str(s.get("kind") or ""))
        for s in (sections if isinstance(sections, list) else [])
        if isinstance(s, dict) and s.get("key")
    }


def _home(item: dict, sections: dict[str, tuple[str, str]]) -> str:
    """The action-items section an item is listed in: its own, else the first one (as the
    postmortem's page lists it)."""
    lists = [key for key, (_, kind) in sections.items() if kind == SectionKind.ACTION_ITEMS]
    key = str(item.get(PLACE) or "")
    if key in lists:
        return key
    return lists[0] if lists else "action-items"


def _identity(item: dict, index: int) -> tuple:
    """Which item an entry is: its id, else its place."""
    return ("id", item["id"]) if item.get("id") is not None else ("at", index)


def _label(item: dict) -> str:
    title = shorten(readable(item.get("title")))
    number = item.get("number")
    return " · ".join(part for part in (f"AI-{number}" if number else "", title) if part) or (
        "Action item"
    )


def _names(*items: dict) -> list[str]:
    """The known fields, then any other the items hold (so nothing stored goes unshown)."""
    known = [name for name, _ in FIELDS]
    extra = {k: None for item in items for k in item if k not in known and k not in NOT_SHOWN}
    return [*known, *extra]


def _shown(item: dict, sections: dict, names: list[str]) -> list[tuple[str, str, str]]:
    """``(name, label, text)`` of each of the item's fields ``names``."""
    labels = dict(FIELDS)
    return [
        (name, labels.get(name) or humanize(name), _text(name, item.get(name), sections))
        for name in names
    ]


def _text(name: str, value, sections: dict[str, tuple[str, str]]) -> str:
    if name == "due_date" and isinstance(value, str):
        try:
            return dateformat.format(date.fromisoformat(value), DATE_FORMAT)
        except ValueError:
            return readable(value)
    if name == PLACE:
        return sections.get(str(value or ""), (readable(value),))[0]
    return readable(value)
