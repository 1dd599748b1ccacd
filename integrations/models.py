from .chat.models import ImportedChatMessage

__all__ = ["ImportedChatMessage"]
