"""What the terminal shows: the menus, the input and card screens, history, and ``render``.

A screen is a function of the state (``state.mode``, ``state.ctx``, ``state.input``), so a stored
state always shows the same screen. Its texts are in both languages; ``render`` picks one.
"""

from __future__ import annotations

from trainer.domain.terminal import receipts
from trainer.domain.terminal.messages import RULES, TYPE_NAMES, T, money, tx
from trainer.domain.terminal.model import LocalText, MenuItem, Scenario, Screen, TerminalState, Txn
from trainer.domain.terminal.rules import mask, refunded

#: The main menu: key, screen mode it opens, label, whether sign-on is needed first.
MAIN_MENU = (
    ("1", "sale.amount", "sale", True),
    ("2", "void.password", "void", True),
    ("3", "refund.password", "refund", True),
    ("4", "preauth.menu", "preauth_menu", True),
    ("5", "history", "history", False),
    ("6", "reprint.menu", "reprint", False),
    ("7", "settle.confirm", "settle", True),
    ("8", "sign_on", "sign_on", False),
)
PREAUTH_MENU = (
    ("1", "preauth.amount", "preauth"),
    ("2", "completion.card", "completion"),
    ("3", "preauth_void.password", "preauth_void"),
)
REPRINT_MENU = (("1", "reprint_last"), ("2", "reprint_any"))
#: The soft keys under the screen and what they stand for, where a screen labels them (the
#: history); elsewhere they are unlabeled and beep, as on a real terminal.
HISTORY_SOFTKEYS = (
    ("f1", "up", "soft_previous"),
    ("f2", "down", "soft_next"),
    ("f4", "cancel", "soft_back"),
)

#: Input screens: mode -> (prompt, kind of input, most digits). A date is exactly MMDD.
INPUTS: dict[str, tuple[str, str, int]] = {
    "sale.amount": ("amount", "amount", 10),
    "void.password": ("supervisor", "password", 8),
    "void.voucher": ("orig_voucher", "digits", 6),
    "refund.password": ("supervisor", "password", 8),
    "refund.ref": ("orig_ref", "digits", 12),
    "refund.date": ("orig_date", "date", 4),
    "refund.amount": ("refund_amount", "amount", 10),
    "preauth.amount": ("amount", "amount", 10),
    "completion.auth": ("orig_auth", "digits", 6),
    "completion.date": ("orig_date", "date", 4),
    "completion.amount": ("completion_amount", "amount", 10),
    "preauth_void.password": ("supervisor", "password", 8),
    "preauth_void.auth": ("orig_auth", "digits", 6),
    "preauth_void.date": ("orig_date", "date", 4),
    "reprint.voucher": ("orig_voucher", "digits", 6),
}
#: Screens waiting for a card: mode -> prompt.
CARD_WAITS = {
    "sale.card": "present_card",
    "void.card": "present_original_card",
    "refund.card": "present_original_card",
    "preauth.card": "present_card",
    "completion.card": "present_original_card",
    "preauth_void.card": "present_original_card",
}


def title(mode: str) -> LocalText:
    """The title of a flow's screens: the flow is the mode's first part ("void.voucher")."""
    flow = mode.split(".")[0]
    return T.get("sale" if flow == "offline" else flow, T["main"])


def history(state: TerminalState) -> list[Txn]:
    """What 交易查询 lists: the current batch, newest first. Declined requests are not kept,
    except a stored offline payment declined on upload: the goods are gone, and the cashier
    must find it to follow up with the customer."""
    return [
        t
        for t in reversed(state.txns)
        if t.batch == state.batch and not t.settled and (t.status != "declined" or t.offline)
    ]


# -- screens -----------------------------------------------------------------------------------


def screen_of(scenario: Scenario, state: TerminalState) -> Screen:
    """What the terminal shows in ``state`` (texts in both languages)."""
    ctx = state.ctx
    screen = _screen(scenario, state)
    lines = list(screen.lines)
    beep = "notice" in ctx
    if ctx.get("notice"):
        lines.append(RULES[ctx["notice"]].screen)
    if ctx.get("note"):
        lines.append(ctx["note"])
    return Screen(
        kind=screen.kind,
        title=screen.title,
        lines=lines,
        input=screen.input,
        menu=screen.menu,
        softkeys=screen.softkeys,
        beep=beep or screen.beep,
        rule=screen.rule or (ctx.get("notice") or None),
    )


def _screen(scenario: Scenario, state: TerminalState) -> Screen:
    mode, ctx = state.mode, state.ctx
    if not state.powered:
        return Screen("off", T["off"], [T["power_hint"]])
    if mode in ("result", "error"):
        return Screen(
            mode,
            ctx.get("title", T["main"]),
            list(ctx.get("lines", [])),
            beep=mode == "error",
            rule=ctx.get("rule"),
        )
    if mode == "preauth.menu":
        menu = [MenuItem(key, T[label]) for key, _mode, label in PREAUTH_MENU]
        return Screen("menu", T["preauth_menu"], menu=menu)
    if mode == "reprint.menu":
        return Screen("menu", T["reprint"], menu=[MenuItem(k, T[v]) for k, v in REPRINT_MENU])
    if mode == "history":
        return _history_screen(scenario, state)
    if mode in INPUTS:
        prompt, kind, _most = INPUTS[mode]
        lines = [T[prompt]]
        if kind == "amount":
            shown = money(int(state.input or "0"))
        elif kind == "password":
            shown = "*" * len(state.input)
        else:
            shown = state.input
        if mode == "refund.amount":
            lines.insert(0, tx(f"参考号 {ctx.get('ref', '')}", f"Ref. no. {ctx.get('ref', '')}"))
        if mode == "completion.amount":
            auth = str(ctx.get("auth", "")).zfill(6)
            lines.insert(0, tx(f"授权码 {auth}", f"Auth. code {auth}"))
        return Screen("input", title(mode), lines, input=shown)
    if mode in CARD_WAITS:
        lines = [T[CARD_WAITS[mode]]]
        if "amount" in ctx:
            lines.insert(0, tx(money(int(ctx["amount"])), money(int(ctx["amount"]))))
        return Screen("prompt", title(mode), lines)
    if mode == "void.confirm":
        original = state.txn(ctx.get("original"))
        lines = _txn_lines(scenario, original) if original else []
        return Screen("prompt", T["void"], [*lines, T["confirm"]])
    if mode == "offline.confirm":
        amount = money(int(ctx.get("amount", 0)))
        return Screen("prompt", T["sale"], [T["offline_prompt"], tx(amount, amount), T["confirm"]])
    if mode == "settle.confirm":
        batch = [t for t in state.txns if t.batch == state.batch and not t.settled]
        return Screen(
            "prompt", T["settle"], [*receipts.totals_lines(receipts.totals(batch)), T["confirm"]]
        )
    # The main menu, the idle screen (and where any unexpected mode lands).
    menu = [MenuItem(key, T[label]) for key, _mode, label, _sign in MAIN_MENU]
    lines = [] if state.signed_on else [T["not_signed"]]
    if any(t.status == "unknown" for t in state.txns):
        lines.append(T["reversal_pending"])
    return Screen("menu", T["main"], lines, menu=menu)


def _txn_lines(scenario: Scenario, txn: Txn) -> list[LocalText]:
    card = scenario.start.card(txn.card)
    pan = mask(card.pan) if card else ""
    name = TYPE_NAMES.get(txn.type, T["sale"])
    status = T.get(f"status_{txn.status}", T["status_approved"])
    if txn.status == "declined" and txn.offline:
        upload = T["status_upload_declined"]
        status = tx(f"{upload['zh']} {txn.code}", f"{upload['en']} {txn.code}")
    return [
        tx(f"{name['zh']} {txn.voucher}", f"{name['en']} {txn.voucher}"),
        tx(money(txn.amount), money(txn.amount)),
        tx(pan, pan),
        tx(f"{txn.time[5:19]} {status['zh']}", f"{txn.time[5:19]} {status['en']}"),
    ]


def _history_screen(scenario: Scenario, state: TerminalState) -> Screen:
    shown = history(state)
    softkeys = [MenuItem(key, T[label]) for key, _means, label in HISTORY_SOFTKEYS]
    if not shown:
        return Screen(
            "result", T["history"], [T["no_records"], T["history_hint"]], softkeys=softkeys
        )
    index = min(int(state.ctx.get("index", 0)), len(shown) - 1)
    lines = _txn_lines(scenario, shown[index])
    back = refunded(state, shown[index])
    if back:
        lines.append(tx(f"已退货 {money(back)}", f"Refunded {money(back)}"))
    lines.append(tx(f"{index + 1}/{len(shown)}", f"{index + 1}/{len(shown)}"))
    lines.append(T["history_hint"])
    return Screen("result", T["history"], lines, softkeys=softkeys)


def render(screen: Screen, lang: str) -> dict[str, object]:
    """The screen as the browser draws it, its texts in ``lang`` (zh or en)."""
    lang = lang if lang in ("zh", "en") else "zh"
    return {
        "kind": screen.kind,
        "title": screen.title.get(lang, ""),
        "lines": [line.get(lang, "") for line in screen.lines],
        "input": screen.input,
        "menu": [{"key": item.key, "label": item.label.get(lang, "")} for item in screen.menu],
        "softkeys": [
            {"key": item.key, "label": item.label.get(lang, "")} for item in screen.softkeys
        ],
        "beep": screen.beep,
        "rule": screen.rule,
    }
