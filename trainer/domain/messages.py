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
