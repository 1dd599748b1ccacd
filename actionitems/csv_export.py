"""The tracker's filtered view as CSV, streamed row by row from a database iterator. Cells go
through ``organizations.spreadsheets.safe_cell`` and the file starts with its byte-order mark."""

import csv
import io
import zoneinfo
from collections.abc import Iterable, Iterator

from django.db.models import QuerySet

from organizations.spreadsheets import BYTE_ORDER_MARK, safe_cell

from .models import ActionItem

CHUNK_SIZE = 2_000
LINES_PER_WRITE = 200  # lines sent to the client at a time (one socket write, not 10,000)
HEADER = (
    "ID",
    "Description",
    "Owner",
    "Owner name",
    "Due date",
    "Priority",
    "Status",
    "Category",
    "Severity",
    "Postmortem",
    "Postmortem title",
    "Incident",
    "Ticket URL",
    "Success criteria",
    "Won't-do reason",
    "Completed at",
)


def item_row(item: ActionItem, zone: zoneinfo.ZoneInfo) -> list:
    postmortem = item.postmortem
    incident = postmortem.incident
    owner = item.owner
    completed = item.completed_at.astimezone(zone).isoformat() if item.completed_at else ""
    return [
        item.number,
        item.description,
        owner.get_username() if owner else "",
        owner.get_full_name() if owner else "",
        item.due_date.isoformat() if item.due_date else "",
        item.priority,
        item.status,
        item.category,
        incident.severity if incident else "",
        postmortem.number,
        postmortem.title,
        incident.ref if incident else "",
        item.ticket_url,
        item.success_criteria,
        item.wont_do_reason,
        completed,
    ]


class _Line:
    """A file-like object whose ``write`` hands the line back to the caller."""

    def write(self, text: str) -> str:
        return text


def csv_lines(items: QuerySet[ActionItem], *, time_zone: str) -> Iterator[str]:
    """The header and one line per item, read ``CHUNK_SIZE`` rows at a time (a server-side
    cursor on PostgreSQL), so memory stays flat whatever the number of rows. The time zone is
    passed in: the stream is read after the view has returned."""
    zone = zoneinfo.ZoneInfo(time_zone or "UTC")
    writer = csv.writer(_Line())
    yield BYTE_ORDER_MARK + writer.writerow(HEADER)
    lines = []
    for item in items.iterator(chunk_size=CHUNK_SIZE):
        lines.append(writer.writerow([safe_cell(value) for value in item_row(item, zone)]))
        if len(lines) == LINES_PER_WRITE:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)


def read_rows(lines: Iterable[bytes | str]) -> list[list[str]]:
    """Parse streamed CSV back into rows (for tests and tools)."""
    text = "".join(line.decode() if isinstance(line, bytes) else line for line in lines)
    return list(csv.reader(io.StringIO(text.removeprefix(BYTE_ORDER_MARK), newline="")))
