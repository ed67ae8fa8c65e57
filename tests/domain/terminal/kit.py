"""Building scenarios and pressing keys in the terminal tests."""

from __future__ import annotations

import copy
from typing import Any

from trainer.domain.terminal import Action, Scenario, Step, replay

BASE: dict[str, Any] = {
    "id": "test",
    "title": {"zh": "测试", "en": "Test"},
    "summary": {"zh": "测试", "en": "Test"},
    "goal": {"zh": "测试", "en": "Test"},
    "manual": "payment-errors/01-confirm-and-correct#c1-overcharge-open-batch",
    "start": {
        "clock": "2026-12-07 14:20",
        "supervisor_password": "123456",
        "batch": "000101",
        "first_trace": 318,
        "cards": [
            {
                "id": "a",
                "label": {"zh": "甲卡", "en": "card A"},
                "pan": "6228480000001234",
                "outcomes": ["approve"],
            },
            {
                "id": "b",
                "label": {"zh": "乙卡", "en": "card B"},
                "pan": "6222020000005678",
                "outcomes": ["approve"],
            },
        ],
        "transactions": [
            {"id": "wrong", "type": "sale", "card": "a", "amount": 85000, "minutes_ago": 10},
        ],
    },
}


def scenario(start: dict[str, Any] | None = None, **top: Any) -> Scenario:
    """The base scenario with ``start`` fields and top-level fields replaced."""
    data = copy.deepcopy(BASE)
    data["start"].update(start or {})
    data.update(top)
    return Scenario.from_dict(data)


def card(card_id: str, *outcomes: str, chip: bool = True, pan: str = "6228480000009999") -> dict:
    """A card for ``start.cards``."""
    return {
        "id": card_id,
        "label": {"zh": card_id, "en": card_id},
        "pan": pan,
        "outcomes": list(outcomes or ("approve",)),
        "chip": chip,
    }


def past(kind: str = "sale", card: str = "a", amount: int = 5000, minutes_ago: int = 3, **extra):
    """A starting transaction for ``start.transactions``."""
    return {"type": kind, "card": card, "amount": amount, "minutes_ago": minutes_ago, **extra}


def keys(text: str) -> list[str]:
    """ "2 123456 enter card:a" -> ["2", "1", ..., "enter", "card:a"]: numbers are typed digit
    by digit, words are keys."""
    result: list[str] = []
    for token in text.split():
        result.extend(token if token.isdigit() else [token])
    return result


def actions(text: str, start: float = 1.0, every: float = 1.0) -> list[Action]:
    """The keys of ``text``, one ``every`` seconds from ``start``."""
    return [Action(key, start + i * every) for i, key in enumerate(keys(text))]


def press(sc: Scenario, text: str, every: float = 1.0) -> list[Step]:
    """Replay ``text`` on a fresh terminal."""
    return replay(sc, actions(text, every=every))


def last(sc: Scenario, text: str) -> Step:
    """The step after the last key of ``text``."""
    return press(sc, text)[-1]


def txn(step: Step, voucher: int):
    """The journal entry with ``voucher``, after ``step``."""
    found = step.state.txn(voucher)
    assert found is not None
    return found


# Key sequences used by several tests.
VOID_318 = "2 123456 enter 318 enter enter card:a"
SALE_85 = "1 8500 enter card:a"
