"""Messages for people, made where Flask is not available and translated where they are shown.

Domain code builds a Message from an English msgid with %(name)s placeholders; __str__ gives
English (CLI output, logs, tests), and the web layer passes msgid and params to gettext.
Msgids are marked with N_() so `make translations` extracts them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def N_(msgid: str) -> str:
    """Mark a msgid for extraction; it is translated when shown."""
    return msgid


@dataclass(frozen=True)
class Message:
    """An English msgid and the values for its placeholders."""

    msgid: str
    params: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.msgid % self.params if self.params else self.msgid

    def translated(self, gettext) -> str:
        """The message in the reader's language, given a gettext function."""
        return gettext(self.msgid, **self.params) if self.params else gettext(self.msgid)


class LocatedMessage(str):
    """A Message found at ``file:line``, e.g. a problem in an imported file.

    It is a str whose value is the English ``file:line: message``, because the CLI, its
    ``--json`` output, logs and tests read these messages as plain English text and keep doing
    so unchanged; the web page calls ``translated()`` to show them in the reader's language.
    """

    file: str
    line: int
    message: Message

    def __new__(cls, file: str, line: int, message: Message) -> LocatedMessage:
        self = super().__new__(cls, f"{file}:{line}: {message}")
        self.file, self.line, self.message = file, line, message
        return self

    def __getnewargs__(self) -> tuple[str, int, Message]:  # type: ignore[override]
        # copy and pickle rebuild a str subclass from these arguments, not from the text.
        return (self.file, self.line, self.message)

    def translated(self, gettext) -> str:
        """``file:line: message`` with the message in the reader's language."""
        return f"{self.file}:{self.line}: {self.message.translated(gettext)}"
