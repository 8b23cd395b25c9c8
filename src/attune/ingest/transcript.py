"""Plain transcripts: ``Name: text`` lines with no dates (therapy notes, copied chats, scripts).

A transcript has no dates, so every message's ``timestamp`` is None; file order is the order.
A clock time in front of a line (``[21:14] Alex: hi``, ``21:14 Alex: hi``) or after the name
(``Alex (21:14): hi``) is accepted and dropped, since a time without a date cannot be placed.

Who is speaking is ambiguous: ``Note: this is important`` inside a message looks like a turn by
"Note". The rule: a name is a speaker if it starts at least two lines, or is one of the first two
names in the file (a couple's first turns); a few words that label rather than speak ("Note",
"PS", "Edit", "Update", …) never are. A line whose prefix is not a speaker, or that has no prefix,
continues the previous message (joined with "\\n"); stage directions such as ``[laughs]`` stay in
the text. Separator lines (``--- Session 2 ---``) become system messages carrying their label;
bare rules (``-----``) are recorded as skipped.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from attune.conversation import Conversation, Message, Skipped
from attune.errors import ExportError
from attune.ingest.build import finish
from attune.ingest.registry import ImportOptions, export_format
from attune.ingest.source import Source
from attune.ingest.text import clean_name, strip_marks

MAX_NAME_CHARS = 40
MAX_NAME_WORDS = 5
FIRST_SPEAKERS = 2
"""How many of the first names in the file count as speakers even if they speak only once."""

NOT_SPEAKERS = frozenset(
    {"note", "notes", "nb", "ps", "pps", "edit", "update", "fyi", "tldr", "re", "btw", "eta"}
    | {"todo", "warning", "reminder", "important", "source", "link", "http", "https"}
)
"""Labels that introduce text rather than a person ("Note: …", "PS: …")."""

_CLOCK = r"\d{1,2}[:.]\d{2}(?:[:.]\d{2})?(?:\s*[ap]\.?\s?m\.?)?"
_LEADING_TIME = re.compile(
    rf"(?:\[\s*{_CLOCK}\s*\]|\(\s*{_CLOCK}\s*\)|{_CLOCK}(?=\s))\s*(?:[-–—|]\s*)?", re.IGNORECASE
)
_TURN = re.compile(
    rf"(?P<name>[^:]{{1,{MAX_NAME_CHARS * 2}}}?)"
    rf"(?:\s*(?:\[\s*{_CLOCK}\s*\]|\(\s*{_CLOCK}\s*\)))?\s*:(?:\s+(?P<text>.*)|$)",
    re.IGNORECASE,
)
_NOT_IN_NAMES = set('!?;,"“”«»[]{}<>=*/\\|#:')
_RULE = r"(?:-{3,}|={3,}|\*{3,}|_{3,}|~{3,}|—{2,})"
_SEPARATOR = re.compile(rf"{_RULE}\s*(?P<label>.*?)\s*{_RULE}?")
_DATED_LINE = re.compile(r"\W{0,2}\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\b")
"""WhatsApp, Signal and similar exports start lines with a date: they are not transcripts."""


def _is_name(name: str) -> bool:
    """Short, a few words, starting like a name, without sentence punctuation."""
    if not name or len(name) > MAX_NAME_CHARS or len(name.split()) > MAX_NAME_WORDS:
        return False
    if unicodedata.category(name[0])[0] in "PZC" or name.endswith("."):
        return False
    if any(c in _NOT_IN_NAMES for c in name) or not any(c.isalpha() for c in name):
        return False
    return _key(name) not in NOT_SPEAKERS


def _key(name: str) -> str:
    return re.sub(r"[^\w]", "", name.casefold())


def _turn(line: str) -> tuple[str, str] | None:
    """``(name, text)`` when the line looks like ``[time] Name: text``; any name-like prefix."""
    match = _TURN.fullmatch(_LEADING_TIME.sub("", line.strip(), count=1))
    if match is None:
        return None
    name = clean_name(match["name"])
    if not _is_name(name):
        return None
    return name, (match["text"] or "").strip()


def _speakers(lines: list[str]) -> set[str]:
    """Names that open at least two lines, plus the first names in the file."""
    counts: Counter[str] = Counter()
    first: list[str] = []
    for line in lines:
        turn = _turn(line)
        if turn is None:
            continue
        counts[turn[0]] += 1
        if turn[0] not in first and len(first) < FIRST_SPEAKERS:
            first.append(turn[0])
    return {name for name, n in counts.items() if n >= 2} | set(first)


@dataclass
class _Builder:
    """Collects the lines of the message being read, and everything already read."""

    messages: list[Message] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    sender: str | None = None
    line: int = 0
    lines: list[str] = field(default_factory=list)

    def start(self, sender: str, text: str, line: int) -> None:
        self.flush()
        self.sender, self.line, self.lines = sender, line, [text]

    def flush(self) -> None:
        if self.sender is None:
            return
        text = "\n".join(self.lines).strip("\n")
        if text.strip():
            self.messages.append(Message(id="", timestamp=None, sender=self.sender, text=text))
        else:
            self.skipped.append(Skipped(self.line, "empty message", f"{self.sender}:"))
        self.sender, self.lines = None, []


def sniff(source: Source) -> float:
    """Modest: most lines are ``Name: text`` and none starts with a date, so specific formats
    (WhatsApp, Signal, …) always win."""
    try:
        if source.path.is_dir():
            return 0.0
        head = source.head_text()
        if "\x00" in head or head.lstrip("\ufeff \n\t")[:1] in ("{", "[", "<"):
            return 0.0
        lines = [strip_marks(x).rstrip() for x in head.split("\n")[:-1] or [head]]
        lines = [x for x in lines if x.strip()][:60]
        if not lines or any(_DATED_LINE.match(x) for x in lines[:20]):
            return 0.0
        turns = [t for t in map(_turn, lines) if t is not None]
        names = Counter(name for name, _ in turns)
    except Exception:  # sniffing must never fail: any surprise means "not mine"
        return 0.0
    repeated = sum(n for n in names.values() if n >= 2)
    if len(turns) >= 2 and len(turns) * 4 >= len(lines) and repeated * 5 >= len(turns) * 3:
        return 0.35 if source.path.suffix.lower() in (".txt", ".md", "") else 0.3
    if len(turns) == len(names) == 2 and len(lines) <= 8:
        return 0.2
    return 0.0


@export_format(
    "transcript", description="Plain transcript: 'Name: text' lines, no timestamps", sniff=sniff
)
def parse(source: Source, options: ImportOptions) -> Conversation:
    """Turns by speaker in file order; see the module docstring for who counts as a speaker."""
    lines = [strip_marks(x).rstrip() for x in source.text.lstrip("\ufeff").split("\n")]
    speakers = _speakers(lines)
    built = _Builder()
    for number, line in enumerate(lines, 1):
        separator = _SEPARATOR.fullmatch(line.strip())
        if separator is not None:
            built.flush()
            label = separator["label"].strip()
            if label and any(c.isalnum() for c in label):
                built.messages.append(
                    Message(id="", timestamp=None, sender=None, text=label, kind="system")
                )
            else:
                built.skipped.append(Skipped(number, "separator line", line.strip()[:80]))
            continue
        turn = _turn(line)
        if turn is not None and turn[0] in speakers:
            built.start(turn[0], turn[1], number)
        elif built.sender is not None:
            built.lines.append(line.strip())
        elif line.strip():
            built.skipped.append(Skipped(number, "text before the first speaker", line[:80]))
    built.flush()
    if not any(m.kind == "message" for m in built.messages):
        if any(_DATED_LINE.match(x) for x in lines if x.strip()):
            raise ExportError(
                source.path,
                "lines start with dates, so this is a dated chat export, not a plain transcript; "
                "try --format auto",
            )
        raise ExportError(source.path, "no 'Name: text' lines found; not a plain transcript")
    return finish(built.messages, source=source.name, format="transcript", skipped=built.skipped)
