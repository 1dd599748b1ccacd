"""Adding the chosen chat messages to an incident's timeline."""

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from incidents import services as incident_services
from incidents.models import EntryKind, Incident, TimelineEntry

from .messages import ChatMessage
from .models import ImportedChatMessage
from .selectors import Members, imported_keys


@transaction.atomic
def chat_messages_add(
    *,
    incident: Incident,
    actor: AbstractBaseUser | None,
    messages: Iterable[ChatMessage],
    source: str,
) -> list[TimelineEntry]:
    """Each chosen message as a communication entry, at its time, by its member (else its
    name), in chat order. A message already imported onto this incident is skipped, so
    importing the same chat again (or twice at once) adds nothing new."""
    Incident.objects.select_for_update().filter(pk=incident.pk).first()  # one import at a time
    done = imported_keys(incident)
    members = Members(incident.organization)
    added = []
    for message in sorted(messages, key=lambda m: m.occurred_at):
        if message.key in done:
            continue
        done.add(message.key)
        member = members.match(message.author)
        entry = incident_services.timeline_entry_add(
            incident=incident,
            actor=member,
            actor_name="" if member else message.author.name,
            occurred_at=message.occurred_at,
            description=message.text,
            kind=EntryKind.COMMUNICATION,
        )
        ImportedChatMessage.objects.create(
            organization=incident.organization,
            incident=incident,
            entry=entry,
            key=message.key,
            source=source[:120],
            imported_by=actor,
        )
        added.append(entry)
    return added
