"""Attune: measures and coaching for a couple's emotional intimacy, read from their own chats.

Data flows one way: ``ingest`` (exports to a :class:`Conversation`) → ``signals`` → ``measures``
→ ``coach`` → ``present``.
"""

from attune.conversation import Conversation, Message, Participant, Reaction, Skipped
from attune.errors import AttuneError, ExportError

__all__ = [
    "AttuneError",
    "Conversation",
    "ExportError",
    "Message",
    "Participant",
    "Reaction",
    "Skipped",
]
__version__ = "0.1.0"
