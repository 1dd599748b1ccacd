"""Editor writes beside ``services.postmortem_save``: the impact figures, and saves of one part of
the document (a section's body or data, the title, the impact figures) that survive unrelated
concurrent edits.

Every write here goes through ``postmortem_save`` (or, for the impact figures, through it and the
same transaction), so the version check, the size cap and the revision stay in one place.

Why a part save may be *replayed*: the version is document-wide, so while Ann writes the summary
and Ben the timeline, each of their saves makes the other's base version stale. That is not a
conflict: ``postmortem_save`` accepts the change on the current version when the part it
changes still holds what the writer started from (``base_digest``), checked under the row lock
so concurrent writers cannot race past each other. When someone else changed that very part,
``SectionConflict`` carries the current text so the writer can merge; nothing is overwritten.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from incidents.models import TimelineEntry
from postmortems import services
from postmortems.models import Postmortem, PostmortemIncident, Section
from postmortems.services import StaleVersionError
from postmortems.timeline import row_time, rows_in_time_order

UTC_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?\+00:00$")
IMPACT_FIELDS = ("users_affected", "revenue_impact", "sla_breached", "support_tickets")
MAX_COUNT = 2_147_483_647  # PositiveIntegerField on PostgreSQL
MAX_REVENUE = Decimal("999999999999.99")  # max_digits=14, decimal_places=2
REPLAYS = 3


class SectionConflict(Exception):
    """Someone else changed the part being saved since the writer's base: their text is current.

    ``current`` is the part as it is now (a body or title string, a data dict, impact figures),
    read together with ``current_version`` so a merged save can be based on it.
    """

    def __init__(self, *, key: str, current: Any, current_version: int):
        self.key = key
        self.current = current
        self.current_version = current_version
        self.current_digest = content_digest(current)
        super().__init__(f"“{key}” changed since you started editing it.")


content_digest = services.content_digest  # kept here for the editor's views


# --- Part saves --------------------------------------------------------------------------------


def section_body_save(
    *,
    postmortem: Postmortem,
    actor: AbstractBaseUser | None,
    key: str,
    body: str,
    base_version: int,
    base_digest: str = "",
) -> Postmortem:
    """Save one section's markdown body."""
    return _section_part_save(postmortem, actor, key, "body", body, base_version, base_digest)


def section_data_save(
    *,
    postmortem: Postmortem,
    actor: AbstractBaseUser | None,
    key: str,
    data: dict,
    base_version: int,
    base_digest: str = "",
) -> Postmortem:
    """Save one structured section's data (timeline rows, whys, factors)."""
    return _section_part_save(postmortem, actor, key, "data", data, base_version, base_digest)


@transaction.atomic
def section_rows_change(
    *,
    postmortem: Postmortem,
    actor: AbstractBaseUser | None,
    key: str,
    edited: dict,
    changed: dict,
    summary: str,
    base_version: int,
    base_digest: str = "",
) -> Postmortem:
    """A row operation on a structured section (a row deleted, moved, or brought back).

    ``edited`` is the section's data as the writer saw it just before the operation, with any
    edits not saved yet; ``changed`` is the data after it. The edits are saved first (an
    ordinary edit, which coalesces), then the operation as a revision of its own named by
    ``summary``: the history always holds the rows as they were just before it."""
    saved = section_data_save(
        postmortem=postmortem,
        actor=actor,
        key=key,
        data=edited,
        base_version=base_version,
        base_digest=base_digest,
    )
    return _section_part_save(
        postmortem,
        actor,
        key,
        "data",
        changed,
        saved.version,
        content_digest(edited),
        summary=summary,
    )


def _section_part_save(
    postmortem: Postmortem,
    actor: AbstractBaseUser | None,
    key: str,
    field: str,
    value: Any,
    base_version: int,
    base_digest: str,
    summary: str = "",
) -> Postmortem:
    changes = {"sections": {key: value}} if field == "body" else {"section_data": {key: value}}
    return _save_replaying(
        key=key,
        new=value,
        base_version=base_version,
        base_digest=base_digest,
        read_current=lambda: _section_value(postmortem, key, field),
        write=lambda version: services.postmortem_save(
            postmortem=postmortem,
            actor=actor,
            base_version=version,
            part_digests={key: base_digest} if base_digest else None,
            summary=summary,
            **changes,
        ),
    )


def title_save(
    *,
    postmortem: Postmortem,
    actor: AbstractBaseUser | None,
    title: str,
    base_version: int,
    base_digest: str = "",
) -> Postmortem:
    return _save_replaying(
        key="title",
        new=title.strip(),
        base_version=base_version,
        base_digest=base_digest,
        read_current=lambda: _postmortem_value(postmortem, "title"),
        write=lambda version: services.postmortem_save(
            postmortem=postmortem,
            actor=actor,
            base_version=version,
            title=title,
            part_digests={"title": base_digest} if base_digest else None,
        ),
    )


def _save_replaying(
    *,
    key: str,
    new: Any,
    base_version: int,
    base_digest: str,
    read_current: Callable[[], tuple[int, Any]],
    write: Callable[[int], Postmortem],
) -> Postmortem:
    """Write; on a stale version, replay when the part is as the writer left it (or already
    holds the new content), else raise ``SectionConflict``. Body, data and title saves pass
    ``part_digests``, so ``postmortem_save`` settles them under the row lock and replays are
    rare; the impact figures (whose digest covers the postmortem's fields) rely on them."""
    version = base_version
    for _ in range(REPLAYS):
        try:
            return write(version)
        except StaleVersionError:
            version, current = read_current()
            # The same content is already saved (a retry after a lost response): nothing to do.
            unchanged_by_others = current == new or content_digest(current) == base_digest
            if not unchanged_by_others:
                raise SectionConflict(key=key, current=current, current_version=version) from None
    version, current = read_current()
    raise SectionConflict(key=key, current=current, current_version=version)


def _section_value(postmortem: Postmortem, key: str, field: str) -> tuple[int, Any]:
    """The section's body or data and the document version, read in one statement."""
    version, value = (
        Section.objects.filter(organization_id=postmortem.organization_id, postmortem=postmortem)
        .filter(key=key)
        .values_list("postmortem__version", field)
        .get()
    )
    return version, value


def _postmortem_value(postmortem: Postmortem, field: str) -> tuple[int, Any]:
    return Postmortem.objects.filter(pk=postmortem.pk).values_list("version", field).get()


# --- Impact ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Impact:
    users_affected: int | None = None
    revenue_impact: Decimal | None = None
    sla_breached: bool | None = None
    support_tickets: int | None = None

    @classmethod
    def of(cls, postmortem: Postmortem) -> "Impact":
        return cls(**{name: getattr(postmortem, name) for name in IMPACT_FIELDS})

    def as_data(self) -> dict:
        """JSON-safe, so the figures are part of the revision snapshot and its diffs."""
        revenue = None if self.revenue_impact is None else f"{self.revenue_impact:.2f}"
        return {
            "users_affected": self.users_affected,
            "revenue_impact": revenue,
            "sla_breached": self.sla_breached,
            "support_tickets": self.support_tickets,
        }


def impact_validate(impact: Impact) -> None:
    errors = {}
    for name in ("users_affected", "support_tickets"):
        value = getattr(impact, name)
        if value is not None and not 0 <= value <= MAX_COUNT:
            errors[name] = "Enter a whole number of zero or more."
    revenue = impact.revenue_impact
    if revenue is not None and (not revenue.is_finite() or not 0 <= revenue <= MAX_REVENUE):
        errors["revenue_impact"] = "Enter an amount of zero or more, at most 999,999,999,999.99."
    if errors:
        raise ValidationError(errors)


def postmortem_set_impact(
    *,
    postmortem: Postmortem,
    actor: AbstractBaseUser | None,
    key: str,
    impact: Impact,
    base_version: int,
    base_digest: str = "",
) -> Postmortem:
    """Set the impact figures from the impact section ``key``, versioned like any save.

    The figures live on the postmortem (lists, analytics and the read view use them) and are
    mirrored into the section's data in the same transaction, so every change is a revision
    and shows in the history's diffs.
    """
    impact_validate(impact)
    return _save_replaying(
        key=key,
        new=impact.as_data(),
        base_version=base_version,
        base_digest=base_digest,
        read_current=lambda: _impact_value(postmortem),
        write=lambda version: _write_impact(postmortem, actor, key, impact, version),
    )


@transaction.atomic
def _write_impact(
    postmortem: Postmortem, actor: AbstractBaseUser | None, key: str, impact: Impact, version: int
) -> Postmortem:
    saved = services.postmortem_save(
        postmortem=postmortem,
        actor=actor,
        base_version=version,
        section_data={key: impact.as_data()},
    )
    figures = {name: getattr(impact, name) for name in IMPACT_FIELDS}
    Postmortem.objects.filter(pk=saved.pk).update(**figures)
    for name, value in figures.items():
        setattr(saved, name, value)
    return saved


def _impact_value(postmortem: Postmortem) -> tuple[int, dict]:
    row = Postmortem.objects.filter(pk=postmortem.pk).values("version", *IMPACT_FIELDS).get()
    version = row.pop("version")
    return version, Impact(**row).as_data()


# --- Timeline: pulling in the incidents' entries -----------------------------------------------


def _incident_entries(postmortem: Postmortem, related: list[int] | None):
    """The primary and related incidents' timeline entries, oldest first (``related``: the
    related incidents' ids, when the caller has read them already)."""
    incident_ids = (
        list(related)
        if related is not None
        else list(
            PostmortemIncident.objects.filter(
                organization_id=postmortem.organization_id, postmortem=postmortem
            ).values_list("incident_id", flat=True)
        )
    )
    if postmortem.incident_id:
        incident_ids.append(postmortem.incident_id)
    return TimelineEntry.objects.filter(
        organization_id=postmortem.organization_id, incident_id__in=incident_ids or [0]
    ).order_by("occurred_at", "id")


def incident_timeline_rows(postmortem: Postmortem, related: list[int] | None = None) -> list[dict]:
    """The timeline entries of the primary and related incidents, as timeline-section rows."""
    entries = _incident_entries(postmortem, related).values_list(
        "occurred_at", "description", "actor_name", "actor__username", "is_key_event"
    )
    return [
        {
            "time": occurred_at.astimezone(UTC).isoformat(),
            "event": description,
            "actor": username or actor_name,  # as TimelineEntry.actor_display
            "key": is_key_event,
        }
        for occurred_at, description, actor_name, username, is_key_event in entries
    ]


def incident_entry_identities(
    postmortem: Postmortem, related: list[int] | None = None
) -> list[tuple[str, str]]:
    """What ``rows_missing_from`` compares of each incident entry (its minute and text), read
    without building rows: enough to count what the timeline could still pull in."""
    return [
        (occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M"), " ".join(description.split()))
        for occurred_at, description in _incident_entries(postmortem, related).values_list(
            "occurred_at", "description"
        )
    ]


def missing_count(rows: list[dict], identities: list[tuple[str, str]]) -> int:
    """How many incident entries (by ``incident_entry_identities``) ``rows`` lack."""
    present = {_row_identity(row) for row in rows}
    return sum(1 for identity in identities if identity not in present)


def rows_missing_from(rows: list[dict], candidates: list[dict]) -> list[dict]:
    """The candidate rows not in ``rows`` yet (same minute and same event text)."""
    present = {_row_identity(row) for row in rows}
    return [row for row in candidates if _row_identity(row) not in present]


def rows_merge(rows: list[dict], incoming: list[dict]) -> list[dict]:
    """``rows`` and ``incoming`` together in time order (existing rows first at equal times)."""
    return rows_in_time_order([*rows, *incoming])


def _row_identity(row: dict) -> tuple[str, str]:
    return _row_minute(str(row.get("time") or "")), " ".join(str(row.get("event") or "").split())


def _row_minute(time: str) -> str:
    """The row's minute in UTC. Stored rows hold UTC ISO times, read without parsing."""
    if UTC_ISO.match(time):
        return time[:16]
    moment = row_time({"time": time})
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M") if moment else ""
