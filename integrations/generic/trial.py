""" "Try mapping": what a mapping, as typed, makes of a pasted sample. Reads only: the service
and the members are looked up, nothing is written."""

from dataclasses import dataclass, field
from typing import Any

from organizations.models import Organization
from organizations.people import display_name

from ..intake.errors import Quarantine
from ..pagers.selectors import members_by_email
from ..pagers.sync import Pager, PagerEvent
from .mapping import Found, Mapping, findings
from .payload import reading, unknown_service


@dataclass(frozen=True)
class Trial:
    found: list[Found]
    event: PagerEvent | None = None
    refused: str = ""  # why a delivery of this body would be quarantined
    severity: str = ""
    members: list[str] = field(default_factory=list)  # the responders who are members


def trial(
    organization: Organization, mapping: Mapping, pager: Pager, data: dict[str, Any], text: str
) -> Trial:
    found = findings(mapping, data)
    try:
        read = reading(mapping, data, text.encode())
    except Quarantine as reason:
        return Trial(found, refused=str(reason))
    event = read.event
    members = [display_name(user) for user in members_by_email(organization, event.responders)]
    return Trial(
        found,
        event=event,
        refused=unknown_service(organization, read),
        severity=pager.severity(event.level),
        members=members,
    )
