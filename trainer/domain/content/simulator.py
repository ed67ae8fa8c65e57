"""Simulator scenarios (``quizzes/simulator/*.yaml``), the format of docs/simulator.md.

Each file is checked through the Checker's typed getters (every problem with file and line),
turned into the plain dict ``Scenario.from_dict`` reads (the same JSON a run stores), and kept
on ``c.simulator``. Its manual link and sources are checked with every other kind's (courses.py
and sources.py resolve them); ``resolve`` then starts each scenario on the engine and warns when
the goal is already met before the first key press.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

from trainer.domain import topics
from trainer.domain.content.core import MANUAL_RE, Checker
from trainer.domain.terminal import FACTS, Scenario, start
from trainer.domain.terminal.grading import met
from trainer.domain.terminal.model import DECLINE_CODES, TXN_STATUSES, TXN_TYPES
from trainer.domain.yamlsource import YamlDict, describe

FOLDER = ("quizzes", "simulator")

_REQUIRED = ("id", "title", "summary", "goal", "manual", "start", "expect")
_OPTIONAL = ("tags", "sources", "time_limit_seconds", "max_actions", "dialogue", "forbid")
_START_REQUIRED = ("clock", "cards")
_START_FLAGS = (
    "online",
    "powered",
    "signed_on",
    "paper",
    "void_needs_card",
    "refund_checks_card",
    "refund_enabled",
    "settle_agrees",
    "sign_off_after_settlement",
)
_START_OPTIONAL = (
    *_START_FLAGS,
    "offline",
    "network",
    "cutoff",
    "supervisor_password",
    "batch",
    "first_voucher",
    "refund_days",
    "preauth_days",
    "completion_percent",
    "merchant",
    "transactions",
)
_TXN_REQUIRED = ("type", "card", "amount")
# Exactly one of minutes_ago / seconds_ago says when it happened (see _read_age).
_TXN_OPTIONAL = (
    "minutes_ago",
    "seconds_ago",
    "id",
    "status",
    "voucher",
    "ref",
    "auth",
    "original",
    "slip",
)
_EXPECT_TXN = ("type", "amount", "card", "status", "txn", "original", "count")
_EXPECT_STATE = ("settled", "signed_on", "reprinted", "pending_reversal")

_OUTCOME_RE = re.compile(r"^(approve|timeout|referral|decline:\d\d)$")
_OUTCOME_HINT = f"approve, timeout, referral or decline:NN (e.g. {', '.join(DECLINE_CODES)})"


def load(c: Checker) -> None:
    """Read and check every scenario; keep them on ``c.simulator``."""
    folder = c.root.joinpath(*FOLDER)
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        load_scenario(c, path)


def resolve(c: Checker) -> None:
    """Warn about a scenario whose expectations all hold before any key is pressed."""
    for scenario_id, scenario in c.simulator.items():
        state = start(scenario)
        if scenario.expect and all(met(state, e) for e in scenario.expect):
            c.warn(
                c.simulator_files[scenario_id],
                1,
                f'scenario "{scenario_id}": every expectation is met before the first key press',
            )


def load_scenario(c: Checker, path: Path) -> None:
    """Check one scenario file; keep it (as a ``Scenario``) only when it has no problem."""
    file = c.rel(path)
    count = len(c.problems)
    data, parsed = c.read_yaml(path)
    node = c.mapping(data, file, 1, "a simulator scenario") if parsed else None
    if node is None:
        c.unreadable.add(f"simulator:{path.stem}")
        return
    scenario_id = node.get("id") if isinstance(node.get("id"), str) else path.stem
    who = f'scenario "{scenario_id}"'
    c.keys(node, file, who, _REQUIRED, _OPTIONAL)
    if c.string(node, "id", file, who, slug=True) is not None and scenario_id != path.stem:
        c.add(file, node.key_line("id"), f'{who}: id does not match its file name "{path.name}"')
    manual = c.string(node, "manual", file, who)
    if manual is not None:
        if MANUAL_RE.match(manual):
            c.manual_refs.append((file, node.key_line("manual"), who, manual))
        else:
            c.add(
                file,
                node.key_line("manual"),
                f'{who}: manual link "{manual}" must look like course/lesson#anchor',
            )
    c.id_refs(node, "sources", file, who)
    dialogue_seq = c.seq(node, "dialogue", file, who) or []
    raw_start = node.get("start")
    start_node = (
        c.mapping(raw_start, file, node.key_line("start"), f"{who}: start")
        if raw_start is not None
        else None
    )
    start_data, past_ids, card_ids = (
        read_start(c, start_node, file, who) if start_node is not None else ({}, set(), set())
    )
    scenario = {
        "id": scenario_id,
        "title": c.text(node, "title", file, who),
        "summary": c.text(node, "summary", file, who),
        "goal": c.text(node, "goal", file, who),
        "manual": manual or "",
        "tags": c.str_list(node, "tags", file, who, known=topics.is_known, known_hint=topics.KNOWN),
        "sources": c.str_list(node, "sources", file, who, ids=True),
        "time_limit_seconds": c.integer(
            node, "time_limit_seconds", file, who, minimum=30, maximum=3600
        )
        or 300,
        "max_actions": c.integer(node, "max_actions", file, who, minimum=1, maximum=1000) or 60,
        "dialogue": [
            c.list_text(dialogue_seq, i, file, f"{who}: dialogue line {i + 1}")
            for i in range(len(dialogue_seq))
        ],
        "start": start_data,
        "expect": read_expect(c, node, file, who, past_ids, card_ids),
        "forbid": read_forbid(c, node, file, who),
    }
    if len(c.problems) > count:
        return  # the problems are reported; a broken scenario is not kept
    c.simulator[scenario_id] = Scenario.from_dict(scenario)
    c.simulator_files[scenario_id] = file


def read_start(
    c: Checker, node: YamlDict, file: str, who: str
) -> tuple[dict[str, Any], set[str], set[str]]:
    """The ``start`` mapping as ``Start`` fields, the ids of its past transactions and cards."""
    who = f"{who}: start"
    c.keys(node, file, who, _START_REQUIRED, _START_OPTIONAL)
    data: dict[str, Any] = {}
    clock = c.string(node, "clock", file, who)
    if clock is not None:
        if _parse(clock, "%Y-%m-%d %H:%M") is None:
            c.add(
                file,
                node.key_line("clock"),
                f'{who}: clock "{clock}" must look like 2026-12-07 14:20',
            )
        data["clock"] = clock
    for flag in _START_FLAGS:
        value = c.boolean(node, flag, file, who)
        if value is not None:
            data[flag] = value
    cutoff = c.string(node, "cutoff", file, who)
    if cutoff is not None:
        if _parse(cutoff, "%H:%M") is None:
            c.add(file, node.key_line("cutoff"), f'{who}: cutoff "{cutoff}" must look like 23:00')
        data["cutoff"] = cutoff
    password = node.get("supervisor_password")
    if password is not None:
        if isinstance(password, str) and password.isdigit() and 4 <= len(password) <= 8:
            data["supervisor_password"] = password
        else:
            c.add(
                file,
                node.key_line("supervisor_password"),
                f"{who}: supervisor_password must be 4 to 8 digits in quotes "
                f"(found {describe(password)})",
            )
    for key, low, high in (
        ("refund_days", 1, 3650),
        ("preauth_days", 1, 365),
        ("completion_percent", 100, 200),
    ):
        value = c.integer(node, key, file, who, minimum=low, maximum=high)
        if value is not None:
            data[key] = value
    merchant = c.text(node, "merchant", file, who)
    if merchant is not None:
        data["merchant"] = merchant
    first = _digits(c, node, "first_voucher", file, who, 6)
    if first is not None:
        data["first_trace"] = max(int(first), 1)
    _read_offline(c, node, file, who, data)
    _read_network(c, node, file, who, data)
    _read_batch(c, node, file, who, data)
    cards = _read_cards(c, node, file, who)
    data["cards"] = cards
    card_ids = {card["id"] for card in cards}
    data["transactions"], past_ids = _read_transactions(c, node, file, who, card_ids)
    return data, past_ids, card_ids


def _parse(text: str, fmt: str) -> datetime | None:
    try:
        return datetime.strptime(text, fmt)
    except ValueError:
        return None


def _digits(c: Checker, node: YamlDict, key: str, file: str, who: str, size: int) -> str | None:
    """A quoted string of exactly ``size`` digits (a voucher no., a batch no. …)."""
    value = node.get(key)
    if value is None:
        return None
    if isinstance(value, str) and value.isdigit() and len(value) == size:
        return value
    c.add(
        file,
        node.key_line(key),
        f'{who}: "{key}" must be {size} digits in quotes (found {describe(value)})',
    )
    return None


def _read_offline(c: Checker, node: YamlDict, file: str, who: str, data: dict[str, Any]) -> None:
    raw = node.get("offline")
    if raw is None:
        return
    offline = c.mapping(raw, file, node.key_line("offline"), f"{who}: offline")
    if offline is None:
        return
    owho = f"{who}: offline"
    c.keys(offline, file, owho, ("enabled",), ("per_payment", "total"))
    enabled = c.boolean(offline, "enabled", file, owho)
    per_payment = c.integer(offline, "per_payment", file, owho, minimum=1)
    total = c.integer(offline, "total", file, owho, minimum=1)
    if enabled and (per_payment is None or total is None):
        c.add(
            file,
            offline.line,
            f"{owho}: an enabled offline mode needs per_payment and total limits (in fen)",
        )
    data["offline_enabled"] = bool(enabled)
    data["offline_per_payment"] = per_payment or 0
    data["offline_total"] = total or 0


def _read_network(c: Checker, node: YamlDict, file: str, who: str, data: dict[str, Any]) -> None:
    changes = []
    for item, label, _line in c.items(node, "network", file, who, "network change"):
        nwho = f"{who}: {label}"
        c.keys(item, file, nwho, ("after_seconds", "online"))
        seconds = c.integer(item, "after_seconds", file, nwho, minimum=0)
        online = c.boolean(item, "online", file, nwho)
        if seconds is not None and online is not None:
            changes.append((seconds, online))
    data["network"] = changes


def _read_batch(c: Checker, node: YamlDict, file: str, who: str, data: dict[str, Any]) -> None:
    raw = node.get("batch")
    if raw is None:
        return
    batch = c.mapping(raw, file, node.key_line("batch"), f"{who}: batch")
    if batch is None:
        return
    bwho = f"{who}: batch"
    c.keys(batch, file, bwho, ("number",), ("open",))
    number = _digits(c, batch, "number", file, bwho, 6)
    if number is not None:
        data["batch"] = number
    is_open = c.boolean(batch, "open", file, bwho)
    if is_open is not None:
        data["batch_open"] = is_open


def _read_cards(c: Checker, node: YamlDict, file: str, who: str) -> list[dict[str, Any]]:
    cards = []
    items = c.items(node, "cards", file, who, "card")
    if "cards" in node and not items:
        c.add(file, node.key_line("cards"), f"{who}: list at least one card")
    for item, label, _line in items:
        cwho = f"{who}: {label}"
        c.keys(item, file, cwho, ("id", "label", "pan"), ("outcome", "chip"))
        card_id = c.string(item, "id", file, cwho, slug=True)
        pan = item.get("pan")
        if pan is not None and not (
            isinstance(pan, str) and pan.isdigit() and 13 <= len(pan) <= 19
        ):
            c.add(
                file,
                item.key_line("pan"),
                f"{cwho}: pan must be 13 to 19 digits in quotes (found {describe(pan)})",
            )
        outcome = item.get("outcome", "approve")
        outcomes = list(outcome) if isinstance(outcome, list) else [outcome]
        for value in outcomes:
            if not isinstance(value, str) or not _OUTCOME_RE.match(value):
                c.add(
                    file,
                    item.key_line("outcome"),
                    f"{cwho}: outcome {describe(value)} must be {_OUTCOME_HINT}",
                )
        if not outcomes:
            c.add(file, item.key_line("outcome"), f"{cwho}: outcome lists nothing")
        chip = c.boolean(item, "chip", file, cwho)
        cards.append(
            {
                "id": card_id or "",
                "label": c.text(item, "label", file, cwho),
                "pan": pan if isinstance(pan, str) else "",
                "outcomes": [str(value) for value in outcomes],
                "chip": True if chip is None else chip,
            }
        )
    return cards


def _read_transactions(
    c: Checker, node: YamlDict, file: str, who: str, card_ids: set[str]
) -> tuple[list[dict[str, Any]], set[str]]:
    past: list[dict[str, Any]] = []
    ids: set[str] = set()
    vouchers: set[str] = set()
    previous_age: int | None = None
    for item, label, _line in c.items(node, "transactions", file, who, "transaction"):
        twho = f"{who}: {label}"
        c.keys(item, file, twho, _TXN_REQUIRED, _TXN_OPTIONAL)
        kind = c.string(item, "type", file, twho, choices=TXN_TYPES)
        card = c.string(item, "card", file, twho)
        if card is not None and card not in card_ids:
            c.add(file, item.key_line("card"), f'{twho}: unknown card "{card}"')
        amount = c.integer(item, "amount", file, twho, minimum=1)
        age, age_key = _read_age(c, item, file, twho)
        if age is not None and previous_age is not None and age > previous_age:
            c.add(
                file,
                item.key_line(age_key),
                f"{twho}: transactions are listed oldest first (newest last)",
            )
        previous_age = age if age is not None else previous_age
        status = c.string(item, "status", file, twho, choices=TXN_STATUSES)
        original = c.string(item, "original", file, twho)
        if original is not None and original not in ids:
            c.add(
                file,
                item.key_line("original"),
                f'{twho}: original "{original}" must be the id of an earlier transaction',
            )
        voucher = _digits(c, item, "voucher", file, twho, 6)
        if voucher is not None:
            if voucher in vouchers:
                c.add(file, item.key_line("voucher"), f'{twho}: voucher "{voucher}" is used twice')
            vouchers.add(voucher)
        entry: dict[str, Any] = {
            "type": kind or "sale",
            "card": card or "",
            "amount": amount or 1,
            "minutes_ago": (age or 0) // 60 if age_key == "minutes_ago" else 0,
            "seconds_ago": age if age_key == "seconds_ago" else None,
            "id": item.get("id") if isinstance(item.get("id"), str) else None,
            "status": status or "approved",
            "trace": voucher,
            "ref": _digits(c, item, "ref", file, twho, 12),
            "auth": _digits(c, item, "auth", file, twho, 6),
            "original": original,
            "slip": bool(c.boolean(item, "slip", file, twho)),
        }
        if entry["id"]:
            ids.add(entry["id"])
        past.append(entry)
    return past, ids


def _read_age(c: Checker, item: YamlDict, file: str, who: str) -> tuple[int | None, str]:
    """When a starting transaction happened, in seconds before the start clock, and the key
    that said it: ``minutes_ago`` (whole minutes) or ``seconds_ago`` (when two transactions in
    the same minute must show different times), never both."""
    given = [key for key in ("minutes_ago", "seconds_ago") if key in item]
    if len(given) != 1:
        c.add(
            file,
            item.key_line(given[1]) if given else item.line,
            f"{who}: say when it happened with minutes_ago or seconds_ago"
            + (" (not both)" if given else ""),
        )
        return None, "minutes_ago"
    key = given[0]
    if key == "minutes_ago" and isinstance(item[key], float):
        c.add(
            file,
            item.key_line(key),
            f"{who}: minutes_ago is whole minutes (found {describe(item[key])}); "
            "give seconds_ago instead when the seconds matter",
        )
        return None, key
    value = c.integer(item, key, file, who, minimum=0)
    if value is None:
        return None, key
    return (value * 60 if key == "minutes_ago" else value), key


def read_expect(
    c: Checker, node: YamlDict, file: str, who: str, past_ids: set[str], card_ids: set[str]
) -> list[dict[str, Any]]:
    """The required end state: transaction matches and state checks."""
    result = []
    items = c.items(node, "expect", file, who, "expectation")
    if "expect" in node and not items and isinstance(node.get("expect"), list):
        c.add(file, node.key_line("expect"), f"{who}: list at least one expectation")
    for item, label, _line in items:
        ewho = f"{who}: {label}"
        c.keys(item, file, ewho, (), (*_EXPECT_TXN, *_EXPECT_STATE, "message"))
        txn_keys = [key for key in _EXPECT_TXN if key in item]
        # reprinted also narrows a transaction match: {txn: lost, reprinted: true}
        state_keys = [
            key for key in _EXPECT_STATE if key in item and not (key == "reprinted" and txn_keys)
        ]
        if not state_keys and not txn_keys:
            c.add(file, item.line, f"{ewho}: say what to expect ({', '.join(_EXPECT_TXN)} …)")
        elif len(state_keys) > 1 or (state_keys and txn_keys):
            c.add(
                file,
                item.line,
                f"{ewho}: one expectation checks one of {', '.join(_EXPECT_STATE)}, "
                "or a transaction",
            )
        entry: dict[str, Any] = {
            "type": c.string(item, "type", file, ewho, choices=TXN_TYPES),
            "amount": c.integer(item, "amount", file, ewho, minimum=1),
            "card": c.string(item, "card", file, ewho),
            "status": c.string(item, "status", file, ewho, choices=TXN_STATUSES),
            "txn": c.string(item, "txn", file, ewho),
            "original": c.string(item, "original", file, ewho),
            "count": c.integer(item, "count", file, ewho, minimum=0),
            "message": c.text(item, "message", file, ewho),
        }
        for key in _EXPECT_STATE:
            entry[key] = c.boolean(item, key, file, ewho)
        if entry["card"] is not None and entry["card"] not in card_ids:
            c.add(file, item.key_line("card"), f'{ewho}: unknown card "{entry["card"]}"')
        for key in ("txn", "original"):
            if entry[key] is not None and entry[key] not in past_ids:
                c.add(
                    file,
                    item.key_line(key),
                    f'{ewho}: {key} "{entry[key]}" is not the id of a starting transaction',
                )
        result.append(entry)
    return result


def read_forbid(c: Checker, node: YamlDict, file: str, who: str) -> list[dict[str, Any]]:
    """The critical errors: facts the engine reports, each with why it is harmful."""
    result = []
    known = ", ".join(sorted(FACTS))
    for item, label, _line in c.items(node, "forbid", file, who, "forbidden fact"):
        fwho = f"{who}: {label}"
        c.keys(item, file, fwho, ("fact", "why"))
        fact = c.string(item, "fact", file, fwho)
        if fact is not None and fact not in FACTS:
            c.add(file, item.key_line("fact"), f'{fwho}: unknown fact "{fact}" (known: {known})')
        result.append({"fact": fact or "", "why": c.text(item, "why", file, fwho)})
    return result
