"""Messages made in the domain and translated where they are shown (trainer.domain.messages)."""

from __future__ import annotations

import copy
import json

from trainer.domain.messages import N_, LocatedMessage, Message

RANGE = N_("the range %(range)s runs backwards")
CHINESE = {RANGE: "范围 %(range)s 写反了"}


def gettext(msgid: str, **params) -> str:
    """A stand-in for Flask-Babel's gettext with a one-entry Chinese catalogue."""
    text = CHINESE.get(msgid, msgid)
    return text % params if params else text


def backwards() -> LocatedMessage:
    return LocatedMessage("q.gift", 7, Message(RANGE, {"range": "5..1"}))


def test_a_located_message_is_its_english_text():
    m = backwards()
    english = "q.gift:7: the range 5..1 runs backwards"
    assert isinstance(m, str)
    assert m == english and str(m) == english
    assert "\n".join([m, m]) == f"{english}\n{english}"
    assert json.dumps([m]) == json.dumps([english])
    assert (m.file, m.line, m.message) == ("q.gift", 7, Message(RANGE, {"range": "5..1"}))


def test_a_located_message_translates_the_message_and_keeps_the_location():
    assert backwards().translated(gettext) == "q.gift:7: 范围 5..1 写反了"
    plain = LocatedMessage("q.gift", 1, Message(N_("the question text is empty")))
    assert plain.translated(gettext) == "q.gift:1: the question text is empty"


def test_a_located_message_survives_copying():
    m = backwards()
    for other in (copy.copy(m), copy.deepcopy(m)):
        assert other == m
        assert other.translated(gettext) == "q.gift:7: 范围 5..1 写反了"
