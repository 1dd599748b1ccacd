"""What the chat parsers return: messages with a time, an author and readable text."""

import hashlib
from dataclasses import dataclass, field
from datetime import datetime


class ChatInputError(ValueError):
    """Input that cannot be imported; ``field`` names the form field it came from."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Author:
    """Who wrote a message: the name shown, and what may match a member."""

    name: str
    email: str = ""
    usernames: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ChatMessage:
    occurred_at: datetime  # aware
    author: Author
    text: str
    source_key: str  # the same message gives the same key on every import

    @property
    def key(self) -> str:
        return hashlib.sha256(self.source_key.encode()).hexdigest()


# Caps on what is read (the upload itself is capped by the form). The proposals page posts a
# checkbox per message: Django refuses a form of more than 1,000 fields (with a 400).
MAX_MESSAGES = 900
MAX_TEXT = 3000


def to_data(messages: list[ChatMessage]) -> list[list]:
    """Messages as plain JSON data (the page carries them, signed, to the adding step)."""
    return [
        [
            m.occurred_at.isoformat(),
            m.author.name,
            m.author.email,
            list(m.author.usernames),
            m.text,
            m.source_key,
        ]
        for m in messages
    ]


def from_data(data: list[list]) -> list[ChatMessage]:
    return [
        ChatMessage(
            occurred_at=datetime.fromisoformat(at),
            author=Author(name=name, email=email, usernames=tuple(usernames)),
            text=text,
            source_key=key,
        )
        for at, name, email, usernames, text, key in data
    ]
