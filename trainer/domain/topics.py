"""Review topics: the tags a question carries, and their names on the result page.

A question's tags name the skills it trains and the entry-error case (C1-C20 in the content
brief) or emergency (D1-D7, the drills) it is about. "What to review" groups lost points by
tag, so each tag needs a name in both languages: the skills, cases and emergencies are fixed
lists translated like any other text. Learners never see a case code (C1-C20, D1-D7): the codes
are for authors and tags, pages name the situation. Content check refuses any other
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
#: The entry-error cases of the content brief, by the situation a cashier meets.
CASES = {
    "C1": N_("Overcharge found before settlement"),
    "C2": N_("Overcharge found after settlement"),
    "C3": N_("Undercharge"),
    "C4": N_("Duplicate charge"),
    "C5": N_("Timeout or unknown result"),
    "C6": N_("Customer switches to cash"),
    "C7": N_("Card sale recorded as cash"),
    "C8": N_("Partial return"),
    "C9": N_("Refund to another card, in cash or by phone"),
    "C10": N_("Declined card"),
    "C11": N_("Pick up card or call for authorization"),
    "C12": N_("Approved but suspicious (Code 10)"),
    "C13": N_("Chip fails, number read out"),
    "C14": N_("Writing down card data"),
    "C15": N_("Wrong or missing tip"),
    "C16": N_("Receipt copy"),
    "C17": N_("Void rejected: already settled"),
    "C18": N_("Pre-authorization"),
    "C19": N_("Chargeback notice"),
    "C20": N_("Void or refund on Chinese terminals"),
    "D1": N_("Network outage"),
    "D2": N_("Power loss during a payment"),
    "D3": N_("Terminal failure or tampering"),
    "D4": N_("Suspected skimmer"),
    "D5": N_("End of day and settlement problems"),
    "D6": N_("Data loss and restore"),
    "D7": N_("Suspected fraud or cash-out"),
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
    if tag in CASES:
        return gettext(CASES[tag])
    return tag
