"""Names of matrix states and assignment sources in the reader's language (pages and exports)."""

from __future__ import annotations

from flask import g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from trainer.domain.tracking import Cell, State
from trainer.i18n import current_language, date_filter, datetime_filter, percent

STATE_LABELS = {
    State.NOT_STARTED: _l("Not started"),
    State.READING: _l("Reading"),
    State.IN_PROGRESS: _l("In progress"),
    State.PASSED: _l("Passed"),
    State.FAILED: _l("Failed"),
    State.OVERDUE: _l("Overdue"),
    State.EXPIRING: _l("Expiring"),
    State.EXPIRED: _l("Expired"),
    State.REVOKED: _l("Revoked"),
}

#: Badge colour per state (the classes of app.css).
STATE_BADGES = {
    State.NOT_STARTED: "info",
    State.READING: "info",
    State.IN_PROGRESS: "info",
    State.PASSED: "ok",
    State.FAILED: "bad",
    State.OVERDUE: "bad",
    State.EXPIRING: "warn",
    State.EXPIRED: "bad",
    State.REVOKED: "bad",
}

SOURCE_LABELS = {
    "manual": _l("Assigned by hand"),
    "onboarding": _l("Onboarding"),
    "recertification": _l("Recertification"),
}

SORT_LABELS = {
    "name": _l("Name"),
    "store": _l("Store"),
    "overdue": _l("Most overdue first"),
}


def state_label(state: State | str) -> str:
    """A state's name in the current language."""
    return str(STATE_LABELS[State(state)])


def cell_detail(cell: Cell) -> str:
    """What a cell says beside its state: score, attempts used and left, when a retake opens,
    expiry, the day a certificate lapsed, or the due date."""
    parts = []
    if cell.state in (State.PASSED, State.EXPIRING) and cell.score is not None:
        parts.append(percent(cell.score))
    if cell.state in (State.FAILED, State.OVERDUE) and cell.score is not None:
        parts.append(_("best %(score)s", score=percent(cell.score)))
    if cell.state in (State.FAILED, State.OVERDUE) and cell.critical:
        parts.append(_("critical error"))
    if cell.state in (State.FAILED, State.OVERDUE) and cell.attempts:
        if cell.max_attempts:
            parts.append(
                _("%(used)d of %(max)d attempts", used=cell.attempts, max=cell.max_attempts)
            )
        else:
            parts.append(_("%(used)d attempts", used=cell.attempts))
    if cell.state is State.FAILED and cell.attempts_left == 0:
        parts.append(_("no attempts left"))
    elif cell.state is State.FAILED and cell.attempts_left:
        parts.append(_("%(n)d attempts left", n=cell.attempts_left))
    if cell.state is State.FAILED and cell.wait_until and cell.attempts_left != 0:
        parts.append(_("retake from %(time)s", time=datetime_filter(cell.wait_until, "short")))
    if cell.state is State.PASSED and cell.expires:
        parts.append(_("valid until %(day)s", day=date_filter(cell.expires)))
    if cell.state is State.EXPIRING and cell.expires:
        parts.append(_("expires %(day)s", day=date_filter(cell.expires)))
    if cell.state is State.EXPIRED and cell.lapsed_on:
        parts.append(_("expired %(day)s", day=date_filter(cell.lapsed_on)))
    if cell.state is State.REVOKED and cell.lapsed_on:
        parts.append(_("revoked %(day)s", day=date_filter(cell.lapsed_on)))
    if not cell.done and cell.due:
        parts.append(_("due %(day)s", day=date_filter(cell.due)))
    return " · ".join(parts)


def cell_badge(cell: Cell) -> Markup:
    """A cell as every page shows it: its state's badge and, beside it, the detail.

    Made once per distinct cell and language in a request (kept in ``g``): the team page shows
    1,000 cells at compliance scope, most of them repeats (not started and due the same day,
    the same drill score), and each detail translates and formats dates in the reader's
    language (45 ms of the page's 130 ms went to rendering before).
    """
    made = g.setdefault("cell_badges", {})
    key = (current_language(), cell)
    if key not in made:
        detail = cell_detail(cell)
        made[key] = Markup('<span class="cell"><span class="badge {}">{}</span>{}</span>').format(
            STATE_BADGES[cell.state],
            state_label(cell.state),
            Markup(' <span class="cell-detail">{}</span>').format(detail) if detail else "",
        )
    return made[key]
