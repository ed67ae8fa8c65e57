"""The keypad the page draws and the names of keys in the reader's language.

The key names are the engine's (trainer.domain.terminal.KEYS); the labels are what a real
countertop terminal prints on its keys, in Chinese, with the English for the English page:
terminal texts, kept as {zh, en} like the engine's own message table rather than in the .po.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from trainer.domain.questions.terminal import text


@dataclass(frozen=True)
class Key:
    """One button of the keypad: the key it sends, its label, its colour class, its keyboard key."""

    key: str
    label: str | dict[str, str]  # digits as they are; other keys {zh, en}, as the terminal prints
    kind: str = "digit"  # digit | cancel | back | enter | function | soft
    shortcut: str = ""


# Rows as on a countertop terminal: soft keys under the screen, the function keys, then the
# digits with 取消 / 退格 / 确认 on the right (red, yellow, green, as on real terminals).
ROWS: tuple[tuple[Key, ...], ...] = (
    (
        Key("f1", "F1", "soft", "F1"),
        Key("f2", "F2", "soft", "F2"),
        Key("f3", "F3", "soft", "F3"),
        Key("f4", "F4", "soft", "F4"),
    ),
    (
        Key("menu", {"zh": "功能", "en": "Menu"}, "function", "m"),
        Key("up", {"zh": "▲ 上翻", "en": "▲ Up"}, "function", "ArrowUp"),
        Key("down", {"zh": "▼ 下翻", "en": "▼ Down"}, "function", "ArrowDown"),
        Key("paper", {"zh": "装纸", "en": "Paper"}, "function", ""),
    ),
    (
        Key("1", "1", shortcut="1"),
        Key("2", "2", shortcut="2"),
        Key("3", "3", shortcut="3"),
        Key("cancel", {"zh": "取消", "en": "Cancel"}, "cancel", "Escape"),
    ),
    (
        Key("4", "4", shortcut="4"),
        Key("5", "5", shortcut="5"),
        Key("6", "6", shortcut="6"),
        Key("back", {"zh": "退格", "en": "Back"}, "back", "Backspace"),
    ),
    (
        Key("7", "7", shortcut="7"),
        Key("8", "8", shortcut="8"),
        Key("9", "9", shortcut="9"),
        Key("enter", {"zh": "确认", "en": "Enter"}, "enter", "Enter"),
    ),
    (
        Key("wait", {"zh": "等待", "en": "Wait"}, "function", ""),
        Key("0", "0", shortcut="0"),
        Key("00", "00"),
    ),
)


def keypad() -> tuple[tuple[Key, ...], ...]:
    """The keypad's rows."""
    return ROWS


_NAMES = {key.key: key.label for row in ROWS for key in row}


def key_label(key: str, scenario: dict, lang: str) -> str:
    """A logged key as a person reads it: 确认, 8, "presented: the customer's debit card"."""
    if key.startswith("card:"):
        card_id = key.removeprefix("card:")
        for card in (scenario.get("start") or {}).get("cards") or []:
            if card.get("id") == card_id:
                return _("Card presented: %(card)s", card=text(card.get("label"), lang))
        return _("Card presented: %(card)s", card=card_id)
    name = _NAMES.get(key)
    return text(name, lang) if name is not None else _("Unknown key %(key)s", key=key)
