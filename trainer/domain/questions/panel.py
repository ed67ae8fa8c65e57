"""The scenario panel any question may show: a terminal screen, a receipt or a sales history."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from trainer.domain.questions.base import text_in
from trainer.domain.yamlsource import YamlList, describe

if TYPE_CHECKING:
    from trainer.domain.content.core import Checker
    from trainer.domain.yamlsource import YamlDict

SCENARIO_KINDS = ("terminal", "receipt", "history")


def check_panel(c: Checker, node: YamlDict, key: str, file: str, who: str) -> dict[str, Any] | None:
    """The panel under ``key`` of a question or scenario step (None when there is none)."""
    raw = node.get(key)
    if raw is None:
        return None
    owner = f"{who}: scenario panel"
    item = c.mapping(raw, file, node.key_line(key), owner)
    if item is None:
        return None
    kind = item.get("kind")
    rows_keys = ("columns", "rows") if kind == "history" else ("lines",)
    c.keys(item, file, owner, ("kind", *rows_keys), ("title",))
    kind = c.string(item, "kind", file, owner, choices=SCENARIO_KINDS)
    panel: dict[str, Any] = {"kind": kind, "title": c.text(item, "title", file, owner)}
    if kind == "history":
        columns = c.seq(item, "columns", file, owner) or YamlList()
        panel["columns"] = [
            c.list_text(columns, i, file, f"{owner}: column {i + 1}") for i in range(len(columns))
        ]
        rows_seq = c.seq(item, "rows", file, owner) or YamlList()
        rows: list[list[str]] = []
        for r, row in enumerate(rows_seq):
            line = rows_seq.item_line(r)
            if not isinstance(row, list):
                c.add(file, line, f"{owner}: row {r + 1} must be a list of cells")
                continue
            if len(row) != len(columns):
                c.add(
                    file,
                    line,
                    f"{owner}: row {r + 1} has {len(row)} cells for {len(columns)} columns",
                )
            cells: list[str] = []
            for col, cell in enumerate(row):
                if not isinstance(cell, str):
                    c.add(
                        file,
                        line,
                        f"{owner}: row {r + 1} cell {col + 1} must be quoted text "
                        f"(YAML read {describe(cell)})",
                    )
                cells.append(str(cell))
            rows.append(cells)
        panel["rows"] = rows
    elif kind is not None:
        lines_seq = c.seq(item, "lines", file, owner) or YamlList()
        panel["lines"] = [
            c.list_text(lines_seq, i, file, f"{owner}: line {i + 1}") for i in range(len(lines_seq))
        ]
    return panel


def present_panel(panel: Any, lang: str | None) -> dict[str, Any] | None:
    """The panel with texts in one language (lang None: {zh, en} texts)."""
    if not isinstance(panel, dict):
        return None
    kind = panel.get("kind") or "terminal"
    title = panel.get("title")
    out: dict[str, Any] = {
        "kind": kind,
        "title": None if title is None else text_in(title, lang),
    }
    if kind == "history":
        columns = panel.get("columns") if isinstance(panel.get("columns"), list) else []
        rows = panel.get("rows") if isinstance(panel.get("rows"), list) else []
        out["columns"] = [text_in(c, lang) for c in columns]
        out["rows"] = [
            [text_in(cell, lang) for cell in row] for row in rows if isinstance(row, list)
        ]
    else:
        lines = panel.get("lines") if isinstance(panel.get("lines"), list) else []
        out["lines"] = [text_in(line, lang) for line in lines]
    return out
