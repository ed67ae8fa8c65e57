"""Review topics: the tags a question carries, and their names on the result page.

A question's tags name the skills it trains and the entry-error case (C1-C20 in the content
brief) or emergency (D1-D7, the drills) it is about. "What to review" groups lost points by
tag, so each tag needs a name in both languages: the skills are a fixed list, translated like
any other text; cases and emergencies are named by their code. Content check refuses any other
tag in the shipped banks, so a typo cannot make a topic nobody can read. Imported GIFT tags are
not checked and are shown as written.

Pure Python: no Flask. Labels are msgids (N_), translated by the caller's gettext.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from trainer.domain.messages import N_

SKILLS = {
    "card-data-security": N_("Card data security"),
    "correction": N_("Correcting a payment"),
    "customer-care": N_("Talking with the customer"),
    "escalation": N_("When to call a supervisor"),
    "fraud-awareness": N_("Spotting fraud and cash-out"),
    "records": N_("Receipts and records"),
    "terminal-care": N_("Terminal care"),
    "timing": N_("Before or after settlement"),
}
_CASE = re.compile(r"C(?:[1-9]|1[0-9]|20)")
_EMERGENCY = re.compile(r"D[1-7]")
#: For messages: what a tag may be.
KNOWN = f"a skill ({', '.join(SKILLS)}), an entry-error case C1-C20 or an emergency D1-D7"


def is_case(tag: str) -> bool:
    """Whether ``tag`` names an entry-error case (C1-C20) or an emergency (D1-D7)."""
    return bool(_CASE.fullmatch(tag) or _EMERGENCY.fullmatch(tag))


def is_known(tag: str) -> bool:
    """Whether ``tag`` is a skill, a case or an emergency."""
    return tag in SKILLS or bool(_CASE.fullmatch(tag) or _EMERGENCY.fullmatch(tag))


def label(tag: str | None, gettext: Callable[[str], str]) -> str:
    """The topic's name, translated by ``gettext``; an unknown tag as written."""
    if tag is None:
        return gettext(N_("Other"))
    if tag in SKILLS:
        return gettext(SKILLS[tag])
    if _CASE.fullmatch(tag):
        return gettext(N_("Entry error %(code)s")) % {"code": tag}
    if _EMERGENCY.fullmatch(tag):
        return gettext(N_("Emergency %(code)s")) % {"code": tag}
    return tag
