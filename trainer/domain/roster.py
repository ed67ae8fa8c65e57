"""Staff roster CSV: parse and check every row before anything is imported."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

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
    message: str

    def __str__(self) -> str:
        where = f"row {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


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
    except ValueError as exc:
        return [], [RosterProblem(1, None, f"the file is {exc}")]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        return [], [RosterProblem(1, None, "the file is empty")]
    except csv.Error as exc:
        return [], [RosterProblem(1, None, f"not a valid CSV file ({exc})")]
    missing = [c for c in COLUMNS if c not in header]
    unknown = [h for h in header if h not in COLUMNS + OPTIONAL_COLUMNS]
    if missing:
        problems.append(RosterProblem(1, None, "missing column(s): " + ", ".join(missing)))
    if unknown:
        problems.append(RosterProblem(1, None, "unknown column(s): " + ", ".join(unknown)))
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
                problems.append(RosterProblem(line, None, f"more than {MAX_ROWS} rows"))
                break
            if len(record) != len(header):
                problems.append(
                    RosterProblem(
                        line, None, f"expected {len(header)} fields, found {len(record)}"
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
        problems.append(RosterProblem(line + 1, None, f"not valid CSV ({exc})"))
    if not rows and not problems:
        problems.append(RosterProblem(2, None, "no staff rows below the header"))
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
        out.append(RosterProblem(line, "employee_no", "is empty"))
    elif not _EMPLOYEE_NO.match(number):
        out.append(RosterProblem(line, "employee_no", f"{number!r} is not a valid employee number"))
    elif number.lower() in seen_numbers:
        first = seen_numbers[number.lower()]
        out.append(RosterProblem(line, "employee_no", f"{number!r} already on row {first}"))
    else:
        seen_numbers[number.lower()] = line
    username = row.get("username") or number
    if username and number:
        if not _USERNAME.match(username):
            out.append(RosterProblem(line, "username", f"{username!r} is not a valid username"))
        elif username.lower() in seen_usernames and username != number:
            first = seen_usernames[username.lower()]
            out.append(RosterProblem(line, "username", f"{username!r} already on row {first}"))
        seen_usernames.setdefault(username.lower(), line)
    if not row["name"]:
        out.append(RosterProblem(line, "name", "is empty"))
    elif len(row["name"]) > 200:
        out.append(RosterProblem(line, "name", "is longer than 200 characters"))
    role = row["role"].lower()
    if role not in ROLES:
        out.append(
            RosterProblem(line, "role", f"{row['role']!r} is not one of {', '.join(ROLES)}")
        )
    stores = [s.strip() for s in row["store"].split(";") if s.strip()]
    if role in ("cashier", "supervisor") and not stores:
        out.append(RosterProblem(line, "store", f"a {role} needs a store"))
    if role == "cashier" and len(stores) > 1:
        out.append(RosterProblem(line, "store", "a cashier works in one store"))
    for code in stores:
        if code not in known_stores:
            out.append(RosterProblem(line, "store", f"unknown store {code!r}"))
    if row["language"].lower() not in LANGUAGES:
        out.append(
            RosterProblem(line, "language", f"{row['language']!r} is not one of zh, en")
        )
    return out
