"""Staff roster CSV: parse and check every row before anything is imported."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from trainer.domain.messages import N_, Message

COLUMNS = ("employee_no", "name", "store", "role", "language")
OPTIONAL_COLUMNS = ("username",)
ROLES = ("cashier", "supervisor", "compliance", "admin")
LANGUAGES = ("zh", "en")
_EMPLOYEE_NO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{1,79}$")
MAX_ROWS = 5000


@dataclass(frozen=True)
class RosterRow:
    """One valid roster line."""

    line: int
    employee_no: str
    username: str
    name: str
    stores: tuple[str, ...]
    role: str
    language: str


@dataclass(frozen=True)
class RosterProblem:
    """What is wrong on which line (line 1 is the header)."""

    line: int
    column: str | None
    message: Message

    def __str__(self) -> str:
        where = f"row {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"

    def translated(self, gettext) -> str:
        """The problem in the reader's language."""
        text = self.message.translated(gettext)
        if self.column:
            return gettext(
                "row %(line)d, column %(column)s: %(text)s",
                line=self.line,
                column=self.column,
                text=text,
            )
        return gettext("row %(line)d: %(text)s", line=self.line, text=text)


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GB18030/GBK
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError("not UTF-8 or GB18030 text")


def parse_roster(
    data: bytes, *, known_stores: set[str]
) -> tuple[list[RosterRow], list[RosterProblem]]:
    """Parse a roster CSV; return the good rows and every problem found (with row numbers).

    ``store`` may list several store codes separated by ``;`` (supervisors of several stores).
    """
    problems: list[RosterProblem] = []
    try:
        text = _decode(data)
    except ValueError:
        return [], [RosterProblem(1, None, Message(N_("the file is not UTF-8 or GB18030 text")))]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        return [], [RosterProblem(1, None, Message(N_("the file is empty")))]
    except csv.Error as exc:
        return [], [
            RosterProblem(
                1, None, Message(N_("not a valid CSV file (%(error)s)"), {"error": str(exc)})
            )
        ]
    missing = [c for c in COLUMNS if c not in header]
    unknown = [h for h in header if h not in COLUMNS + OPTIONAL_COLUMNS]
    if missing:
        problems.append(
            RosterProblem(
                1, None, Message(N_("missing column(s): %(names)s"), {"names": ", ".join(missing)})
            )
        )
    if unknown:
        problems.append(
            RosterProblem(
                1, None, Message(N_("unknown column(s): %(names)s"), {"names": ", ".join(unknown)})
            )
        )
    if problems:
        return [], problems

    rows: list[RosterRow] = []
    seen_numbers: dict[str, int] = {}
    seen_usernames: dict[str, int] = {}
    line = 1
    try:
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(rows) + len(problems) >= MAX_ROWS:
                problems.append(
                    RosterProblem(
                        line, None, Message(N_("more than %(max)d rows"), {"max": MAX_ROWS})
                    )
                )
                break
            if len(record) != len(header):
                problems.append(
                    RosterProblem(
                        line,
                        None,
                        Message(
                            N_("expected %(expected)d fields, found %(found)d"),
                            {"expected": len(header), "found": len(record)},
                        ),
                    )
                )
                continue
            row = {h: cell.strip() for h, cell in zip(header, record, strict=True)}
            row_problems = _check_row(line, row, known_stores, seen_numbers, seen_usernames)
            if row_problems:
                problems.extend(row_problems)
                continue
            username = row.get("username") or row["employee_no"]
            rows.append(
                RosterRow(
                    line=line,
                    employee_no=row["employee_no"],
                    username=username,
                    name=row["name"],
                    stores=tuple(s.strip() for s in row["store"].split(";") if s.strip()),
                    role=row["role"].lower(),
                    language=row["language"].lower(),
                )
            )
    except csv.Error as exc:
        problems.append(
            RosterProblem(
                line + 1, None, Message(N_("not a valid CSV file (%(error)s)"), {"error": str(exc)})
            )
        )
    if not rows and not problems:
        problems.append(RosterProblem(2, None, Message(N_("no staff rows below the header"))))
    return rows, problems


def _check_row(
    line: int,
    row: dict[str, str],
    known_stores: set[str],
    seen_numbers: dict[str, int],
    seen_usernames: dict[str, int],
) -> list[RosterProblem]:
    out: list[RosterProblem] = []
    number = row["employee_no"]
    if not number:
        out.append(RosterProblem(line, "employee_no", Message(N_("is empty"))))
    elif not _EMPLOYEE_NO.match(number):
        out.append(
            RosterProblem(
                line,
                "employee_no",
                Message(N_("%(value)s is not a valid employee number"), {"value": repr(number)}),
            )
        )
    elif number.lower() in seen_numbers:
        first = seen_numbers[number.lower()]
        out.append(
            RosterProblem(
                line,
                "employee_no",
                Message(
                    N_("%(value)s already on row %(row)d"), {"value": repr(number), "row": first}
                ),
            )
        )
    else:
        seen_numbers[number.lower()] = line
    username = row.get("username") or number
    if username and number:
        if not _USERNAME.match(username):
            out.append(
                RosterProblem(
                    line,
                    "username",
                    Message(N_("%(value)s is not a valid username"), {"value": repr(username)}),
                )
            )
        elif username.lower() in seen_usernames and username != number:
            first = seen_usernames[username.lower()]
            out.append(
                RosterProblem(
                    line,
                    "username",
                    Message(
                        N_("%(value)s already on row %(row)d"),
                        {"value": repr(username), "row": first},
                    ),
                )
            )
        seen_usernames.setdefault(username.lower(), line)
    if not row["name"]:
        out.append(RosterProblem(line, "name", Message(N_("is empty"))))
    elif len(row["name"]) > 200:
        out.append(RosterProblem(line, "name", Message(N_("is longer than 200 characters"))))
    role = row["role"].lower()
    if role not in ROLES:
        out.append(
            RosterProblem(
                line,
                "role",
                Message(
                    N_("%(value)s is not one of %(choices)s"),
                    {"value": repr(row["role"]), "choices": ", ".join(ROLES)},
                ),
            )
        )
    stores = [s.strip() for s in row["store"].split(";") if s.strip()]
    if role in ("cashier", "supervisor") and not stores:
        out.append(
            RosterProblem(line, "store", Message(N_("a %(role)s needs a store"), {"role": role}))
        )
    if role == "cashier" and len(stores) > 1:
        out.append(RosterProblem(line, "store", Message(N_("a cashier works in one store"))))
    for code in stores:
        if code not in known_stores:
            out.append(
                RosterProblem(
                    line, "store", Message(N_("unknown store %(value)s"), {"value": repr(code)})
                )
            )
    if row["language"].lower() not in LANGUAGES:
        out.append(
            RosterProblem(
                line,
                "language",
                Message(
                    N_("%(value)s is not one of %(choices)s"),
                    {"value": repr(row["language"]), "choices": "zh, en"},
                ),
            )
        )
    return out
